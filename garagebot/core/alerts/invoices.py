"""The unpaid-invoice reminder: ``invoice_reminder_days`` after an invoice to
a client was issued, if it is still not paid in full, the client is reminded
once, with the balance and the link to their page (where the invoice is)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

from sqlalchemy import ColumnElement, String, cast, exists, select

from garagebot.core.actor import Actor
from garagebot.core.alerts.clients import remind_once
from garagebot.core.alerts.settings import schedule_settings
from garagebot.core.billing.enums import InvoiceStatus, PayerKind
from garagebot.core.ids import OrgId
from garagebot.core.links import timeline_url
from garagebot.core.models import Client, ClientNotice, Invoice
from garagebot.core.money import Money, format_money
from garagebot.core.notify.config import NotifyConfig
from garagebot.core.uow import Database

RULE = "invoice_reminder"
BATCH = 500


def _reminded() -> ColumnElement[bool]:
    return exists().where(ClientNotice.organization_id == Invoice.organization_id, ClientNotice.rule == RULE,
                          ClientNotice.marker == cast(Invoice.id, String))


def _params(inv: Invoice, days: int, link: str) -> Callable[[str], Mapping[str, object]]:
    def params(locale: str) -> Mapping[str, object]:
        balance = Money(inv.total - inv.paid_amount, inv.currency)
        return {"invoice": inv.number, "balance": format_money(balance, locale), "days": days, "link": link}

    return params


class InvoiceReminders:
    """The job: ``await InvoiceReminders(config)(db, org_id, now)`` → messages queued."""

    def __init__(self, config: NotifyConfig) -> None:
        self.config = config

    async def __call__(self, db: Database, org_id: int, now: dt.datetime) -> int:
        async with db.unit_of_work(Actor.system(OrgId(org_id))) as uow:
            org = await uow.organization()
            days = schedule_settings(org.settings).invoice_reminder_days
            if days <= 0:
                return 0
            invoices = (await uow.session.scalars(
                select(Invoice).join(Client, Client.id == Invoice.client_id)
                .where(Invoice.organization_id == org_id, Invoice.payer_kind == PayerKind.CLIENT.value,
                       Invoice.status.in_((InvoiceStatus.ISSUED.value, InvoiceStatus.PARTIALLY_PAID.value)),
                       Invoice.issued_at <= now - dt.timedelta(days=days),
                       Client.messaging_consent.is_(True), ~_reminded())
                .order_by(Invoice.issued_at).limit(BATCH))).all()
            queued = 0
            for inv in invoices:
                link = timeline_url(self.config.public_url, self.config.secret, inv.session_id, now=uow.now)
                told = await remind_once(uow, inv.session_id, RULE, str(inv.id), "schedule.invoice_reminder",
                                         _params(inv, days, link))
                queued += told is not None
            return queued

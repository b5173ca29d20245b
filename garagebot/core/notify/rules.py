"""The client notification rules: one handler per core event, each turning
the event into (at most) one message to the session's client through the
outbox, in the client's language and on the client's channel.

| event                                  | message                                  |
|----------------------------------------|------------------------------------------|
| session.opened                         | notify.session_opened (timeline link)    |
| billing.quote_sent                     | notify.approval_requested (/a/ link);    |
|                                        | schedules the reminder (reminders.py)    |
| part.arrived, none left to wait for    | notify.parts_arrived (once per arrival)  |
| step.status_changed, garage opted in   | notify.step_started / notify.step_completed |
| session.status_changed → READY_FOR_PICKUP | notify.ready_for_pickup               |
| billing.invoice_issued (client pays)   | notify.invoice_issued (amount, PDF link) |
| session.delivered                      | notify.delivered (1–5 rating buttons)    |
| documents.invoice_pdf_requested        | documents.pdf_message (the PDF link)     |
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import func, select

from garagebot.core.billing.enums import PayerKind
from garagebot.core.dispatch.registry import DomainEvent
from garagebot.core.documents.links import invoice_pdf_url
from garagebot.core.enums import SessionStatus, StepStatus
from garagebot.core.errors import NotFound
from garagebot.core.inventory.states import PartRequestStatus
from garagebot.core.links import timeline_url
from garagebot.core.models import Invoice, PartRequest, Quote, Step
from garagebot.core.money import Money, format_money
from garagebot.core.notify.config import NotifyConfig
from garagebot.core.notify.garage import step_updates_enabled
from garagebot.core.notify.recipient import Target, claim_once, notify, session_target
from garagebot.core.notify.reminders import quote_params, schedule_reminder
from garagebot.core.ports import Choice
from garagebot.core.uow import UnitOfWork

# The client conversation reads a "rate:<n>" choice as a rating (conversations.client.feedback).
RATE_CHOICE_PREFIX = "rate:"
RATE_CHOICE_KEY = "client.choice_stars"


def _id(payload: Mapping[str, object], field: str) -> int | None:
    value = payload.get(field)
    return int(value) if isinstance(value, int | str) and str(value).isdigit() else None


async def _target(uow: UnitOfWork, event: DomainEvent) -> Target | None:
    session_id = _id(event.payload, "session_id")
    return None if session_id is None else await session_target(uow, session_id)


class ClientRules:
    """The handlers, bound to the process's link settings."""

    def __init__(self, config: NotifyConfig) -> None:
        self.config = config

    def timeline_link(self, uow: UnitOfWork, session_id: int) -> str:
        return timeline_url(self.config.public_url, self.config.secret, session_id, now=uow.now)

    async def session_opened(self, uow: UnitOfWork, event: DomainEvent) -> None:
        target = await _target(uow, event)
        if target is not None:
            notify(uow, target, "notify.session_opened", {
                "name": target.client_name, "car": target.car,
                "link": self.timeline_link(uow, target.session_id)})

    async def quote_sent(self, uow: UnitOfWork, event: DomainEvent) -> None:
        quote_id = _id(event.payload, "quote_id")
        if quote_id is None:
            return
        quote = await uow.get(Quote, quote_id)
        schedule_reminder(uow, self.config, quote.id, quote.session_id, quote.sent_at or event.created_at)
        target = await session_target(uow, quote.session_id)
        if target is not None:
            params = quote_params(uow, self.config, quote, target.locale)
            notify(uow, target, "notify.approval_requested", params)

    async def part_arrived(self, uow: UnitOfWork, event: DomainEvent) -> None:
        """Once every part the session waits for is in: one message, even when
        several arrive in one delivery."""
        session_id = _id(event.payload, "session_id")
        if session_id is None:
            return
        waiting, last = (await uow.session.execute(select(
            func.count().filter(PartRequest.status == PartRequestStatus.OPEN.value),
            func.max(PartRequest.fulfilled_at),
        ).where(PartRequest.organization_id == uow.org_id, PartRequest.session_id == session_id))).one()
        if waiting or last is None:
            return
        target = await session_target(uow, session_id)
        if target is not None and await claim_once(uow, session_id, "parts_arrived", f"{session_id}:{last}"):
            notify(uow, target, "notify.parts_arrived", {"car": target.car})

    async def step_changed(self, uow: UnitOfWork, event: DomainEvent) -> None:
        """Step began / completed, for garages that turned these updates on."""
        to, before = event.payload.get("to"), event.payload.get("from")
        if to == StepStatus.IN_PROGRESS.value and before == StepStatus.NOT_STARTED.value:
            key = "notify.step_started"
        elif to == StepStatus.DONE.value:
            key = "notify.step_completed"
        else:
            return
        step_id = _id(event.payload, "step_id")
        if step_id is None or not step_updates_enabled((await uow.organization()).settings):
            return
        step = await uow.get(Step, step_id)
        target = await session_target(uow, step.session_id)
        if target is not None:
            notify(uow, target, key, {"step": step.name_ar if target.locale == "ar" else step.name_en})

    async def session_status_changed(self, uow: UnitOfWork, event: DomainEvent) -> None:
        if event.payload.get("to") != SessionStatus.READY_FOR_PICKUP.value:
            return
        target = await _target(uow, event)
        if target is not None:
            notify(uow, target, "notify.ready_for_pickup", {
                "car": target.car, "link": self.timeline_link(uow, target.session_id)})

    async def invoice_issued(self, uow: UnitOfWork, event: DomainEvent) -> None:
        invoice_id = _id(event.payload, "invoice_id")
        if invoice_id is None:
            return
        try:
            inv = await uow.get(Invoice, invoice_id)
        except NotFound:
            return
        target = await session_target(uow, inv.session_id)
        if target is None or inv.payer_kind != PayerKind.CLIENT.value:
            return
        notify(uow, target, "notify.invoice_issued", {
            "invoice": inv.number, "total": format_money(Money(inv.total, inv.currency), target.locale),
            "balance": format_money(Money(inv.total - inv.paid_amount, inv.currency), target.locale),
            "link": self.timeline_link(uow, inv.session_id),
            "pdf": invoice_pdf_url(self.config.public_url, self.config.secret, inv.id, now=uow.now)})

    async def invoice_pdf_requested(self, uow: UnitOfWork, event: DomainEvent) -> None:
        """Staff asked for the invoice's PDF link to be sent (core.documents.send)."""
        invoice_id = _id(event.payload, "invoice_id")
        if invoice_id is None:
            return
        inv = await uow.get(Invoice, invoice_id)
        target = await session_target(uow, inv.session_id)
        if target is not None:
            notify(uow, target, "documents.pdf_message", {
                "invoice": inv.number, "total": format_money(Money(inv.total, inv.currency), target.locale),
                "link": invoice_pdf_url(self.config.public_url, self.config.secret, inv.id, now=uow.now)})

    async def delivered(self, uow: UnitOfWork, event: DomainEvent) -> None:
        target = await _target(uow, event)
        if target is None:
            return
        choices = [Choice(f"{RATE_CHOICE_PREFIX}{n}", RATE_CHOICE_KEY, {"stars": "⭐" * n})
                   for n in range(1, 6)]
        notify(uow, target, "notify.delivered", {"name": target.client_name, "car": target.car}, choices)

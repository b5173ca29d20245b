"""What the billing chat reads: a session's invoice (made from its approved
lines or actuals when it has none yet), the payments received today in the
garage's zone, the invoices still open, and the credit a payer holds."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from garagebot.core.billing.enums import OPEN_INVOICE, InvoiceStatus, PaymentStatus
from garagebot.core.billing.invoices import create_invoice
from garagebot.core.ids import InvoiceId, SessionId
from garagebot.core.models import AccountCredit, Invoice, Payment, RepairSession
from garagebot.core.money import Money
from garagebot.core.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class PaymentRow:
    receipt: str
    amount: Money
    method: str
    invoice_id: int | None
    invoice: str | None


@dataclass(frozen=True, slots=True)
class OpenRow:
    invoice_id: int
    number: str
    session: str
    status: InvoiceStatus
    balance: Money


async def session_invoice(uow: UnitOfWork, sid: SessionId) -> int:
    """The session's live invoice, or a new DRAFT one (core.billing.invoices)."""
    found = (await uow.session.execute(select(Invoice.id).where(
        Invoice.organization_id == uow.org_id, Invoice.session_id == sid,
        Invoice.status != InvoiceStatus.VOID.value,
    ).order_by(Invoice.id.desc()).limit(1))).scalar_one_or_none()
    return int(found) if found is not None else int(await create_invoice(uow, sid))


async def todays_payments(uow: UnitOfWork, zone_start: dt.datetime) -> list[PaymentRow]:
    """Active payments received since ``zone_start`` (the garage's midnight), oldest first."""
    rows = (await uow.session.execute(
        select(Payment.receipt_number, Payment.amount, Payment.method, Payment.invoice_id, Invoice.number,
               Invoice.currency)
        .outerjoin(Invoice, Invoice.id == Payment.invoice_id)
        .where(Payment.organization_id == uow.org_id, Payment.received_at >= zone_start,
               Payment.status == PaymentStatus.ACTIVE.value)
        .order_by(Payment.id)
    )).all()
    currency = str((await uow.organization()).currency)
    return [PaymentRow(r.receipt_number, Money(Decimal(r.amount), r.currency or currency), r.method,
                       r.invoice_id, r.number) for r in rows]


async def open_invoices(uow: UnitOfWork, limit: int = 30) -> list[OpenRow]:
    """Draft, issued and part-paid invoices, oldest first."""
    statuses = [InvoiceStatus.DRAFT.value, *(s.value for s in OPEN_INVOICE)]
    rows = (await uow.session.execute(
        select(Invoice, RepairSession.number)
        .join(RepairSession, RepairSession.id == Invoice.session_id)
        .where(Invoice.organization_id == uow.org_id, Invoice.status.in_(statuses))
        .order_by(Invoice.id).limit(limit)
    )).all()
    return [OpenRow(inv.id, inv.number, number, InvoiceStatus(inv.status),
                    Money(inv.total - inv.paid_amount, inv.currency)) for inv, number in rows]


async def payer_credit(uow: UnitOfWork, invoice: Invoice) -> Money:
    """The credit the invoice's payer holds."""
    balance = (await uow.session.execute(select(AccountCredit.balance).where(
        AccountCredit.organization_id == uow.org_id, AccountCredit.payer_kind == invoice.payer_kind,
        AccountCredit.payer_id == invoice.payer_id,
    ))).scalar_one_or_none()
    return Money(Decimal(balance or 0), invoice.currency)


def invoice_id(value: object) -> InvoiceId | None:
    return InvoiceId(value) if isinstance(value, int) and not isinstance(value, bool) else None

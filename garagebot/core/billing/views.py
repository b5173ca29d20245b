"""Read side of billing: frozen views of quotes and invoices, follow-ups,
and a payer's ledger. Queries take a session and the garage's id."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.core.billing.enums import (
    DiscountStatus,
    InvoiceStatus,
    LineDecision,
    LineKind,
    PaymentStatus,
    QuoteStatus,
)
from garagebot.core.billing.ledger import Payer
from garagebot.core.billing.states import DECIDED
from garagebot.core.errors import NotFound
from garagebot.core.ids import InvoiceId, OrgId, QuoteId, QuoteLineId, SessionId, VehicleId
from garagebot.core.models import (
    AccountCredit,
    Invoice,
    Payment,
    PaymentAllocation,
    Quote,
    QuoteLine,
    RepairSession,
)
from garagebot.core.money import Money, money_sum


@dataclass(frozen=True, slots=True)
class QuoteLineView:
    id: QuoteLineId
    position: int
    kind: LineKind
    description_en: str
    description_ar: str
    quantity: Decimal
    unit_price: Money
    net: Money
    tax: Money
    total: Money
    decision: LineDecision


@dataclass(frozen=True, slots=True)
class QuoteView:
    id: QuoteId
    session_id: SessionId
    version: int
    status: QuoteStatus
    discount_status: DiscountStatus
    subtotal: Money
    discount_total: Money
    tax_total: Money
    total: Money
    content_hash: str | None
    expires_at: dt.datetime | None
    lines: tuple[QuoteLineView, ...]


async def quote_view(session: AsyncSession, org_id: OrgId, quote_id: QuoteId) -> QuoteView:
    quote = (await session.execute(
        select(Quote).where(Quote.organization_id == org_id, Quote.id == quote_id)
    )).scalar_one_or_none()
    if quote is None:
        raise NotFound("error.not_found", entity="quote", id=quote_id)
    rows = (await session.scalars(
        select(QuoteLine).where(QuoteLine.organization_id == org_id, QuoteLine.quote_id == quote_id)
        .order_by(QuoteLine.position, QuoteLine.id)
    )).all()
    c = quote.currency
    return QuoteView(
        id=QuoteId(quote.id), session_id=SessionId(quote.session_id), version=quote.version,
        status=QuoteStatus(quote.status), discount_status=DiscountStatus(quote.discount_status),
        subtotal=Money(quote.subtotal, c), discount_total=Money(quote.discount_total, c),
        tax_total=Money(quote.tax_total, c), total=Money(quote.total, c),
        content_hash=quote.content_hash, expires_at=quote.expires_at,
        lines=tuple(
            QuoteLineView(
                id=QuoteLineId(r.id), position=r.position, kind=LineKind(r.kind),
                description_en=r.description_en, description_ar=r.description_ar,
                quantity=Decimal(r.quantity), unit_price=Money(r.unit_price, c), net=Money(r.net, c),
                tax=Money(r.tax, c), total=Money(r.total, c), decision=LineDecision(r.decision),
            )
            for r in rows
        ),
    )


@dataclass(frozen=True, slots=True)
class FollowUpLine:
    """Work the client declined or deferred: to offer again at the next visit."""

    line_id: QuoteLineId
    session_id: SessionId
    session_number: str
    vehicle_id: VehicleId
    description_en: str
    description_ar: str
    total: Money
    decision: LineDecision
    decided_at: dt.datetime | None


async def follow_up_lines(
    session: AsyncSession, org_id: OrgId, *, vehicle_id: VehicleId | None = None,
    decisions: tuple[LineDecision, ...] = (LineDecision.DECLINED, LineDecision.DEFERRED),
) -> list[FollowUpLine]:
    """Declined and deferred lines of decided quotes (newest first), optionally of one vehicle."""
    stmt = (
        select(QuoteLine, Quote.currency, RepairSession.id, RepairSession.number, RepairSession.vehicle_id)
        .join(Quote, Quote.id == QuoteLine.quote_id)
        .join(RepairSession, RepairSession.id == Quote.session_id)
        .where(
            QuoteLine.organization_id == org_id, Quote.organization_id == org_id,
            Quote.status.in_([s.value for s in DECIDED]),
            QuoteLine.decision.in_([d.value for d in decisions]),
        )
        .order_by(QuoteLine.decided_at.desc(), QuoteLine.id.desc())
    )
    if vehicle_id is not None:
        stmt = stmt.where(RepairSession.vehicle_id == vehicle_id)
    return [
        FollowUpLine(
            line_id=QuoteLineId(line.id), session_id=SessionId(sid), session_number=number,
            vehicle_id=VehicleId(vid), description_en=line.description_en,
            description_ar=line.description_ar, total=Money(line.total, currency),
            decision=LineDecision(line.decision), decided_at=line.decided_at,
        )
        for line, currency, sid, number, vid in (await session.execute(stmt)).all()
    ]


@dataclass(frozen=True, slots=True)
class InvoiceView:
    id: InvoiceId
    number: str
    session_id: SessionId
    status: InvoiceStatus
    total: Money
    paid: Money
    balance: Money
    tax_total: Money
    issued_at: dt.datetime | None


async def invoice_view(session: AsyncSession, org_id: OrgId, invoice_id: InvoiceId) -> InvoiceView:
    inv = (await session.execute(
        select(Invoice).where(Invoice.organization_id == org_id, Invoice.id == invoice_id)
    )).scalar_one_or_none()
    if inv is None:
        raise NotFound("error.not_found", entity="invoice", id=invoice_id)
    c = inv.currency
    return InvoiceView(
        id=InvoiceId(inv.id), number=inv.number, session_id=SessionId(inv.session_id),
        status=InvoiceStatus(inv.status), total=Money(inv.total, c), paid=Money(inv.paid_amount, c),
        balance=Money(inv.total - inv.paid_amount, c), tax_total=Money(inv.tax_total, c),
        issued_at=inv.issued_at,
    )


@dataclass(frozen=True, slots=True)
class PayerLedger:
    """A payer's money, summed from three independent places. Invariant:
    ``payments == allocated + credit`` and ``credit == unallocated``."""

    payments: Money  # active payments received
    allocated: Money  # active allocations of those payments
    credit: Money  # the stored credit balance
    unallocated: Money  # the sum of the payments' unallocated amounts
    invoiced_paid: Money  # the sum of paid_amount over the payer's invoices


async def payer_ledger(session: AsyncSession, org_id: OrgId, payer: Payer, currency: str) -> PayerLedger:
    """Sums in Python on exact Decimals (SQLite keeps amounts as text)."""
    payments = (await session.execute(
        select(Payment.id, Payment.amount, Payment.unallocated).where(
            Payment.organization_id == org_id, Payment.payer_kind == payer.kind.value,
            Payment.payer_id == payer.id, Payment.status == PaymentStatus.ACTIVE.value,
        )
    )).all()
    ids = [int(p[0]) for p in payments]
    allocations = (await session.scalars(
        select(PaymentAllocation.amount).where(
            PaymentAllocation.organization_id == org_id, PaymentAllocation.payment_id.in_(ids),
            PaymentAllocation.reversed_at.is_(None),
        )
    )).all() if ids else []
    credit = (await session.execute(
        select(AccountCredit.balance).where(
            AccountCredit.organization_id == org_id, AccountCredit.payer_kind == payer.kind.value,
            AccountCredit.payer_id == payer.id,
        )
    )).scalar_one_or_none()
    paid = (await session.scalars(
        select(Invoice.paid_amount).where(
            Invoice.organization_id == org_id, Invoice.payer_kind == payer.kind.value,
            Invoice.payer_id == payer.id,
        )
    )).all()

    def total(values: list[Decimal]) -> Money:
        return money_sum([Money(Decimal(v), currency) for v in values], currency)

    return PayerLedger(
        payments=total([p[1] for p in payments]), allocated=total(list(allocations)),
        credit=Money(Decimal(credit if credit is not None else 0), currency),
        unallocated=total([p[2] for p in payments]), invoiced_paid=total(list(paid)),
    )

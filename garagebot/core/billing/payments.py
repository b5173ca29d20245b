"""Payments: on an invoice, deposits against a session, applying credit, and
reversal (newest first).

Every payment gets a receipt number RCT-YYYY-NNNNNN. A ``reference`` (card
slip, transfer id, or the caller's idempotency key) makes a repeat a no-op
that returns the first recording. What a payment does not settle stays as
the payer's credit.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from garagebot.core.billing.documents import RECEIPT_PREFIX, acting_user_id, document_number
from garagebot.core.billing.enums import (
    OPEN_INVOICE,
    AllocationCause,
    PayerKind,
    PaymentMethod,
    PaymentStatus,
)
from garagebot.core.billing.invoices import locked_invoice, message_client, notify_client, payer_for_session
from garagebot.core.billing.ledger import (
    Allocated,
    Payer,
    Source,
    Target,
    apply,
    credit_sources,
    lock_payer,
    plan,
    reverse_allocations,
    set_credit,
)
from garagebot.core.billing.settings import load_settings
from garagebot.core.errors import Conflict, InvalidInput, InvalidTransition
from garagebot.core.ids import InvoiceId, PaymentId, SessionId
from garagebot.core.models import Invoice, Payment, PaymentAllocation, RepairSession
from garagebot.core.money import Money, parse_amount
from garagebot.core.normalize import clean_text
from garagebot.core.permissions import Permission
from garagebot.core.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class PaymentResult:
    payment_id: PaymentId
    receipt_number: str
    amount: Money
    allocated: Money  # allocated to invoices when it was recorded (its own money and credit it pulled in)
    credit_used: Money  # older credit that recording pulled in
    credit_balance: Money  # the payer's credit now
    invoices_settled: int  # invoices it paid in full
    repeated: bool  # the reference was seen before: nothing was done
    receipt_sent: bool = False  # a receipt message to the client was queued


def payment_method(value: PaymentMethod | str) -> PaymentMethod:
    try:
        return PaymentMethod(value)
    except ValueError:
        raise InvalidInput("error.payment_method_invalid", value=str(value)) from None


def _reference(raw: str | None) -> str | None:
    if raw is None:
        return None
    ref = clean_text(raw)
    if not ref or len(ref) > 128:
        raise InvalidInput("error.payment_reference_invalid", value=raw)
    return ref


async def _by_reference(uow: UnitOfWork, ref: str) -> Payment | None:
    return (await uow.session.execute(select(Payment).where(
        Payment.organization_id == uow.org_id, Payment.reference == ref,
    ))).scalar_one_or_none()


async def _repeat(uow: UnitOfWork, existing: Payment, payer: Payer, amount: Money) -> PaymentResult:
    """The first recording of a reference, if this call is the same payment."""
    if (existing.payer_kind, existing.payer_id) != (payer.kind.value, payer.id) \
            or existing.amount != amount.amount:
        raise Conflict("error.payment_reference_used", reference=existing.reference,
                       receipt=existing.receipt_number)
    caused = (await uow.session.scalars(select(PaymentAllocation.amount).where(
        PaymentAllocation.organization_id == uow.org_id, PaymentAllocation.cause_payment_id == existing.id,
    ))).all()
    credit = await lock_payer(uow, payer, Money.zero(amount.currency).amount)
    c = amount.currency
    allocated = Money(sum((Decimal(a) for a in caused), Decimal(0)), c)
    return PaymentResult(PaymentId(existing.id), existing.receipt_number, amount, allocated,
                         Money.zero(c), Money(credit, c), 0, repeated=True)


async def new_payment(
    uow: UnitOfWork, payer: Payer, amount: Money, method: PaymentMethod, ref: str | None,
    *, session_id: int | None = None, invoice_id: int | None = None,
) -> Payment | PaymentResult:
    """Record the payment row (with its receipt number), or return the first
    recording of ``ref``. Called with the payer locked."""
    if ref is not None and (existing := await _by_reference(uow, ref)) is not None:
        return await _repeat(uow, existing, payer, amount)
    settings = await load_settings(uow)
    try:
        # A savepoint around number and row: another payer's concurrent use of the
        # same reference rolls both back (no receipt number is lost).
        async with uow.session.begin_nested():
            receipt = await document_number(uow, RECEIPT_PREFIX, settings)
            row = Payment(
                organization_id=uow.org_id, receipt_number=receipt,
                payer_kind=payer.kind.value, payer_id=payer.id, session_id=session_id, invoice_id=invoice_id,
                method=method.value, reference=ref, amount=amount.storable(), unallocated=amount.storable(),
                status=PaymentStatus.ACTIVE.value, received_at=uow.now, recorded_by_id=acting_user_id(uow),
            )
            uow.session.add(row)
            await uow.session.flush()
    except IntegrityError:
        existing = await _by_reference(uow, ref) if ref is not None else None
        if existing is None:
            raise
        return await _repeat(uow, existing, payer, amount)
    return row


async def settle(
    uow: UnitOfWork, payment: Payment, payer: Payer, credit: Money, sources: list[Source],
    targets: list[Target], cause: AllocationCause,
) -> PaymentResult:
    """Allocate ``sources`` to ``targets`` for ``payment``, update the payer's
    credit, audit and emit. Shared by invoice and fleet payments."""
    c = credit.currency
    allocations: list[Allocated] = plan(sources, targets)
    applied = Money(await apply(uow, allocations, sources, targets, cause, payment.id), c)
    own = Money(sum((a.amount for a in allocations if a.payment_id == payment.id), Decimal(0)), c)
    amount = Money(payment.amount, c)
    balance = credit + amount - applied
    await set_credit(uow, payer, balance.storable())
    per_invoice: dict[int, Decimal] = defaultdict(Decimal)
    for a in allocations:
        per_invoice[a.invoice_id] += a.amount
    settled = sum(1 for t in targets if per_invoice.get(t.invoice_id) == t.balance)
    await uow.audit("payment", payment.id, "record", after={
        "receipt": payment.receipt_number, "payer": f"{payer.kind.value}:{payer.id}",
        "method": payment.method,
        "reference": payment.reference, "amount": amount.amount, "allocated": applied.amount,
        "credit_used": (applied - own).amount, "credit_after": balance.storable(),
        "invoices": sorted({a.invoice_id for a in allocations}),
    })
    uow.emit("billing.payment_recorded", {
        "payment_id": payment.id, "receipt": payment.receipt_number, "payer_kind": payer.kind.value,
        "payer_id": payer.id, "amount": amount.amount, "allocated": applied.amount,
    })
    return PaymentResult(PaymentId(payment.id), payment.receipt_number, amount, applied, applied - own,
                         balance.rounded(), settled, repeated=False)


async def record_payment(
    uow: UnitOfWork, invoice_id: InvoiceId, amount: str | Decimal, method: PaymentMethod | str,
    *, reference: str | None = None,
) -> PaymentResult:
    """Money received against an issued invoice: a partial payment leaves it
    PARTIALLY_PAID; an overpayment settles it and the rest becomes credit."""
    await uow.require(Permission.MANAGE_BILLING)
    how, ref = payment_method(method), _reference(reference)
    inv, payer, credit = await locked_invoice(uow, invoice_id)
    money = parse_amount(amount, inv.currency, allow_zero=False)
    repeat = ref is not None and await _by_reference(uow, ref) is not None
    if not repeat and inv.status not in {s.value for s in OPEN_INVOICE}:
        raise InvalidTransition("error.invoice_not_open", number=inv.number, status=inv.status)
    row = await new_payment(uow, payer, money, how, ref, invoice_id=inv.id)
    if isinstance(row, PaymentResult):
        return row
    sources = [Source(row.id, money.amount)]
    targets = [Target(inv.id, inv.total, inv.paid_amount)]
    result = await settle(uow, row, payer, credit, sources, targets, AllocationCause.PAYMENT)
    await uow.session.refresh(inv)
    sent = await notify_client(uow, inv, "billing.payment_receipt", {
        "receipt": row.receipt_number, "amount": money,
    })
    return replace(result, receipt_sent=sent)


async def record_deposit(
    uow: UnitOfWork, session_id: SessionId, amount: str | Decimal, method: PaymentMethod | str,
    *, reference: str | None = None,
) -> PaymentResult:
    """A deposit against a session before its invoice: kept as the payer's
    credit, marked for the session, and applied when its invoice is issued
    (at once, if the session's invoice is already open). The client gets a receipt."""
    await uow.require(Permission.MANAGE_BILLING)
    how, ref = payment_method(method), _reference(reference)
    rs = await uow.get(RepairSession, session_id)
    settings = await load_settings(uow)
    money = parse_amount(amount, settings.currency, allow_zero=False)
    payer = await payer_for_session(uow, rs)
    credit = Money(await lock_payer(uow, payer, Money.zero(money.currency).amount), money.currency)
    row = await new_payment(uow, payer, money, how, ref, session_id=rs.id)
    if isinstance(row, PaymentResult):
        return row
    open_inv = (await uow.session.execute(select(Invoice.id, Invoice.total, Invoice.paid_amount).where(
        Invoice.organization_id == uow.org_id, Invoice.session_id == rs.id,
        Invoice.payer_kind == payer.kind.value, Invoice.payer_id == payer.id,
        Invoice.status.in_([s.value for s in OPEN_INVOICE]),
    ))).all()
    targets = [Target(int(i), Decimal(t), Decimal(p)) for i, t, p in open_inv]
    result = await settle(uow, row, payer, credit, [Source(row.id, money.amount)], targets,
                          AllocationCause.PAYMENT)
    sent = payer.kind is PayerKind.CLIENT and await message_client(
        uow, rs.client_id, "billing.deposit_receipt", {
            "number": rs.number, "receipt": row.receipt_number, "amount": money})
    return replace(result, receipt_sent=sent)


async def apply_credit(uow: UnitOfWork, invoice_id: InvoiceId) -> Money:
    """Apply the payer's available credit (oldest first) to an open invoice;
    returns the amount applied."""
    await uow.require(Permission.MANAGE_BILLING)
    inv, payer, credit = await locked_invoice(uow, invoice_id)
    if inv.status not in {s.value for s in OPEN_INVOICE}:
        raise InvalidTransition("error.invoice_not_open", number=inv.number, status=inv.status)
    sources = await credit_sources(uow, payer, Money.zero(inv.currency).amount)
    if not sources:
        raise InvalidTransition("error.no_credit_available", number=inv.number)
    targets = [Target(inv.id, inv.total, inv.paid_amount)]
    applied = Money(await apply(uow, plan(sources, targets), sources, targets, AllocationCause.CREDIT, None),
                    inv.currency)
    await set_credit(uow, payer, (credit - applied).storable())
    await uow.audit("invoice", inv.id, "apply_credit", before={"credit": credit.amount},
                    after={"applied": applied.amount, "credit": (credit - applied).storable()})
    uow.emit("billing.credit_applied", {"invoice_id": inv.id, "number": inv.number, "amount": applied.amount})
    return applied


@dataclass(frozen=True, slots=True)
class ReversalResult:
    payment_id: PaymentId
    receipt_number: str
    invoices_reopened: int
    credit_balance: Money


async def reverse_payment(uow: UnitOfWork, payment_id: PaymentId, *, reason: str) -> ReversalResult:
    """Reverse a payment: its allocations (and those it pulled from older
    credit) are undone, invoices and credit return to what they were. Only
    the payer's newest active payment may be reversed; otherwise the error
    names the payment to reverse first."""
    await uow.require(Permission.MANAGE_BILLING)
    why = clean_text(reason)
    if not why:
        raise InvalidInput("error.reverse_reason_required")
    row = await uow.get(Payment, payment_id)
    payer = Payer(PayerKind(row.payer_kind), row.payer_id)
    currency = (await load_settings(uow)).currency
    credit = await lock_payer(uow, payer, Money.zero(currency).amount)
    await uow.session.refresh(row)
    if row.status != PaymentStatus.ACTIVE.value:
        raise InvalidTransition("error.payment_already_reversed", receipt=row.receipt_number)
    newest = (await uow.session.execute(select(func.max(Payment.id)).where(
        Payment.organization_id == uow.org_id, Payment.payer_kind == row.payer_kind,
        Payment.payer_id == row.payer_id, Payment.status == PaymentStatus.ACTIVE.value,
    ))).scalar_one()
    if newest != row.id:
        newer = await uow.get(Payment, int(newest))
        raise InvalidTransition("error.reverse_newer_payment_first", receipt=row.receipt_number,
                                newer=newer.receipt_number)
    undone = await reverse_allocations(uow, row.id)
    await uow.session.refresh(row)
    balance = Money(credit - row.unallocated + undone.to_other_payments, currency)
    await set_credit(uow, payer, balance.storable())
    row.status, row.unallocated = PaymentStatus.REVERSED.value, Money.zero(currency).amount
    row.reversed_at, row.reversed_by_id, row.reverse_reason = uow.now, acting_user_id(uow), why
    await uow.audit("payment", row.id, "reverse", before={"status": PaymentStatus.ACTIVE.value}, after={
        "status": row.status, "reason": why, "allocations_undone": undone.allocations,
        "invoices": list(undone.invoices), "credit_after": balance.storable()})
    uow.emit("billing.payment_reversed", {"payment_id": row.id, "receipt": row.receipt_number,
                                          "invoices": list(undone.invoices)})
    return ReversalResult(PaymentId(row.id), row.receipt_number, len(undone.invoices), balance.rounded())

"""The allocation engine: payers' credit, allocating payments to invoices and
reversing allocations. Used by invoice payments, deposits, credit and the
fleet cascade.

Concurrency: every change to an invoice's paid amount, and to a payer's
payments and credit, happens after ``lock_payer`` has row-locked the payer's
credit row (an upsert, so it also works for a payer's first payment). One
payer's money therefore moves one transaction at a time on PostgreSQL;
SQLite serialises every writer anyway (``BEGIN IMMEDIATE``).

Lock order, on PostgreSQL: session row → payer → document counter → audit
chain head. The audit chain head is row-locked from a transaction's first
audit entry until its commit, so a service takes every lock it needs before
it writes its first audit entry (``create_invoice`` locks the payer although
only ``issue_invoice`` needs it, so that both can share a unit of work).

Writes are set-based (``bulk``): one INSERT of all the allocations, one
UPDATE for every invoice the plan pays in full (``paid_amount = total``), one
UPDATE for the rows with a computed value (the boundary invoice, reversed
invoices, the source payments). Amount arithmetic happens in Python on exact Decimals:
SQLite keeps amounts as text, and arithmetic on them there would go through
floats.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from garagebot.core.billing.bulk import id_in, insert_allocations, set_paid, set_unallocated
from garagebot.core.billing.enums import (
    OPEN_INVOICE,
    AllocationCause,
    InvoiceStatus,
    PayerKind,
    PaymentStatus,
)
from garagebot.core.billing.states import settled_status
from garagebot.core.models import AccountCredit, Invoice, Payment, PaymentAllocation
from garagebot.core.uow import UnitOfWork

ZERO = Decimal(0)
_PAGE = 500


@dataclass(frozen=True, slots=True)
class Payer:
    """Who pays: a client, or a fleet account."""

    kind: PayerKind
    id: int


@dataclass(slots=True)
class Source:
    """A payment with money not yet allocated."""

    payment_id: int
    available: Decimal


@dataclass(slots=True)
class Target:
    """An open invoice."""

    invoice_id: int
    total: Decimal
    paid: Decimal

    @property
    def balance(self) -> Decimal:
        return self.total - self.paid


@dataclass(frozen=True, slots=True)
class Allocated:
    payment_id: int
    invoice_id: int
    amount: Decimal


def payer_of(invoice: Invoice) -> Payer:
    return Payer(PayerKind(invoice.payer_kind), invoice.payer_id)


async def lock_payer(uow: UnitOfWork, payer: Payer, zero: Decimal) -> Decimal:
    """Row-lock the payer's credit (creating it at ``zero``) and return its balance."""
    ins = postgresql.insert(AccountCredit) if uow.session.get_bind().dialect.name == "postgresql" \
        else sqlite.insert(AccountCredit)
    stmt = (
        ins.values(organization_id=uow.org_id, payer_kind=payer.kind.value, payer_id=payer.id, balance=zero)
        .on_conflict_do_update(
            index_elements=[AccountCredit.organization_id, AccountCredit.payer_kind, AccountCredit.payer_id],
            set_={"balance": AccountCredit.balance},
        )
        .returning(AccountCredit.balance)
    )
    value = (await uow.session.execute(stmt)).scalar_one()
    return Decimal(value)


async def set_credit(uow: UnitOfWork, payer: Payer, balance: Decimal) -> None:
    await uow.session.execute(
        update(AccountCredit)
        .where(
            AccountCredit.organization_id == uow.org_id,
            AccountCredit.payer_kind == payer.kind.value,
            AccountCredit.payer_id == payer.id,
        )
        .values(balance=balance)
    )


async def credit_sources(
    uow: UnitOfWork, payer: Payer, zero: Decimal, *, session_id: int | None = None
) -> list[Source]:
    """The payer's active payments with money left, oldest first (optionally
    only the deposits of one session)."""
    stmt = select(Payment.id, Payment.unallocated).where(
        Payment.organization_id == uow.org_id,
        Payment.payer_kind == payer.kind.value,
        Payment.payer_id == payer.id,
        Payment.status == PaymentStatus.ACTIVE.value,
        # Stored amounts are always quantized, so "no credit left" is exactly ``zero``.
        Payment.unallocated != zero,
    )
    if session_id is not None:
        stmt = stmt.where(Payment.session_id == session_id)
    rows = (await uow.session.execute(stmt.order_by(Payment.id))).all()
    return [Source(int(r[0]), Decimal(r[1])) for r in rows if Decimal(r[1]) > 0]


async def open_targets(uow: UnitOfWork, payer: Payer, pool: Decimal) -> list[Target]:
    """The payer's open invoices, oldest first, as many as ``pool`` can reach
    (read page by page, so a small payment does not read a long history)."""
    targets: list[Target] = []
    reach = ZERO
    after: tuple[dt.datetime, int] | None = None
    while reach < pool:
        stmt = select(Invoice.id, Invoice.total, Invoice.paid_amount, Invoice.issued_at).where(
            Invoice.organization_id == uow.org_id,
            Invoice.payer_kind == payer.kind.value,
            Invoice.payer_id == payer.id,
            Invoice.status.in_([s.value for s in OPEN_INVOICE]),
        )
        if after is not None:
            at, last = after
            stmt = stmt.where(or_(Invoice.issued_at > at, and_(Invoice.issued_at == at, Invoice.id > last)))
        rows = (await uow.session.execute(stmt.order_by(Invoice.issued_at, Invoice.id).limit(_PAGE))).all()
        for r in rows:
            if reach >= pool:
                break
            target = Target(int(r[0]), Decimal(r[1]), Decimal(r[2]))
            targets.append(target)
            reach += target.balance
        if len(rows) < _PAGE:
            break
        after = (rows[-1][3], int(rows[-1][0]))
    return targets


def plan(sources: Sequence[Source], targets: Sequence[Target]) -> list[Allocated]:
    """Oldest money to oldest invoice, one pass over both (O(n + m))."""
    out: list[Allocated] = []
    left = [s.available for s in sources]
    si = 0
    for t in targets:
        need = t.balance
        while need > 0 and si < len(sources):
            take = min(need, left[si])
            if take > 0:
                out.append(Allocated(sources[si].payment_id, t.invoice_id, take))
                left[si] -= take
                need -= take
            if left[si] == 0:
                si += 1
        if si >= len(sources):
            break
    return out


async def apply(
    uow: UnitOfWork,
    allocations: Sequence[Allocated],
    sources: Sequence[Source],
    targets: Sequence[Target],
    cause: AllocationCause,
    cause_payment_id: int | None,
) -> Decimal:
    """Write ``allocations`` and their effect on invoices and source payments;
    return the amount allocated."""
    if not allocations:
        return ZERO
    await uow.session.flush()
    await insert_allocations(uow, [(a.payment_id, a.invoice_id, a.amount) for a in allocations], cause,
                             cause_payment_id)
    per_invoice: dict[int, Decimal] = defaultdict(Decimal)
    per_source: dict[int, Decimal] = defaultdict(Decimal)
    for a in allocations:
        per_invoice[a.invoice_id] += a.amount
        per_source[a.payment_id] += a.amount
    by_id = {t.invoice_id: t for t in targets}
    full = [i for i, amt in per_invoice.items() if amt == by_id[i].balance]
    if full:
        await uow.session.execute(
            update(Invoice)
            .where(Invoice.organization_id == uow.org_id, id_in(uow, Invoice.id, full))
            .values(paid_amount=Invoice.total, status=InvoiceStatus.PAID.value)
            .execution_options(synchronize_session=False)
        )
    partial = [(i, by_id[i].paid + amt) for i, amt in per_invoice.items() if amt != by_id[i].balance]
    await set_paid(uow, [(i, paid, settled_status(by_id[i].total, paid).value) for i, paid in partial])
    left = {s.payment_id: s.available for s in sources}
    await set_unallocated(uow, [(p, left[p] - amt) for p, amt in per_source.items()])
    return sum(per_invoice.values(), ZERO)


@dataclass(frozen=True, slots=True)
class Reversed:
    """What reversing a payment's allocations gave back."""

    allocations: int
    invoices: tuple[int, ...]
    to_other_payments: Decimal  # credit that older payments get back


async def reverse_allocations(uow: UnitOfWork, payment_id: int) -> Reversed:
    """Undo every active allocation made by (or from) ``payment_id``: invoices
    get their paid amount back, older payments their unallocated money."""
    await uow.session.flush()
    rows = (
        await uow.session.execute(
            select(PaymentAllocation.id, PaymentAllocation.payment_id, PaymentAllocation.invoice_id,
                   PaymentAllocation.amount)
            .where(
                PaymentAllocation.organization_id == uow.org_id,
                PaymentAllocation.reversed_at.is_(None),
                or_(PaymentAllocation.cause_payment_id == payment_id,
                    PaymentAllocation.payment_id == payment_id),
            )
        )
    ).all()
    if not rows:
        return Reversed(0, (), ZERO)
    per_invoice: dict[int, Decimal] = defaultdict(Decimal)
    per_source: dict[int, Decimal] = defaultdict(Decimal)
    for _, source, invoice, amount in rows:
        per_invoice[int(invoice)] += Decimal(amount)
        if int(source) != payment_id:
            per_source[int(source)] += Decimal(amount)
    await uow.session.execute(
        update(PaymentAllocation)
        .where(PaymentAllocation.organization_id == uow.org_id,
               id_in(uow, PaymentAllocation.id, [int(r[0]) for r in rows]))
        .values(reversed_at=uow.now)
        .execution_options(synchronize_session=False)
    )
    invoices = (
        await uow.session.execute(
            select(Invoice.id, Invoice.total, Invoice.paid_amount)
            .where(Invoice.organization_id == uow.org_id, id_in(uow, Invoice.id, list(per_invoice)))
        )
    ).all()
    paid = [(int(i), Decimal(t), Decimal(p) - per_invoice[int(i)]) for i, t, p in invoices]
    await set_paid(uow, [(i, p, settled_status(t, p).value) for i, t, p in paid])
    sources = (
        await uow.session.execute(
            select(Payment.id, Payment.unallocated)
            .where(Payment.organization_id == uow.org_id, id_in(uow, Payment.id, list(per_source)))
        )
    ).all() if per_source else []
    await set_unallocated(uow, [(int(p), Decimal(u) + per_source[int(p)]) for p, u in sources])
    return Reversed(len(rows), tuple(sorted(per_invoice)), sum(per_source.values(), ZERO))

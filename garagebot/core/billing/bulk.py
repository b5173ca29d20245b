"""Set-based writes of the allocation engine, one statement each.

On PostgreSQL the rows travel as arrays and are unnested by the server (one
short statement, one plan, whatever the row count: the fleet cascade writes
hundreds of rows at once). SQLite has no arrays: there the same writes are a
multi-row INSERT and executemany UPDATEs, which it runs in-process. Both
paths write the same rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import BigInteger, ColumnElement, Table, any_, bindparam, insert, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import InstrumentedAttribute

from garagebot.core.billing.enums import AllocationCause
from garagebot.core.db import UTCDateTime
from garagebot.core.models import Invoice, Payment, PaymentAllocation
from garagebot.core.uow import UnitOfWork


def _pg(uow: UnitOfWork) -> bool:
    return uow.session.get_bind().dialect.name == "postgresql"


def _norm(value: Decimal) -> Decimal:
    # Zero is compared as text on SQLite: never write "-0.000".
    return abs(value) if value == 0 else value


def id_in(uow: UnitOfWork, column: InstrumentedAttribute[int], ids: Sequence[int]) -> ColumnElement[bool]:
    """``column IN ids``; one array parameter on PostgreSQL instead of one per id."""
    if _pg(uow):
        return column == any_(bindparam(None, list(ids), type_=ARRAY(BigInteger())))
    return column.in_(list(ids))


_PG_INSERT = text(
    "INSERT INTO payment_allocation"
    " (organization_id, payment_id, invoice_id, cause_payment_id, cause, amount, created_at)"
    " SELECT :org, t.p, t.i, :cause_payment, :cause, t.a, :now"
    " FROM unnest(CAST(:payments AS BIGINT[]), CAST(:invoices AS BIGINT[]), CAST(:amounts AS NUMERIC[]))"
    " AS t(p, i, a)"
).bindparams(bindparam("now", type_=UTCDateTime()))


async def insert_allocations(
    uow: UnitOfWork, rows: Sequence[tuple[int, int, Decimal]], cause: AllocationCause,
    cause_payment_id: int | None,
) -> None:
    """Insert allocation rows (payment id, invoice id, amount)."""
    if _pg(uow):
        await uow.session.execute(_PG_INSERT, {
            "org": uow.org_id, "cause_payment": cause_payment_id, "cause": cause.value, "now": uow.now,
            "payments": [r[0] for r in rows], "invoices": [r[1] for r in rows],
            "amounts": [r[2] for r in rows],
        })
        return
    await uow.session.execute(insert(PaymentAllocation), [
        {"organization_id": uow.org_id, "payment_id": p, "invoice_id": i,
         "cause_payment_id": cause_payment_id, "cause": cause.value, "amount": a, "created_at": uow.now}
        for p, i, a in rows
    ])


_PG_SET_PAID = text(
    "UPDATE invoice SET paid_amount = t.paid, status = t.status"
    " FROM unnest(CAST(:ids AS BIGINT[]), CAST(:paid AS NUMERIC[]), CAST(:status AS VARCHAR[]))"
    " AS t(id, paid, status)"
    " WHERE invoice.organization_id = :org AND invoice.id = t.id"
)


async def set_paid(uow: UnitOfWork, rows: Sequence[tuple[int, Decimal, str]]) -> None:
    """Set (invoice id, paid amount, status) on each invoice."""
    if not rows:
        return
    if _pg(uow):
        await uow.session.execute(_PG_SET_PAID, {
            "org": uow.org_id, "ids": [r[0] for r in rows], "paid": [_norm(r[1]) for r in rows],
            "status": [r[2] for r in rows],
        })
        return
    table = cast(Table, Invoice.__table__)
    await uow.session.execute(
        update(table)
        .where(table.c.organization_id == uow.org_id, table.c.id == bindparam("b_id"))
        .values(paid_amount=bindparam("b_paid"), status=bindparam("b_status")),
        [{"b_id": i, "b_paid": _norm(p), "b_status": s} for i, p, s in rows],
    )


_PG_SET_UNALLOCATED = text(
    "UPDATE payment SET unallocated = t.left_"
    " FROM unnest(CAST(:ids AS BIGINT[]), CAST(:lefts AS NUMERIC[])) AS t(id, left_)"
    " WHERE payment.organization_id = :org AND payment.id = t.id"
)


async def set_unallocated(uow: UnitOfWork, rows: Sequence[tuple[int, Decimal]]) -> None:
    """Set (payment id, unallocated amount) on each payment."""
    if not rows:
        return
    if _pg(uow):
        await uow.session.execute(_PG_SET_UNALLOCATED, {
            "org": uow.org_id, "ids": [r[0] for r in rows], "lefts": [_norm(r[1]) for r in rows],
        })
        return
    table = cast(Table, Payment.__table__)
    params: list[dict[str, Any]] = [{"b_id": p, "b_left": _norm(left)} for p, left in rows]
    await uow.session.execute(
        update(table)
        .where(table.c.organization_id == uow.org_id, table.c.id == bindparam("b_id"))
        .values(unallocated=bindparam("b_left")),
        params,
    )


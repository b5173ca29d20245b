"""Two garages: nothing of one is reachable from the other; numbers are per garage."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import select

from garagebot.core.billing.enums import LineDecision
from garagebot.core.billing.invoices import create_invoice, issue_invoice, void_invoice
from garagebot.core.billing.payments import record_payment, reverse_payment
from garagebot.core.billing.quote_flow import decide_whole_quote, send_quote
from garagebot.core.billing.quotes import create_quote
from garagebot.core.billing.views import invoice_view, quote_view
from garagebot.core.errors import NotFound
from garagebot.core.ids import QuoteId
from garagebot.core.models import Invoice
from garagebot.core.uow import Database, UnitOfWork
from tests.conftest import Staff, make_staff, new_garage
from tests.core.billing.helpers import add_job, invoiced_visit, open_visit


async def test_another_garages_quotes_invoices_and_payments_are_not_found(db: Database, staff: Staff) -> None:
    visit, inv = await invoiced_visit(db, staff)
    async with db.unit_of_work(staff.accountant) as uow:
        paid = await record_payment(uow, inv, "1", "CASH")
    async with db.read() as s:
        quote_id = QuoteId(
            (await s.execute(select(Invoice.quote_id).where(Invoice.id == inv))).scalar_one() or 0
        )
    other = await make_staff(db, await new_garage(db))
    attempts: list[Callable[[UnitOfWork], Awaitable[object]]] = [
        lambda uow: create_quote(uow, visit.session_id),
        lambda uow: send_quote(uow, quote_id),
        lambda uow: decide_whole_quote(uow, quote_id, LineDecision.DECLINED, key="x"),
        lambda uow: create_invoice(uow, visit.session_id),
        lambda uow: issue_invoice(uow, inv),
        lambda uow: void_invoice(uow, inv, reason="mine now"),
        lambda uow: record_payment(uow, inv, "1", "CASH"),
        lambda uow: reverse_payment(uow, paid.payment_id, reason="mine now"),
    ]
    for attempt in attempts:
        with pytest.raises(NotFound):
            async with db.unit_of_work(other.manager) as uow:
                await attempt(uow)
    async with db.read() as s:
        with pytest.raises(NotFound):
            await invoice_view(s, other.org, inv)
        with pytest.raises(NotFound):
            await quote_view(s, other.org, quote_id)


async def test_each_garage_numbers_its_own_invoices(db: Database, staff: Staff) -> None:
    await invoiced_visit(db, staff)
    other = await make_staff(db, await new_garage(db))
    visit = await open_visit(db, other)
    await add_job(db, other, visit, "Service", [(30, None)])
    async with db.unit_of_work(other.advisor) as uow:
        qid = await create_quote(uow, visit.session_id)
        await send_quote(uow, qid)
        await decide_whole_quote(uow, qid, LineDecision.APPROVED, key="ok")
        inv = await create_invoice(uow, visit.session_id)
    async with db.read() as s:
        numbers = (
            await s.execute(
                select(Invoice.organization_id, Invoice.number)
                .where(Invoice.organization_id.in_([staff.org, other.org]))
                .order_by(Invoice.id)
            )
        ).all()
    assert [tuple(n) for n in numbers] == [(staff.org, "INV-2026-000001"), (other.org, "INV-2026-000001")]
    assert inv

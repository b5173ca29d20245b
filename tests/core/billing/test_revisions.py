"""After the client decided, a new quote version carries only the undecided
work (a revision, or a version rebuilt from the session), and the invoice
takes the approved lines of every decided version. Delivery needs the
invoice paid, unless it is billed to a fleet account."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from garagebot.core.billing.enums import LineDecision
from garagebot.core.billing.fleet import bill_session_to_account, create_fleet_account
from garagebot.core.billing.invoices import create_invoice, issue_invoice
from garagebot.core.billing.quote_flow import decide_quote_lines, send_quote
from garagebot.core.billing.quotes import create_quote, revise_quote
from garagebot.core.errors import InvalidTransition
from garagebot.core.ids import QuoteId, QuoteLineId
from garagebot.core.models import InvoiceLine, QuoteLine
from garagebot.core.repair.delivery import confirm_delivery
from garagebot.core.repair.sessions import change_status
from garagebot.core.uow import Database
from tests.conftest import Staff
from tests.core.billing.helpers import add_job, approved_quote, open_visit
from tests.core.repair.helpers import S, move, session_row, tick_all


async def _lines(db: Database, quote_id: int) -> list[QuoteLine]:
    async with db.read() as s:
        return list((await s.scalars(select(QuoteLine).where(QuoteLine.quote_id == quote_id)
                                     .order_by(QuoteLine.position))).all())


async def test_versions_after_a_decision_carry_only_undecided_work_and_the_invoice_takes_all_approved(
    db: Database, staff: Staff,
) -> None:
    visit = await open_visit(db, staff)
    await add_job(db, staff, visit, "Brakes", [(60, None)])
    await add_job(db, staff, visit, "Tyres", [(30, None)])
    async with db.unit_of_work(staff.advisor) as uow:
        v1 = await create_quote(uow, visit.session_id)
        await send_quote(uow, v1)
    brakes, tyres = await _lines(db, v1)
    async with db.unit_of_work(staff.advisor) as uow:
        await decide_quote_lines(uow, v1, {QuoteLineId(brakes.id): LineDecision.APPROVED,
                                           QuoteLineId(tyres.id): LineDecision.DEFERRED}, key="k1")
    async with db.unit_of_work(staff.advisor) as uow:
        v2 = await revise_quote(uow, v1)
    assert [ln.description_en for ln in await _lines(db, v2)] == ["Tyres"]
    async with db.unit_of_work(staff.advisor) as uow:
        await send_quote(uow, v2)
    [tyres2] = await _lines(db, v2)
    async with db.unit_of_work(staff.advisor) as uow:
        await decide_quote_lines(uow, v2, {QuoteLineId(tyres2.id): LineDecision.APPROVED}, key="k2")

    await add_job(db, staff, visit, "Wipers", [(15, None)])
    async with db.unit_of_work(staff.advisor) as uow:
        v3 = await create_quote(uow, visit.session_id)  # rebuilt from the session
    assert [ln.description_en for ln in await _lines(db, v3)] == ["Wipers"]

    async with db.unit_of_work(staff.advisor) as uow:
        invoice = await create_invoice(uow, visit.session_id)
    async with db.read() as s:
        billed = (await s.scalars(select(InvoiceLine).where(InvoiceLine.invoice_id == invoice)
                                  .order_by(InvoiceLine.position))).all()
    assert [ln.description_en for ln in billed] == ["Brakes", "Tyres"]
    assert [ln.quote_line_id for ln in billed] == [brakes.id, tyres2.id]
    assert all(Decimal(ln.total) > 0 for ln in billed)
    assert QuoteId(v3) != v2


async def test_a_fleet_cars_issued_invoice_lets_it_go_unpaid_a_clients_does_not(
    db: Database, staff: Staff,
) -> None:
    fleet, own = await open_visit(db, staff), await open_visit(db, staff)
    async with db.unit_of_work(staff.advisor) as uow:
        account = await create_fleet_account(uow, name="Acme Rentals")
        await bill_session_to_account(uow, fleet.session_id, account)
    for visit in (fleet, own):
        await add_job(db, staff, visit, "Brakes", [(60, None)])
        await approved_quote(db, staff, visit)
        await move(db, staff.advisor, visit.session_id, S.QA_CHECK)
        await tick_all(db, staff.lead, staff.org, visit.session_id)
        await move(db, staff.advisor, visit.session_id, S.READY_FOR_PICKUP)
        async with db.unit_of_work(staff.manager) as uow:
            await change_status(uow, visit.session_id, S.COMPLETED, override_reason="steps tested elsewhere")
            await issue_invoice(uow, await create_invoice(uow, visit.session_id))
    outcomes: list[bool | str] = []
    for visit in (fleet, own):
        pin = (await session_row(db, visit.session_id)).delivery_pin
        try:
            async with db.unit_of_work(staff.advisor) as uow:
                outcomes.append((await confirm_delivery(uow, visit.session_id, pin=pin)).delivered)
        except InvalidTransition as refused:
            outcomes.append(refused.key)
    assert outcomes == [True, "error.delivery_invoice_unpaid"]

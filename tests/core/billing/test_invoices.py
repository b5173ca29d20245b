"""Invoices: approved lines only, gapless numbers under concurrency and failures, void and credit notes."""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from garagebot.core.billing.enums import InvoiceStatus, LineDecision, LineKind
from garagebot.core.billing.invoices import create_invoice, issue_invoice, void_invoice
from garagebot.core.billing.payments import record_payment
from garagebot.core.billing.quote_flow import decide_quote_lines, decide_whole_quote, send_quote
from garagebot.core.billing.quotes import NewLine, add_quote_line, create_quote
from garagebot.core.billing.settings import configure_billing
from garagebot.core.billing.views import invoice_view, quote_view
from garagebot.core.enums import StepStatus
from garagebot.core.errors import Conflict, InvalidInput, InvalidTransition
from garagebot.core.ids import InvoiceId
from garagebot.core.inventory.states import ReservationStatus
from garagebot.core.models import CreditNote, Invoice, InvoiceLine, Step, TimeLog
from garagebot.core.uow import Database
from tests.conftest import Staff
from tests.core.billing.helpers import (
    Visit,
    add_job,
    add_part,
    approved_quote,
    audit_actions,
    invoiced_visit,
    open_visit,
)
from tests.fakes import FakeClock

D = Decimal


async def _numbers(db: Database, staff: Staff) -> list[str]:
    async with db.read() as s:
        return sorted(
            (await s.scalars(select(Invoice.number).where(Invoice.organization_id == staff.org))).all()
        )


async def _approved_visit(db: Database, staff: Staff) -> Visit:
    visit = await open_visit(db, staff)
    await add_job(db, staff, visit, "Service", [(30, None)])
    await approved_quote(db, staff, visit)
    return visit


async def test_an_invoice_carries_only_the_approved_lines(db: Database, staff: Staff) -> None:
    visit = await open_visit(db, staff)
    await add_job(db, staff, visit, "Brakes", [(60, None)])
    await add_part(db, staff.org, visit, "Pads", D(1), D("15.000"))
    async with db.unit_of_work(staff.advisor) as uow:
        qid = await create_quote(uow, visit.session_id)
        await send_quote(uow, qid)
    async with db.read() as s:
        labour, pads = (ln.id for ln in (await quote_view(s, staff.org, qid)).lines)
    async with db.unit_of_work(staff.advisor) as uow:
        await decide_quote_lines(
            uow, qid, {labour: LineDecision.APPROVED, pads: LineDecision.DECLINED}, key="k"
        )
        inv = await create_invoice(uow, visit.session_id)
    async with db.read() as s:
        view = await invoice_view(s, staff.org, inv)
        lines = (await s.scalars(select(InvoiceLine).where(InvoiceLine.invoice_id == inv))).all()
    assert [(ln.kind, ln.quote_line_id, ln.total) for ln in lines] == [("LABOUR", labour, D("23.200"))]
    assert (view.status, view.total.amount, view.tax_total.amount) == (
        InvoiceStatus.DRAFT,
        D("23.200"),
        D("3.200"),
    )
    assert view.number == "INV-2026-000001"
    assert await audit_actions(db, staff.org, "invoice") == ["create"]


async def test_no_invoice_without_an_approved_quote_or_while_a_version_awaits_the_client(
    db: Database, staff: Staff
) -> None:
    visit = await open_visit(db, staff)
    await add_job(db, staff, visit, "Brakes", [(60, None)])
    with pytest.raises(InvalidTransition) as err:
        async with db.unit_of_work(staff.advisor) as uow:
            await create_invoice(uow, visit.session_id)
    assert err.value.key == "error.no_approved_quote"
    async with db.unit_of_work(staff.advisor) as uow:
        await send_quote(uow, await create_quote(uow, visit.session_id))
    with pytest.raises(Conflict) as cerr:
        async with db.unit_of_work(staff.advisor) as uow:
            await create_invoice(uow, visit.session_id)
    assert cerr.value.key == "error.quote_awaiting_decision"
    assert await _numbers(db, staff) == []


async def test_one_live_invoice_per_session_and_a_voided_one_keeps_its_number(
    db: Database, staff: Staff
) -> None:
    visit, inv = await invoiced_visit(db, staff)
    with pytest.raises(Conflict):
        async with db.unit_of_work(staff.advisor) as uow:
            await create_invoice(uow, visit.session_id)
    with pytest.raises(InvalidInput):
        async with db.unit_of_work(staff.advisor) as uow:
            await void_invoice(uow, inv, reason="  ")
    async with db.unit_of_work(staff.advisor) as uow:
        note = await void_invoice(uow, inv, reason="Wrong client")
        again = await create_invoice(uow, visit.session_id)
    async with db.read() as s:
        voided = (await s.execute(select(Invoice).where(Invoice.id == inv))).scalar_one()
        cn = (await s.execute(select(CreditNote).where(CreditNote.id == note))).scalar_one()
    assert (voided.status, voided.number, voided.void_reason) == ("VOID", "INV-2026-000001", "Wrong client")
    assert (cn.number, cn.invoice_id, cn.total, cn.tax_total) == (
        "CN-2026-000001",
        inv,
        -voided.total,
        -voided.tax_total,
    )
    assert await _numbers(db, staff) == ["INV-2026-000001", "INV-2026-000002"]
    assert again != inv
    assert await audit_actions(db, staff.org, "invoice") == ["create", "issue", "void", "create"]


async def test_a_draft_is_voided_without_a_credit_note(db: Database, staff: Staff) -> None:
    _, inv = await invoiced_visit(db, staff, issue=False)
    async with db.unit_of_work(staff.advisor) as uow:
        assert await void_invoice(uow, inv, reason="Duplicate") is None


async def test_an_invoice_with_payments_cannot_be_voided(db: Database, staff: Staff) -> None:
    _, inv = await invoiced_visit(db, staff)
    async with db.unit_of_work(staff.accountant) as uow:
        await record_payment(uow, inv, "5", "CASH")
    with pytest.raises(InvalidTransition) as err:
        async with db.unit_of_work(staff.advisor) as uow:
            await void_invoice(uow, inv, reason="Oops")
    assert err.value.key == "error.invoice_has_payments"


async def test_16_concurrent_creators_get_contiguous_numbers(db: Database, staff: Staff) -> None:
    visits = [await _approved_visit(db, staff) for _ in range(16)]

    async def create(visit: Visit) -> InvoiceId:
        async with db.unit_of_work(staff.advisor) as uow:
            return await create_invoice(uow, visit.session_id)

    ids = await asyncio.gather(*(create(v) for v in visits))
    assert len(set(ids)) == 16
    assert await _numbers(db, staff) == [f"INV-2026-{n:06d}" for n in range(1, 17)]


async def test_creators_that_fail_after_taking_a_number_leave_no_gap(db: Database, staff: Staff) -> None:
    visits = [await _approved_visit(db, staff) for _ in range(16)]

    class Injected(Exception):
        pass

    async def create(visit: Visit, fail: bool) -> InvoiceId | None:
        try:
            async with db.unit_of_work(staff.advisor) as uow:
                inv = await create_invoice(uow, visit.session_id)
                if fail:
                    raise Injected
                return inv
        except Injected:
            return None

    fails = [i % 3 == 1 for i in range(16)]
    got = await asyncio.gather(*(create(v, f) for v, f in zip(visits, fails, strict=True)))
    made = sum(1 for g in got if g is not None)
    assert made == 16 - sum(fails)
    assert await _numbers(db, staff) == [f"INV-2026-{n:06d}" for n in range(1, made + 1)]
    retried = await asyncio.gather(*(create(v, False) for v, f in zip(visits, fails, strict=True) if f))
    assert all(r is not None for r in retried)
    assert await _numbers(db, staff) == [f"INV-2026-{n:06d}" for n in range(1, 17)]


async def test_the_invoice_year_is_the_garages_year(db: Database, staff: Staff, clock: FakeClock) -> None:
    visit = await _approved_visit(db, staff)
    clock.set(dt.datetime(2026, 12, 31, 22, 30, tzinfo=dt.UTC))  # 01:30 on 1 January in Amman
    async with db.unit_of_work(staff.advisor) as uow:
        await create_invoice(uow, visit.session_id)
    assert await _numbers(db, staff) == ["INV-2027-000001"]


async def test_a_garage_billing_actual_invoices_logged_time_and_consumed_parts(
    db: Database, staff: Staff
) -> None:
    async with db.unit_of_work(staff.owner) as uow:
        await configure_billing(uow, billing_mode="actual")
    visit = await open_visit(db, staff)
    card = await add_job(db, staff, visit, "Engine", [(60, None), (10, D("9.000")), (5, D("4.000"))])
    await add_part(db, staff.org, visit, "Oil", D("4.5"), D("3.000"), ReservationStatus.CONSUMED)
    await add_part(db, staff.org, visit, "Filter", D(1), D("8.000"), ReservationStatus.RETURNED)
    async with db.unit_of_work(staff.advisor) as uow:
        qid = await create_quote(uow, visit.session_id)
        await add_quote_line(uow, qid, NewLine(LineKind.FEE, "Disposal", "تخلص", "1", "1.000"))
        await send_quote(uow, qid)
    start = db.clock.now()
    async with db.raw_transaction() as s:
        steps = (await s.scalars(select(Step).where(Step.job_card_id == card).order_by(Step.position))).all()
        s.add_all(
            [
                TimeLog(
                    organization_id=staff.org,
                    step_id=steps[0].id,
                    user_id=staff.id(staff.tech),
                    started_at=start,
                    ended_at=start + dt.timedelta(minutes=80),
                ),
                TimeLog(
                    organization_id=staff.org,
                    step_id=steps[0].id,
                    user_id=staff.id(staff.tech2),
                    started_at=start,
                    ended_at=start + dt.timedelta(minutes=10),
                ),
            ]
        )
        await s.execute(update(Step).where(Step.id == steps[1].id).values(status=StepStatus.DONE.value))
    async with db.unit_of_work(staff.advisor) as uow:
        await decide_whole_quote(uow, qid, LineDecision.APPROVED, key="k-all")
    async with db.unit_of_work(staff.advisor) as uow:
        inv = await create_invoice(uow, visit.session_id)
        await issue_invoice(uow, inv)
    async with db.read() as s:
        lines = (
            await s.scalars(
                select(InvoiceLine).where(InvoiceLine.invoice_id == inv).order_by(InvoiceLine.position)
            )
        ).all()
    assert [(ln.kind, ln.quantity, ln.net) for ln in lines] == [
        ("LABOUR", D("1.500"), D("30.000")),  # 90 logged minutes, not the 60 estimated
        ("LABOUR", D("1.000"), D("9.000")),  # the flat step that was done (the other was not)
        ("PART", D("4.500"), D("13.500")),  # consumed; the returned filter is not billed
        ("FEE", D("1.000"), D("1.000")),  # approved on the quote
    ]

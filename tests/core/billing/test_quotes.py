"""Quotes: built from the session, taxed per category, versioned, discounts approved."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from garagebot.core.billing.documents import stored_priced, stored_totals
from garagebot.core.billing.enums import DiscountStatus, LineKind, QuoteStatus
from garagebot.core.billing.pricing import content_hash
from garagebot.core.billing.quote_flow import send_quote
from garagebot.core.billing.quotes import (
    NewLine,
    add_quote_line,
    approve_quote_discount,
    change_quote_line,
    create_quote,
    remove_quote_line,
    revise_quote,
    set_quote_discount,
)
from garagebot.core.billing.settings import configure_billing
from garagebot.core.billing.views import quote_view
from garagebot.core.enums import OutboxKind, SessionStatus
from garagebot.core.errors import Conflict, InvalidInput, InvalidTransition, PermissionDenied
from garagebot.core.ids import QuoteLineId
from garagebot.core.models import OutboxRow, Quote, QuoteLine, RepairSession
from garagebot.core.uow import Database
from tests.conftest import Staff
from tests.core.billing.helpers import add_job, add_part, audit_actions, open_visit, outbox_topics

D = Decimal


async def test_a_quote_prices_labour_flat_steps_parts_and_default_fees_with_16_percent_tax(
    db: Database, staff: Staff
) -> None:
    async with db.unit_of_work(staff.owner) as uow:
        await configure_billing(
            uow,
            default_fees=[
                {"kind": "FEE", "name_en": "Shop supplies", "name_ar": "مستلزمات الورشة", "amount": "1.500"}
            ],
        )
    visit = await open_visit(db, staff)
    await add_job(db, staff, visit, "Brakes", [(45, None), (30, None), (10, D("7.500"))])
    await add_part(db, staff.org, visit, "Pads", D(2), D("12.345"))
    async with db.unit_of_work(staff.advisor) as uow:
        qid = await create_quote(uow, visit.session_id)
    async with db.read() as s:
        view = await quote_view(s, staff.org, qid)
    lines = [(ln.kind, ln.quantity, ln.unit_price.amount, ln.net.amount, ln.tax.amount) for ln in view.lines]
    assert lines == [
        (LineKind.LABOUR, D("1.250"), D("20.000"), D("25.000"), D("4.000")),  # 75 min × 20 JOD/h
        (LineKind.LABOUR, D("1.000"), D("7.500"), D("7.500"), D("1.200")),  # the flat-priced step
        (LineKind.PART, D("2.000"), D("12.345"), D("24.690"), D("3.950")),  # 3.9504 rounded half-up
        (LineKind.FEE, D("1.000"), D("1.500"), D("1.500"), D("0.240")),
    ]
    assert view.status is QuoteStatus.DRAFT
    assert view.tax_total.amount == D("9.390")
    assert view.total.amount == D("58.690") + D("9.390")
    assert await audit_actions(db, staff.org, "quote") == ["create"]


async def test_tax_rates_and_the_labour_rate_come_from_the_garage_settings(
    db: Database, staff: Staff
) -> None:
    async with db.unit_of_work(staff.owner) as uow:
        await configure_billing(uow, labour_rate="30", tax_rates={"labour": "0", "parts": "16"})
    visit = await open_visit(db, staff)
    await add_job(db, staff, visit, "Diagnosis", [(50, None)])
    async with db.unit_of_work(staff.advisor) as uow:
        qid = await create_quote(uow, visit.session_id)
    async with db.read() as s:
        view = await quote_view(s, staff.org, qid)
    (line,) = view.lines
    assert line.quantity == D("0.830")  # 50 minutes, to the hundredth of an hour
    assert line.net.amount == D("24.900")
    assert line.tax.amount == D("0.000")


async def test_a_draft_is_edited_but_a_sent_quote_only_gets_a_new_version(db: Database, staff: Staff) -> None:
    visit = await open_visit(db, staff)
    await add_job(db, staff, visit, "Brakes", [(60, None)])
    async with db.unit_of_work(staff.advisor) as uow:
        qid = await create_quote(uow, visit.session_id)
        fee = await add_quote_line(uow, qid, NewLine(LineKind.FEE, "Disposal", "رسوم تخلص", "1", "2.000"))
        await change_quote_line(uow, fee, quantity="2")
    async with db.unit_of_work(staff.advisor) as uow:
        await send_quote(uow, qid)
    with pytest.raises(InvalidTransition) as err:
        async with db.unit_of_work(staff.advisor) as uow:
            await change_quote_line(uow, fee, unit_price="1.000")
    assert err.value.key == "error.quote_not_editable"
    async with db.unit_of_work(staff.advisor) as uow:
        v2 = await revise_quote(uow, qid)
        lines = (
            await uow.session.scalars(
                select(QuoteLine).where(QuoteLine.quote_id == v2).order_by(QuoteLine.position)
            )
        ).all()
        await remove_quote_line(uow, QuoteLineId(lines[1].id))
        await send_quote(uow, v2)
    async with db.read() as s:
        v1_row = (await s.execute(select(Quote).where(Quote.id == qid))).scalar_one()
        v2_row = (await s.execute(select(Quote).where(Quote.id == v2))).scalar_one()
        fee_row = (await s.execute(select(QuoteLine).where(QuoteLine.id == fee))).scalar_one()
    assert (v1_row.status, v1_row.superseded_by_id, v1_row.total) == ("SUPERSEDED", v2, D("27.840"))
    assert fee_row.unit_price == D("2.000")
    assert fee_row.quantity == D("2.000")
    assert (v2_row.version, v2_row.status, v2_row.total) == (2, "SENT", D("23.200"))
    assert lines[0].origin_line_id is not None


async def test_a_second_draft_for_the_same_session_is_refused(db: Database, staff: Staff) -> None:
    visit = await open_visit(db, staff)
    await add_job(db, staff, visit, "Brakes", [(60, None)])
    async with db.unit_of_work(staff.advisor) as uow:
        await create_quote(uow, visit.session_id)
    with pytest.raises(Conflict) as err:
        async with db.unit_of_work(staff.advisor) as uow:
            await create_quote(uow, visit.session_id)
    assert err.value.key == "error.quote_draft_exists"


async def test_a_discount_above_the_advisors_limit_waits_for_a_manager(db: Database, staff: Staff) -> None:
    visit = await open_visit(db, staff)
    await add_job(db, staff, visit, "Brakes", [(60, None)])  # 20.000 JOD
    async with db.unit_of_work(staff.advisor) as uow:
        qid = await create_quote(uow, visit.session_id)
        await set_quote_discount(uow, qid, "1.000")  # 5 %: within the advisor's limit
    async with db.read() as s:
        assert (await quote_view(s, staff.org, qid)).discount_status is DiscountStatus.NONE
    async with db.unit_of_work(staff.advisor) as uow:
        await set_quote_discount(uow, qid, "3.000")  # 15 %
    with pytest.raises(InvalidTransition) as err:
        async with db.unit_of_work(staff.advisor) as uow:
            await send_quote(uow, qid)
    assert err.value.key == "error.discount_awaiting_approval"
    with pytest.raises(PermissionDenied):
        async with db.unit_of_work(staff.advisor) as uow:
            await approve_quote_discount(uow, qid)
    async with db.unit_of_work(staff.manager) as uow:
        await approve_quote_discount(uow, qid)
    async with db.unit_of_work(staff.advisor) as uow:
        await send_quote(uow, qid)
    async with db.read() as s:
        view = await quote_view(s, staff.org, qid)
        row = (await s.execute(select(Quote).where(Quote.id == qid))).scalar_one()
    assert (view.status, view.discount_status) == (QuoteStatus.SENT, DiscountStatus.APPROVED)
    assert row.discount_approved_by_id == staff.id(staff.manager)
    assert view.total.amount == D("19.720")  # (20 - 3) × 1.16
    assert "billing.discount_approval_requested" in await outbox_topics(db, staff.org)
    assert "approve_discount" in await audit_actions(db, staff.org, "quote")


async def test_sending_freezes_a_content_hash_and_asks_the_client(db: Database, staff: Staff) -> None:
    visit = await open_visit(db, staff)
    await add_job(db, staff, visit, "Brakes", [(60, None)])
    async with db.unit_of_work(staff.advisor) as uow:
        qid = await create_quote(uow, visit.session_id)
        digest = await send_quote(uow, qid)
    async with db.read() as s:
        quote = (await s.execute(select(Quote).where(Quote.id == qid))).scalar_one()
        lines = (await s.scalars(select(QuoteLine).where(QuoteLine.quote_id == qid))).all()
        rs = (await s.execute(select(RepairSession).where(RepairSession.id == visit.session_id))).scalar_one()
        messages = (await s.scalars(select(OutboxRow.topic).where(
            OutboxRow.organization_id == staff.org, OutboxRow.kind == OutboxKind.MESSAGE.value))).all()
        [event] = (await s.scalars(select(OutboxRow).where(
            OutboxRow.organization_id == staff.org, OutboxRow.topic == "billing.quote_sent"))).all()
    recomputed = content_hash(qid, 1, "JOD", [stored_priced(ln, "JOD") for ln in lines], stored_totals(quote))
    assert quote.content_hash == digest == recomputed
    assert rs.status == SessionStatus.AWAITING_CLIENT_APPROVAL
    # The event, for the notification rules to message the client with the link; no direct message.
    assert event.payload["quote_id"] == qid
    assert event.payload["content_hash"] == digest
    assert messages == []
    assert quote.expires_at is not None
    assert quote.sent_at is not None
    assert (quote.expires_at - quote.sent_at).days == 14


async def test_bad_line_input_writes_nothing(db: Database, staff: Staff) -> None:
    visit = await open_visit(db, staff)
    await add_job(db, staff, visit, "Brakes", [(60, None)])
    async with db.unit_of_work(staff.advisor) as uow:
        qid = await create_quote(uow, visit.session_id)
    for price, key in [
        ("NaN", "error.amount_not_finite"),
        ("-1", "error.amount_negative"),
        ("1.0001", "error.amount_too_precise"),
        ("1e9", "error.amount_invalid"),
    ]:
        with pytest.raises(InvalidInput) as err:
            async with db.unit_of_work(staff.advisor) as uow:
                await add_quote_line(uow, qid, NewLine(LineKind.FEE, "Fee", "رسم", "1", price))
        assert err.value.key == key
    with pytest.raises(InvalidInput) as err:
        async with db.unit_of_work(staff.advisor) as uow:
            await add_quote_line(uow, qid, NewLine(LineKind.FEE, "Fee", "رسم", "1", "5", line_discount="6"))
    assert err.value.key == "error.discount_exceeds_line"
    async with db.read() as s:
        assert len((await quote_view(s, staff.org, qid)).lines) == 1
    assert await audit_actions(db, staff.org, "quote") == ["create"]


async def test_a_technician_cannot_quote(db: Database, staff: Staff) -> None:
    visit = await open_visit(db, staff)
    with pytest.raises(PermissionDenied):
        async with db.unit_of_work(staff.tech) as uow:
            await create_quote(uow, visit.session_id)

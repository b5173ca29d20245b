"""Transcripts of a service advisor: intake by chat, the session screen, the
quote sent through the outbox, lists, and delivery on the client's PIN."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from garagebot.core.enums import OutboxKind, Role, SessionStatus
from garagebot.core.ids import OrgId, SessionId
from garagebot.core.models import JobCard, MediaFile, OutboxRow, Quote, RepairSession, Step
from garagebot.core.uow import Database
from garagebot.core.work.templates import create_template
from tests.conftest import Staff
from tests.conversations.chat import keys
from tests.conversations.staff.support import choice_ids, count, staff_chat, texts
from tests.core.repair.helpers import open_direct, to_deliverable, to_ready
from tests.core.work.helpers import make_card, simple_steps


async def _session_of(db: Database, org: OrgId) -> RepairSession:
    async with db.read() as s:
        return (await s.scalars(select(RepairSession).where(RepairSession.organization_id == org))).one()


@pytest.mark.parametrize(("locale", "done"), [("en", "done"), ("ar", "تم")])
async def test_an_advisor_takes_in_a_car_by_chat_and_sends_the_quote(
    db: Database, org: OrgId, staff: Staff, locale: str, done: str,
) -> None:
    async with db.unit_of_work(staff.lead) as uow:
        template = await create_template(uow, code="brakes", name_en="Brake service", name_ar="صيانة الفرامل",
                                         steps=simple_steps(2))
    advisor = await staff_chat(db, org, Role.ADVISOR, locale)
    assert keys(await advisor.say("new car" if locale == "en" else "سيارة جديدة")) == ["staff.intake_phone"]
    assert keys(await advisor.say("0791234567")) == ["floor.intake_name"]  # a new client
    assert keys(await advisor.say("Rami Haddad")) == ["staff.intake_plate"]
    assert keys(await advisor.say("12-34567")) == ["staff.intake_complaint"]
    opened = await advisor.say("Squeaking brakes")
    assert keys(opened) == ["staff.session_opened", "staff.intake_photos"]
    rs = await _session_of(db, org)
    assert rs.number in opened[0].text
    assert keys(await advisor.send_photo())[0] == "staff.media_attached"
    offered = await advisor.say(done)
    assert f"it:{template}" in choice_ids(offered)
    card = await advisor.say(choice=f"it:{template}")
    assert keys(card) == ["staff.job_card_added", "staff.session_card"]
    assert await count(db, MediaFile, MediaFile.session_id == rs.id) == 1
    assert await count(db, JobCard, JobCard.session_id == rs.id) == 1

    assert keys(await advisor.say(choice="sa:checkin"))[0] == "staff.checked_in"
    await advisor.say(choice="sa:eta")
    eta = await advisor.say("16:30")
    assert keys(eta)[0] == "staff.eta_set"
    assert "16:30" in eta[0].text
    preview = await advisor.say(choice="sa:quote")
    assert keys(preview) == ["quote.preview"]
    assert "qa:send" in choice_ids(preview)
    assert keys(await advisor.say(choice="qa:send")) == ["quote.confirm_send"]
    sent = await advisor.say(choice="qa:yes")
    assert keys(sent)[0] == "staff.quote_sent"
    rs = await _session_of(db, org)
    assert rs.checked_in_at is not None
    assert rs.eta is not None
    assert rs.status == SessionStatus.AWAITING_CLIENT_APPROVAL
    async with db.read() as s:
        quote = (await s.scalars(select(Quote).where(Quote.session_id == rs.id))).one()
        events = (await s.scalars(select(OutboxRow.topic).where(
            OutboxRow.organization_id == org, OutboxRow.kind == OutboxKind.EVENT.value))).all()
    assert quote.status == "SENT"
    assert "billing.quote_sent" in events


async def test_an_advisor_lists_sessions_assigns_a_step_and_marks_a_car_ready(
    db: Database, org: OrgId, staff: Staff,
) -> None:
    sid = await open_direct(db, staff.advisor, 3)
    card = await make_card(db, staff.advisor, simple_steps(1), session_id=sid, status=SessionStatus.NEW)
    advisor = await staff_chat(db, org, Role.ADVISOR)
    await advisor.say("cars")
    listed = await advisor.say(choice="sl:all")
    assert f"ss:{sid}" in choice_ids(listed)
    await advisor.say(choice=f"ss:{sid}")
    steps = await advisor.say(choice="sa:assign")
    assert choice_ids(steps)[:2] == [f"sj:{card.job_card_id}", f"sp:{card.step_ids[0]}"]
    await advisor.say(choice=f"sp:{card.step_ids[0]}")
    assigned = await advisor.say(choice=f"su:{staff.id(staff.tech)}")
    assert keys(assigned) == ["staff.assigned", "staff.session_card"]
    async with db.read() as s:
        step = await s.get(Step, card.step_ids[0])
    assert step is not None
    assert step.assignee_id == staff.id(staff.tech)


@pytest.mark.parametrize("locale", ["en", "ar"])
async def test_delivery_needs_the_clients_pin(db: Database, org: OrgId, staff: Staff, locale: str) -> None:
    sid = await open_direct(db, staff.advisor, 5)
    await to_deliverable(db, staff, sid)
    advisor = await staff_chat(db, org, Role.ADVISOR, locale)
    await advisor.say("menu")
    await advisor.say(choice="m:sessions")
    pickup = await advisor.say(choice="sl:pickup")
    assert f"ss:{sid}" in choice_ids(pickup)
    shown = await advisor.say(choice=f"ss:{sid}")
    assert "sa:deliver" in choice_ids(shown)
    assert keys(await advisor.say(choice="sa:deliver")) == ["staff.pin_prompt"]
    wrong = await advisor.say("0000" if (await _pin(db, sid)) != "0000" else "1111")
    assert keys(wrong) == ["error.delivery_pin_wrong"]
    delivered = await advisor.say(await _pin(db, sid))
    assert keys(delivered)[0] == "staff.delivered"
    async with db.read() as s:
        rs = await s.get(RepairSession, sid)
    assert rs is not None
    assert rs.status == SessionStatus.DELIVERED
    assert rs.delivery_pin_failures == 1


async def _pin(db: Database, sid: SessionId) -> str:
    async with db.read() as s:
        rs = await s.get(RepairSession, sid)
        assert rs is not None
        return rs.delivery_pin


async def test_a_car_is_marked_ready_from_the_session_screen(db: Database, org: OrgId, staff: Staff) -> None:
    sid = await open_direct(db, staff.advisor, 7)
    await to_ready(db, staff, sid)
    advisor = await staff_chat(db, org, Role.ADVISOR)
    await advisor.say("cars")
    await advisor.say(choice="sl:pickup")
    shown = await advisor.say(choice=f"ss:{sid}")
    assert "sa:complete" in choice_ids(shown)
    done = await advisor.say(choice="sa:complete")
    assert keys(done)[0] == "staff.session_completed"
    assert "Complaint" in texts(done)
    async with db.read() as s:
        rs = await s.get(RepairSession, sid)
    assert rs is not None
    assert rs.status == SessionStatus.COMPLETED

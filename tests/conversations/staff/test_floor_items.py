"""The floor's missing pieces, through the chat: time typed in afterwards,
rejecting a job card with a reason, the assignee picker (skill, load, the
suggested person first), a whole job card given to one person in one tap,
and a part that is short marked missing (a part request; the car waits)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from garagebot.core.enums import JobCardStatus, Role, SessionStatus
from garagebot.core.inventory.states import PartRequestStatus
from garagebot.core.models import AuditEntry, JobCard, PartRequest, RepairSession, Step, TimeLog
from garagebot.core.repair.sessions import change_status
from garagebot.core.uow import Database
from garagebot.core.work.assignment import assign_step
from garagebot.core.work.steps import complete_step
from garagebot.core.work.templates import StepSpec
from garagebot.core.work.timers import start_timer
from tests.conftest import Staff
from tests.conversations.chat import keys
from tests.conversations.staff.support import assigned_card, choice_ids, staff_chat
from tests.conversations.staff.told import drain, told
from tests.core.inventory.support import new_item
from tests.core.work.helpers import make_card

PADS = StepSpec(name_en="Replace the pads", name_ar="تبديل الفحمات", estimated_minutes=30)
AC = StepSpec(name_en="Recharge the AC", name_ar="تعبئة غاز المكيف", estimated_minutes=45,
              required_skill="ac")


@pytest.mark.parametrize(("locale", "typed"), [("en", None), ("ar", "وقت ٤٥")])
async def test_a_technician_adds_time_worked_afterwards(
    db: Database, staff: Staff, locale: str, typed: str | None,
) -> None:
    tech = await staff_chat(db, staff.org, Role.TECHNICIAN, locale)
    card = await assigned_card(db, staff.advisor, staff.lead, tech.user_id, [PADS])
    opened = await tech.say(choice=f"tj:{card.step_ids[0]}")
    assert "ts:time" in choice_ids(opened)
    if typed is None:
        assert keys(await tech.say(choice="ts:time")) == ["floor.time_prompt"]
        added = await tech.say("30")
    else:
        added = await tech.say(typed)
    assert keys(added)[:2] == ["floor.time_added", "staff.step_not_started"]
    assert ("تبديل الفحمات" if locale == "ar" else "Replace the pads") in added[0].text
    async with db.read() as s:
        log = (await s.scalars(select(TimeLog).where(TimeLog.step_id == card.step_ids[0]))).one()
    assert log.manual
    assert log.ended_at is not None
    assert (log.ended_at - log.started_at).total_seconds() == 60 * (30 if typed is None else 45)


@pytest.mark.parametrize("locale", ["en", "ar"])
async def test_a_lead_rejects_a_job_card_with_a_reason(db: Database, staff: Staff, locale: str) -> None:
    lead = await staff_chat(db, staff.org, Role.LEAD_TECHNICIAN, locale)
    card = await assigned_card(db, staff.advisor, staff.lead, staff.id(staff.tech), [PADS, AC])
    async with db.unit_of_work(staff.tech) as uow:
        await start_timer(uow, card.step_ids[0])
        await complete_step(uow, card.step_ids[0])
    async with db.unit_of_work(staff.lead) as uow:
        await assign_step(uow, card.step_ids[1], staff.id(staff.tech2))
    shown = await lead.say(choice=f"o:card:{card.job_card_id}")
    assert keys(shown) == ["staff.review_gone"]  # not ready for review yet, but the lead may still drop it
    await lead.say("menu")
    await lead.say(choice="m:lead")
    async with db.unit_of_work(staff.tech2) as uow:
        await start_timer(uow, card.step_ids[1])
        await complete_step(uow, card.step_ids[1])
    opened = await lead.say(choice=f"lr:{card.job_card_id}")
    assert "lc:drop" in choice_ids(opened)
    assert keys(await lead.say(choice="lc:drop")) == ["floor.reject_prompt"]
    rejected = await lead.say("client took the car elsewhere")
    assert keys(rejected)[0] == "floor.job_rejected"
    async with db.read() as s:
        row = await s.get(JobCard, card.job_card_id)
        assert row is not None
        assert row.status == JobCardStatus.REJECTED.value
        audited = (await s.scalars(select(AuditEntry).where(
            AuditEntry.entity == "job_card", AuditEntry.entity_id == str(card.job_card_id),
            AuditEntry.action == "reject"))).one()
    assert "client took the car elsewhere" in str(audited.after)


@pytest.mark.parametrize("locale", ["en", "ar"])
async def test_the_picker_shows_skill_and_load_with_the_suggested_person_first(
    db: Database, staff: Staff, locale: str,
) -> None:
    busy = await assigned_card(db, staff.advisor, staff.lead, staff.id(staff.tech), [PADS])
    card = await make_card(db, staff.advisor, [AC], session_id=busy.session_id)
    advisor = await staff_chat(db, staff.org, Role.ADVISOR, locale)
    await advisor.say(choice=f"o:ses:{card.session_id}")
    await advisor.say(choice="sa:assign")
    picker = await advisor.say(choice=f"sp:{card.step_ids[0]}")
    assert keys(picker) == ["floor.assign_prompt"]
    lines = dict(picker[0].choices)
    first_id, first_label = picker[0].choices[0]
    assert first_id == f"su:{staff.id(staff.tech2)}"  # the only one with the AC skill, and idle
    assert first_label.startswith("⭐")
    assert ("تكييف" if locale == "ar" else "air conditioning") in first_label
    assert "✓" in first_label
    tech_line = lines[f"su:{staff.id(staff.tech)}"]
    assert "✗" in tech_line
    assert "30" in tech_line  # their open minutes
    assert not tech_line.startswith("⭐")


@pytest.mark.parametrize("locale", ["en", "ar"])
async def test_a_whole_job_card_is_given_to_one_person_in_one_tap_and_they_are_told(
    db: Database, staff: Staff, locale: str,
) -> None:
    tech = await staff_chat(db, staff.org, Role.TECHNICIAN, locale, name="Yousef")
    card = await make_card(db, staff.advisor, [PADS, PADS, PADS], status=SessionStatus.NEW)
    advisor = await staff_chat(db, staff.org, Role.ADVISOR, locale)
    await advisor.say(choice=f"o:ses:{card.session_id}")
    steps = await advisor.say(choice="sa:assign")
    assert choice_ids(steps)[0] == f"sj:{card.job_card_id}"
    await advisor.say(choice=f"sj:{card.job_card_id}")
    given = await advisor.say(choice=f"su:{tech.user_id}")
    assert keys(given)[:2] == ["floor.card_assigned", "staff.session_card"]
    assert "Yousef" in given[0].text
    async with db.read() as s:
        assignees = (await s.scalars(
            select(Step.assignee_id).where(Step.job_card_id == card.job_card_id))).all()
    assert set(assignees) == {tech.user_id}
    await drain(db)
    [one] = await told(db, tech, "floor.told_assigned")  # one message for the whole card
    assert one.key == "floor.told_assigned_card"
    assert "3" in one.text
    assert one.choices[0][0] == "o:jobs:0"


@pytest.mark.parametrize(("locale", "role", "waits"), [
    ("en", Role.ADVISOR, True), ("ar", Role.LEAD_TECHNICIAN, True), ("en", Role.TECHNICIAN, False)])
async def test_a_part_that_is_short_is_marked_missing_and_the_car_waits_for_it(
    db: Database, staff: Staff, locale: str, role: Role, waits: bool,
) -> None:
    item = await new_item(db, staff.inventory, stock=1, code="CAL-FR-R", name_en="Front right caliper",
                          name_ar="كاليبر أمامي يمين")
    person = await staff_chat(db, staff.org, role, locale)
    card = await assigned_card(db, staff.advisor, staff.lead, person.user_id if role is Role.TECHNICIAN
                               else staff.id(staff.tech), [PADS])
    if role is Role.TECHNICIAN:
        await person.say(choice=f"tj:{card.step_ids[0]}")
        await person.say(choice="ts:parts")
    else:
        async with db.read() as s:
            rs = await s.get(RepairSession, card.session_id)
            assert rs is not None
        await person.say(choice="m:parts")
        await person.say(rs.number)
    await person.say("CAL-FR-R")
    await person.say(choice=f"pi:{item}")
    short = await person.say("2")
    assert keys(short) == ["floor.parts_short"]
    assert ("كاليبر" if locale == "ar" else "only 1") in short[0].text
    marked = await person.say(choice="pm:missing")
    assert keys(marked)[0] == ("floor.part_missing_waiting" if waits else "floor.part_missing")
    async with db.read() as s:
        request = (await s.scalars(
            select(PartRequest).where(PartRequest.session_id == card.session_id))).one()
        rs = await s.get(RepairSession, card.session_id)
        assert rs is not None
    assert request.item_id == item
    assert request.quantity == Decimal(2)
    assert request.status == PartRequestStatus.OPEN.value
    assert (rs.status == SessionStatus.AWAITING_PARTS.value) is waits


@pytest.mark.parametrize("locale", ["en", "ar"])
async def test_refusals_name_the_step_and_the_cars_state_in_the_readers_language_never_an_id(
    db: Database, staff: Staff, locale: str,
) -> None:
    tech = await staff_chat(db, staff.org, Role.TECHNICIAN, locale)
    first = await assigned_card(db, staff.advisor, staff.lead, tech.user_id, [PADS])
    second = await assigned_card(db, staff.advisor, staff.lead, tech.user_id, [AC])
    await tech.say(choice=f"tj:{first.step_ids[0]}")
    await tech.say(choice="ts:start")
    await tech.say(choice=f"tj:{second.step_ids[0]}")
    refused = await tech.say(choice="ts:start")
    assert keys(refused)[0] == "error.timer_already_running"
    assert ("تبديل الفحمات" if locale == "ar" else "Replace the pads") in refused[0].text
    assert str(first.step_ids[0]) not in refused[0].text
    async with db.unit_of_work(staff.advisor) as uow:
        await change_status(uow, second.session_id, SessionStatus.ON_HOLD, note="client abroad")
    await tech.say(choice="ts:pause")
    held = await tech.say("start 2" if locale == "en" else "ابدأ ٢")
    assert keys(held)[0] == "error.session_not_workable"
    assert ("معلّقة" if locale == "ar" else "On hold") in held[0].text

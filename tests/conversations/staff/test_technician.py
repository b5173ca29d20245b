"""Transcripts of a technician's day: jobs, timer, checklist, photos, done,
a problem, a note and additional work, in English and Arabic."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from garagebot.core.enums import Role, StepStatus
from garagebot.core.ids import OrgId
from garagebot.core.models import MediaFile, Quote, QuoteLine, Step, StepException, StepNote, TimeLog
from garagebot.core.uow import Database
from garagebot.core.work.templates import ChecklistItemSpec, StepSpec
from tests.conftest import Staff
from tests.conversations.chat import keys
from tests.conversations.staff.support import assigned_card, choice_ids, count, staff_chat, texts
from tests.core.work.helpers import get_step

PHOTO_STEP = StepSpec(name_en="Inspect brakes", name_ar="فحص الفرامل", required_attachments=1)
CHECKED_STEP = StepSpec(
    name_en="Oil change", name_ar="تغيير الزيت",
    checklist=(ChecklistItemSpec("Drain oil", "تفريغ الزيت"), ChecklistItemSpec("New filter", "فلتر جديد")),
)


@pytest.mark.parametrize(("locale", "my_jobs", "start", "done"), [
    ("en", "my jobs", "start 1", "done"),
    ("ar", "شغلي", "ابدأ ١", "تم"),
])
async def test_a_technician_starts_a_step_attaches_a_photo_and_marks_it_done_in_three_interactions(
    db: Database, org: OrgId, staff: Staff, locale: str, my_jobs: str, start: str, done: str,
) -> None:
    tech = await staff_chat(db, org, Role.TECHNICIAN, locale)
    card = await assigned_card(db, staff.advisor, staff.lead, tech.user_id, [PHOTO_STEP])
    listed = await tech.say(my_jobs)
    assert keys(listed) == ["staff.my_jobs"]
    assert choice_ids(listed) == [f"tj:{card.step_ids[0]}"]
    assert ("فحص الفرامل" if locale == "ar" else "Inspect brakes") in listed[0].choices[0][1]

    tech.inbound = 0
    started = await tech.say(start)
    photo = await tech.send_photo()
    finished = await tech.say(done)

    assert tech.inbound <= 3
    assert keys(started)[:2] == ["staff.timer_started", "staff.step_in_progress"]
    assert keys(photo)[0] == "staff.media_attached"
    assert keys(finished)[0] == "floor.step_finished"
    step = await get_step(db, card.step_ids[0])
    assert step.status == StepStatus.DONE
    assert await count(db, MediaFile, MediaFile.step_id == step.id, MediaFile.kind == "photo") == 1
    assert await count(db, TimeLog, TimeLog.step_id == step.id, TimeLog.ended_at.is_(None)) == 0
    assert len(tech.storage.files) == 1


@pytest.mark.parametrize("locale", ["en", "ar"])
async def test_done_is_refused_with_the_reason_until_the_checklist_is_ticked(
    db: Database, org: OrgId, staff: Staff, locale: str,
) -> None:
    tech = await staff_chat(db, org, Role.TECHNICIAN, locale)
    card = await assigned_card(db, staff.advisor, staff.lead, tech.user_id, [CHECKED_STEP])
    step_id = card.step_ids[0]
    await tech.say("menu")
    await tech.say(choice="m:jobs")
    opened = await tech.say(choice=f"tj:{step_id}")
    assert keys(opened) == ["staff.step_not_started"]
    card_message = f"{tech.chat.address}:777"
    started = await tech.say(choice="ts:start", origin_message_id=card_message)
    assert keys(started) == ["staff.timer_started", "staff.step_in_progress"]
    assert started[-1].recipient == f"edit:{card_message}"  # the card is edited in place

    refused = await tech.say(choice="ts:done")
    assert keys(refused)[0] == "error.step_checklist_incomplete"
    assert "2" in refused[0].text
    assert (await get_step(db, step_id)).status == StepStatus.IN_PROGRESS

    items = [cid for cid in choice_ids(started) if cid.startswith("tc:")]
    assert len(items) == 2
    await tech.say(choice=items[0])
    await tech.say("tick 2" if locale == "en" else "علم 2")
    finished = await tech.say(choice="ts:done")
    assert keys(finished)[0] == "floor.step_finished"
    assert (await get_step(db, step_id)).status == StepStatus.DONE


@pytest.mark.parametrize(("locale", "problem", "note"), [
    ("en", "problem", "note rotor worn below minimum"),
    ("ar", "مشكلة", "ملاحظة القرص تالف"),
])
async def test_a_technician_flags_a_problem_with_a_photo_and_a_reason(
    db: Database, org: OrgId, staff: Staff, locale: str, problem: str, note: str,
) -> None:
    tech = await staff_chat(db, org, Role.TECHNICIAN, locale)
    card = await assigned_card(db, staff.advisor, staff.lead, tech.user_id, [PHOTO_STEP])
    step_id = card.step_ids[0]
    await tech.say("my jobs")
    await tech.say("start 1")
    noted = await tech.say(note)
    assert keys(noted)[0] == "staff.note_added"
    asked = await tech.say(problem)
    assert keys(asked) == ["staff.flag_prompt"]
    kept = await tech.send_photo()
    assert keys(kept) == ["staff.flag_photo_kept"]
    sent = await tech.say("seized caliper bolt")
    assert keys(sent)[0] == "staff.flag_sent"

    async with db.read() as s:
        exc = (await s.scalars(select(StepException).where(StepException.step_id == step_id))).one()
        notes = (await s.scalars(select(StepNote.text).where(StepNote.step_id == step_id))).all()
    assert exc.reason == "seized caliper bolt"
    assert exc.media_id is not None
    assert (await get_step(db, step_id)).status == StepStatus.FAILED
    assert len(notes) == 1


@pytest.mark.parametrize(("locale", "extra"), [("en", "extra"), ("ar", "عمل اضافي")])
async def test_additional_work_found_becomes_a_draft_quote_line_for_the_advisor(
    db: Database, org: OrgId, staff: Staff, locale: str, extra: str,
) -> None:
    tech = await staff_chat(db, org, Role.TECHNICIAN, locale)
    card = await assigned_card(db, staff.advisor, staff.lead, tech.user_id, [PHOTO_STEP])
    await tech.say("my jobs")
    await tech.say("1")
    asked = await tech.say(extra)
    assert keys(asked) == ["staff.extra_prompt"]
    reported = await tech.say("Replace rear brake pads 90")
    assert keys(reported)[0] == "staff.extra_reported"
    assert "Replace rear brake pads" in texts(reported)

    async with db.read() as s:
        quote = (await s.scalars(select(Quote).where(Quote.session_id == card.session_id))).one()
        line = (await s.scalars(select(QuoteLine).where(QuoteLine.quote_id == quote.id,
                                                         QuoteLine.step_id == card.step_ids[0]))).one()
    assert quote.status == "DRAFT"
    assert line.description_en == "Replace rear brake pads"
    assert str(line.quantity) == "1.500"


async def test_a_photo_without_an_open_job_is_not_attached(db: Database, org: OrgId, staff: Staff) -> None:
    tech = await staff_chat(db, org, Role.TECHNICIAN)
    await assigned_card(db, staff.advisor, staff.lead, tech.user_id, [PHOTO_STEP])
    await tech.say("my jobs")
    said = await tech.send_photo()
    assert keys(said)[0] == "staff.media_which_step"
    assert await count(db, MediaFile, MediaFile.organization_id == org) == 0
    assert await count(db, Step, Step.organization_id == org, Step.status == "IN_PROGRESS") == 0

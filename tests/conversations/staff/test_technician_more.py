"""More transcripts of a technician, in English and Arabic: the job list's
marks (running, overdue, priority) and ETA, the timer's start / pause / stop,
documents and voice notes attached to the step, done refused while a required
attachment is missing, jobs found by session number or plate, a photo sent
from the job list while a timer runs, and a note by the button."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from sqlalchemy import select

from garagebot.conversations.types import MediaKind
from garagebot.core.enums import JobCardStatus, Role, StepStatus
from garagebot.core.i18n import FSI, PDI
from garagebot.core.ids import OrgId
from garagebot.core.models import JobCard, Organization, StepNote
from garagebot.core.repair.sessions import set_eta
from garagebot.core.uow import Database
from garagebot.core.work.assignment import assign_step
from garagebot.core.work.templates import StepSpec
from tests.conftest import Staff
from tests.conversations.chat import keys
from tests.conversations.staff.support import (
    assigned_card,
    choice_ids,
    plate_and_number,
    staff_chat,
    step_media,
    time_logs,
)
from tests.core.work.helpers import get_step, make_card, make_session, simple_steps
from tests.fakes import FakeClock

PHOTO_STEP = StepSpec(name_en="Inspect brakes", name_ar="فحص الفرامل", required_attachments=1)
WORDS = {
    "en": {"jobs": "my jobs", "start": "start", "pause": "pause", "stop": "stop", "done": "done",
           "note": "note"},
    "ar": {"jobs": "شغلي", "start": "ابدأ", "pause": "وقف مؤقت", "stop": "أوقف", "done": "تم",
           "note": "ملاحظة"},
}
LOCALES = ["en", "ar"]


def _plain(text: str) -> str:
    """A rendered line without the isolation marks around Arabic parameters."""
    return text.replace(FSI, "").replace(PDI, "")


async def _local(db: Database, org: OrgId, when: dt.datetime) -> str:
    async with db.read() as s:
        tz = await s.scalar(select(Organization.timezone).where(Organization.id == org))
    assert tz is not None
    return when.astimezone(zoneinfo.ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")


@pytest.mark.parametrize("locale", LOCALES)
async def test_my_jobs_mark_the_urgent_overdue_and_running_jobs_and_show_the_eta(
    db: Database, org: OrgId, staff: Staff, clock: FakeClock, locale: str,
) -> None:
    tech = await staff_chat(db, org, Role.TECHNICIAN, locale)
    calm = await assigned_card(db, staff.advisor, staff.lead, tech.user_id, simple_steps(1))
    urgent_sid = await make_session(db, org, priority=1)
    urgent = await make_card(db, staff.advisor, simple_steps(1), session_id=urgent_sid)
    async with db.unit_of_work(staff.lead) as uow:
        await assign_step(uow, urgent.step_ids[0], tech.user_id, override=True)
    soon = db.clock.now() + dt.timedelta(hours=1)
    later = db.clock.now() + dt.timedelta(hours=5)
    async with db.unit_of_work(staff.advisor) as uow:
        await set_eta(uow, urgent_sid, soon)
        await set_eta(uow, calm.session_id, later)
    clock.advance(hours=2)  # the urgent car's ETA has passed

    listed = await tech.say(WORDS[locale]["jobs"])

    assert keys(listed) == ["staff.my_jobs"]
    assert choice_ids(listed) == [f"tj:{urgent.step_ids[0]}", f"tj:{calm.step_ids[0]}"]
    first, second = (_plain(label) for _, label in listed[0].choices)
    urgent_plate, _ = await plate_and_number(db, urgent_sid)
    calm_plate, _ = await plate_and_number(db, calm.session_id)
    assert f"1. ⚠️ ★ {urgent_plate} · " in first
    assert await _local(db, org, soon) in first
    assert f"2. {calm_plate} · " in second
    assert await _local(db, org, later) in second

    await tech.say(f"{WORDS[locale]['start']} 2")  # the calm job's timer runs: it goes first, marked
    relisted = await tech.say(WORDS[locale]["jobs"])
    assert choice_ids(relisted)[0] == f"tj:{calm.step_ids[0]}"
    assert _plain(relisted[0].choices[0][1]).startswith(f"1. ⏱ {calm_plate} · ")


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_technician_starts_pauses_restarts_and_stops_the_timer_by_words_and_buttons(
    db: Database, org: OrgId, staff: Staff, clock: FakeClock, locale: str,
) -> None:
    tech = await staff_chat(db, org, Role.TECHNICIAN, locale)
    card = await assigned_card(db, staff.advisor, staff.lead, tech.user_id, simple_steps(1))
    step_id = card.step_ids[0]
    words = WORDS[locale]
    await tech.say(words["jobs"])
    assert keys(await tech.say("1")) == ["staff.step_not_started"]

    started = await tech.say(words["start"])
    assert keys(started) == ["staff.timer_started", "staff.step_in_progress"]
    assert {"ts:pause", "ts:stop"} <= set(choice_ids(started))
    assert await time_logs(db, step_id) == [True]
    clock.advance(minutes=10)

    paused = await tech.say(words["pause"])
    assert keys(paused) == ["staff.timer_paused", "staff.step_in_progress"]
    assert "ts:start" in choice_ids(paused)
    assert await time_logs(db, step_id) == [False]
    async with db.read() as s:
        job = await s.get(JobCard, card.job_card_id)
        assert job is not None
        assert job.status == JobCardStatus.PAUSED  # no timer runs on the card any more

    restarted = await tech.say(choice="ts:start")
    assert keys(restarted)[0] == "staff.timer_started"
    assert await time_logs(db, step_id) == [False, True]
    clock.advance(minutes=5)

    stopped = await tech.say(words["stop"])
    assert keys(stopped) == ["staff.timer_stopped", "staff.step_in_progress"]
    assert await time_logs(db, step_id) == [False, False]
    assert "15" in stopped[-1].text  # minutes worked so far, on the card
    again = await tech.say(choice="ts:stop")
    assert keys(again)[0] == "error.no_running_timer"
    assert (await get_step(db, step_id)).status == StepStatus.IN_PROGRESS


@pytest.mark.parametrize("locale", LOCALES)
async def test_documents_and_voice_notes_attach_to_the_step_and_count_as_evidence(
    db: Database, org: OrgId, staff: Staff, locale: str,
) -> None:
    tech = await staff_chat(db, org, Role.TECHNICIAN, locale)
    step = StepSpec(name_en="Diagnose", name_ar="تشخيص", required_attachments=2)
    card = await assigned_card(db, staff.advisor, staff.lead, tech.user_id, [step])
    step_id = card.step_ids[0]
    await tech.say(WORDS[locale]["jobs"])
    await tech.say(f"{WORDS[locale]['start']} 1")

    doc = await tech.send_file(MediaKind.DOCUMENT, "application/pdf", "report", "scan.pdf")
    assert keys(doc)[0] == "staff.media_attached"
    refused = await tech.say(WORDS[locale]["done"])
    assert keys(refused)[0] == "error.step_attachments_missing"
    voice = await tech.send_file(MediaKind.VOICE, "audio/ogg")
    assert keys(voice)[0] == "staff.media_attached"
    audio = await tech.send_file(MediaKind.AUDIO, "audio/mpeg")
    assert keys(audio)[0] == "staff.media_attached"

    assert await step_media(db, step_id) == [
        ("document", "application/pdf", "report"),
        ("voice", "audio/ogg", None),
        ("voice", "audio/mpeg", None),
    ]
    assert len(tech.storage.files) == 1  # the fake source sends the same bytes: one stored object
    finished = await tech.say(WORDS[locale]["done"])
    assert keys(finished)[0] == "floor.step_finished"
    assert (await get_step(db, step_id)).status == StepStatus.DONE


@pytest.mark.parametrize("locale", LOCALES)
async def test_done_is_refused_with_the_reason_while_a_required_photo_is_missing(
    db: Database, org: OrgId, staff: Staff, locale: str,
) -> None:
    tech = await staff_chat(db, org, Role.TECHNICIAN, locale)
    card = await assigned_card(db, staff.advisor, staff.lead, tech.user_id, [PHOTO_STEP])
    step_id = card.step_ids[0]
    await tech.say(WORDS[locale]["jobs"])
    await tech.say(f"{WORDS[locale]['start']} 1")

    refused = await tech.say(choice="ts:done")

    assert keys(refused)[0] == "error.step_attachments_missing"
    assert "1" in refused[0].text
    assert (await get_step(db, step_id)).status == StepStatus.IN_PROGRESS
    assert (await tech.chat.conversation()).state == "step"  # still on the card
    await tech.send_photo()
    assert keys(await tech.say(choice="ts:done"))[0] == "floor.step_finished"
    assert (await get_step(db, step_id)).status == StepStatus.DONE


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_job_is_found_by_its_session_number_or_its_plate(
    db: Database, org: OrgId, staff: Staff, locale: str,
) -> None:
    tech = await staff_chat(db, org, Role.TECHNICIAN, locale)
    first = await assigned_card(db, staff.advisor, staff.lead, tech.user_id, simple_steps(1))
    second = await assigned_card(db, staff.advisor, staff.lead, tech.user_id, simple_steps(1))
    _, number = await plate_and_number(db, second.session_id)
    plate, _ = await plate_and_number(db, first.session_id)
    await tech.say(WORDS[locale]["jobs"])

    by_number = await tech.say(number.lower().replace("-", " "))
    assert keys(by_number) == ["staff.step_not_started"]
    assert (await tech.chat.conversation()).data["d"] == {"step": second.step_ids[0]}

    await tech.say(WORDS[locale]["jobs"])
    typed_plate = plate.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")) if locale == "ar" else plate
    by_plate = await tech.say(typed_plate)
    assert keys(by_plate) == ["staff.step_not_started"]
    assert (await tech.chat.conversation()).data["d"] == {"step": first.step_ids[0]}

    await tech.say(WORDS[locale]["jobs"])
    unknown = await tech.say("99-99999")
    assert keys(unknown) == ["staff.not_understood_jobs", "staff.my_jobs"]


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_photo_sent_from_the_job_list_goes_to_the_running_step(
    db: Database, org: OrgId, staff: Staff, locale: str,
) -> None:
    tech = await staff_chat(db, org, Role.TECHNICIAN, locale)
    first = await assigned_card(db, staff.advisor, staff.lead, tech.user_id, simple_steps(1))
    second = await assigned_card(db, staff.advisor, staff.lead, tech.user_id, simple_steps(1))
    await tech.say(WORDS[locale]["jobs"])
    assert keys(await tech.say(f"{WORDS[locale]['start']} 2"))[0] == "staff.timer_started"
    await tech.say(WORDS[locale]["jobs"])

    sent = await tech.send_photo("pads worn")

    assert keys(sent) == ["staff.media_attached", "staff.step_in_progress"]
    assert await step_media(db, second.step_ids[0]) == [("photo", "image/jpeg", "pads worn")]
    assert await step_media(db, first.step_ids[0]) == []


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_note_by_the_button_is_asked_for_then_kept_on_the_step(
    db: Database, org: OrgId, staff: Staff, locale: str,
) -> None:
    tech = await staff_chat(db, org, Role.TECHNICIAN, locale)
    card = await assigned_card(db, staff.advisor, staff.lead, tech.user_id, simple_steps(1))
    await tech.say(WORDS[locale]["jobs"])
    await tech.say("1")
    assert keys(await tech.say(choice="ts:note")) == ["staff.note_prompt"]
    text = "Customer mentioned a rattle" if locale == "en" else "العميل ذكر صوت طقطقة"
    noted = await tech.say(text)
    assert keys(noted) == ["staff.note_added", "staff.step_not_started"]
    async with db.read() as s:
        notes = (await s.scalars(select(StepNote.text).where(StepNote.step_id == card.step_ids[0]))).all()
    assert list(notes) == [text]


@pytest.mark.parametrize("locale", LOCALES)
async def test_start_with_a_number_on_a_card_starts_that_job_of_the_list(
    db: Database, org: OrgId, staff: Staff, locale: str,
) -> None:
    tech = await staff_chat(db, org, Role.TECHNICIAN, locale)
    first = await assigned_card(db, staff.advisor, staff.lead, tech.user_id, simple_steps(1))
    second = await assigned_card(db, staff.advisor, staff.lead, tech.user_id, simple_steps(1))
    await tech.say(WORDS[locale]["jobs"])
    assert keys(await tech.say("1")) == ["staff.step_not_started"]

    started = await tech.say(f"{WORDS[locale]['start']} 2")

    assert keys(started) == ["staff.timer_started", "staff.step_in_progress"]
    assert (await tech.chat.conversation()).data["d"] == {"step": second.step_ids[0]}
    assert await time_logs(db, second.step_ids[0]) == [True]
    assert await time_logs(db, first.step_ids[0]) == []
    assert (await get_step(db, first.step_ids[0])).status == StepStatus.NOT_STARTED


@pytest.mark.parametrize("locale", LOCALES)
async def test_done_typed_on_the_job_list_finishes_the_running_step(
    db: Database, org: OrgId, staff: Staff, locale: str,
) -> None:
    tech = await staff_chat(db, org, Role.TECHNICIAN, locale)
    first = await assigned_card(db, staff.advisor, staff.lead, tech.user_id, simple_steps(1))
    second = await assigned_card(db, staff.advisor, staff.lead, tech.user_id, simple_steps(1))
    await tech.say(WORDS[locale]["jobs"])
    nothing_runs = await tech.say(WORDS[locale]["done"])
    assert keys(nothing_runs) == ["staff.done_which_step", "staff.my_jobs"]
    await tech.say(f"{WORDS[locale]['start']} 2")
    await tech.say(WORDS[locale]["jobs"])

    finished = await tech.say(WORDS[locale]["done"])

    assert keys(finished) == ["floor.step_finished", "staff.my_jobs"]
    assert (await get_step(db, second.step_ids[0])).status == StepStatus.DONE
    assert (await get_step(db, first.step_ids[0])).status == StepStatus.NOT_STARTED
    assert choice_ids(finished) == [f"tj:{first.step_ids[0]}"]

"""More transcripts of a lead technician, in English and Arabic: retry and
delay typed on an exception, the exception's photo shown with it, reassigning
the flagged step, reassigning a step in progress from the session's screen,
and approving a job card by a typed word."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from garagebot.core.enums import JobCardStatus, OutboxKind, Role, StepStatus
from garagebot.core.ids import OrgId, StepId
from garagebot.core.models import JobCard, MediaFile, OutboxRow, RepairSession, StepException
from garagebot.core.uow import Database
from garagebot.core.work.exceptions import flag_exception
from garagebot.core.work.media import attach_media
from garagebot.core.work.steps import complete_step
from garagebot.core.work.timers import start_timer
from tests.conftest import Staff
from tests.conversations.chat import keys
from tests.conversations.staff.support import JPEG, assigned_card, choice_ids, staff_chat, time_logs
from tests.core.work.helpers import Card, get_step, simple_steps
from tests.fakes import MemoryFileStorage

LOCALES = ["en", "ar"]


async def _flagged(db: Database, staff: Staff, *, photo: bool = False) -> tuple[Card, int, str | None]:
    """A step of the first technician, started and flagged (with a photo if asked)."""
    card = await assigned_card(db, staff.advisor, staff.lead, staff.id(staff.tech), simple_steps(1))
    step = card.step_ids[0]
    key = None
    async with db.unit_of_work(staff.tech) as uow:
        await start_timer(uow, step)
        media = None
        if photo:
            media = await attach_media(uow, MemoryFileStorage(), step_id=step, kind="photo",
                                       content_type="image/jpeg", data=JPEG)
            key = (await uow.get(MediaFile, media)).storage_key
        exc = await flag_exception(uow, step, "Bolt seized", media)
    return card, exc, key


async def _exception(db: Database, exc: int) -> StepException:
    async with db.read() as s:
        return (await s.scalars(select(StepException).where(StepException.id == exc))).one()


@pytest.mark.parametrize(("locale", "retry"), [("en", "retry"), ("ar", "إعادة")])
async def test_a_lead_sees_the_photo_of_an_exception_and_retries_the_step(
    db: Database, org: OrgId, staff: Staff, locale: str, retry: str,
) -> None:
    card, exc, photo = await _flagged(db, staff, photo=True)
    assert (await get_step(db, card.step_ids[0])).status == StepStatus.FAILED
    lead = await staff_chat(db, org, Role.LEAD_TECHNICIAN, locale)
    await lead.say("exceptions" if locale == "en" else "الاستثناءات")

    shown = await lead.say(choice=f"lx:{exc}")

    assert keys(shown) == ["staff.exception_card"]
    async with db.read() as s:
        payload = (await s.scalars(select(OutboxRow.payload).where(
            OutboxRow.organization_id == org, OutboxRow.kind == OutboxKind.MESSAGE.value,
            OutboxRow.recipient == lead.chat.address).order_by(OutboxRow.id.desc()).limit(1))).one()
    assert payload["media"] == [photo]
    decided = await lead.say(retry)
    assert keys(decided) == ["staff.exception_decided", "staff.lead_queue"]
    assert f"lx:{exc}" not in choice_ids(decided)
    row = await _exception(db, exc)
    assert row.status == "RETRY"
    assert (await get_step(db, card.step_ids[0])).status != StepStatus.FAILED


@pytest.mark.parametrize(("locale", "delay", "hours"), [("en", "delay", "5"), ("ar", "تأجيل", "٥")])
async def test_a_lead_delays_an_exception_by_the_hours_asked_for(
    db: Database, org: OrgId, staff: Staff, locale: str, delay: str, hours: str,
) -> None:
    card, exc, _ = await _flagged(db, staff)
    lead = await staff_chat(db, org, Role.LEAD_TECHNICIAN, locale)
    await lead.say(choice="m:lead")
    await lead.say(choice=f"lx:{exc}")
    assert keys(await lead.say(delay)) == ["staff.delay_prompt"]
    assert keys(await lead.say("soon")) == ["staff.delay_prompt"]

    decided = await lead.say(hours)

    assert keys(decided)[0] == "staff.exception_decided"
    row = await _exception(db, exc)
    assert row.status == "DELAYED"
    assert (await get_step(db, card.step_ids[0])).delayed_until == db.clock.now() + dt.timedelta(hours=5)


async def test_a_lead_reassigns_a_flagged_step_in_arabic(db: Database, org: OrgId, staff: Staff) -> None:
    card, exc, _ = await _flagged(db, staff)  # in English: test_lead.py
    lead = await staff_chat(db, org, Role.LEAD_TECHNICIAN, "ar")
    await lead.say(choice="m:lead")
    await lead.say(choice=f"lx:{exc}")
    people = await lead.say(choice="le:assign")
    assert keys(people) == ["floor.assign_prompt"]
    assigned = await lead.say(choice=f"la:{staff.id(staff.tech2)}")
    assert keys(assigned) == ["staff.assigned", "staff.lead_queue"]
    assert assigned[0].locale == "ar"
    assert (await get_step(db, card.step_ids[0])).assignee_id == staff.id(staff.tech2)


@pytest.mark.parametrize(("locale", "cars"), [("en", "cars"), ("ar", "السيارات")])
async def test_a_lead_reassigns_a_step_in_progress_from_the_session_screen(
    db: Database, org: OrgId, staff: Staff, locale: str, cars: str,
) -> None:
    card = await assigned_card(db, staff.advisor, staff.lead, staff.id(staff.tech), simple_steps(1))
    step = card.step_ids[0]
    async with db.unit_of_work(staff.tech) as uow:
        await start_timer(uow, step)
    async with db.read() as s:
        rs = await s.get(RepairSession, card.session_id)
        assert rs is not None
        number = rs.number
    lead = await staff_chat(db, org, Role.LEAD_TECHNICIAN, locale)
    assert keys(await lead.say(cars)) == ["staff.sessions_lists"]
    assert keys(await lead.say(number)) == ["staff.session_card"]
    steps = await lead.say(choice="sa:assign")
    assert f"sp:{step}" in choice_ids(steps)
    await lead.say(choice=f"sp:{step}")

    assigned = await lead.say(choice=f"su:{staff.id(staff.tech2)}")

    assert keys(assigned) == ["staff.assigned", "staff.session_card"]
    stored = await get_step(db, step)
    assert (stored.assignee_id, stored.status) == (staff.id(staff.tech2), StepStatus.IN_PROGRESS)
    assert await time_logs(db, StepId(step)) == [False]  # the first technician's timer was stopped


@pytest.mark.parametrize(("locale", "approve"), [("en", "approve"), ("ar", "اعتماد")])
async def test_a_lead_approves_a_job_card_by_a_typed_word(
    db: Database, org: OrgId, staff: Staff, locale: str, approve: str,
) -> None:
    card = await assigned_card(db, staff.advisor, staff.lead, staff.id(staff.tech), simple_steps(1))
    async with db.unit_of_work(staff.tech) as uow:
        await start_timer(uow, card.step_ids[0])
        await complete_step(uow, card.step_ids[0])
    lead = await staff_chat(db, org, Role.LEAD_TECHNICIAN, locale)
    await lead.say(choice="m:lead")
    shown = await lead.say(choice=f"lr:{card.job_card_id}")
    assert keys(shown) == ["staff.review_card"]
    unclear = await lead.say("maybe")
    assert keys(unclear) == ["staff.not_understood_review", "staff.review_card"]

    approved = await lead.say(approve)

    assert keys(approved) == ["staff.review_approved", "staff.lead_queue"]
    async with db.read() as s:
        job = await s.get(JobCard, card.job_card_id)
    assert job is not None
    assert job.status == JobCardStatus.COMPLETED

"""Read queries: a person's jobs today, and a step's detail."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from garagebot.core.enums import StepStatus
from garagebot.core.errors import NotFound
from garagebot.core.ids import ExceptionId
from garagebot.core.models import StepChecklistItem, StepException
from garagebot.core.repair.sessions import set_eta
from garagebot.core.uow import Database
from garagebot.core.work.assignment import assign_step
from garagebot.core.work.exceptions import decide_exception, flag_exception
from garagebot.core.work.jobcards import reject_job_card
from garagebot.core.work.queries import my_jobs, read_my_jobs_ahead, step_detail
from garagebot.core.work.steps import add_step_note, complete_step, tick_checklist_item
from garagebot.core.work.timers import pause_timer, start_step
from tests.conftest import Staff, make_staff, new_garage
from tests.core.work.helpers import checked_step, make_card, make_session, simple_steps
from tests.fakes import FakeClock


async def test_my_jobs_lists_the_persons_open_steps_running_first_then_by_priority(
    db: Database, staff: Staff, clock: FakeClock
) -> None:
    tech = staff.id(staff.tech)
    urgent = await make_card(db, staff.lead, simple_steps(3, parallel_group=1),
                             session_id=await make_session(db, staff.org, priority=2))
    normal = await make_card(db, staff.lead, simple_steps(2, parallel_group=1))
    dropped = await make_card(db, staff.lead, simple_steps(1))
    theirs = await make_card(db, staff.lead, simple_steps(1))
    eta = clock.now() + dt.timedelta(minutes=30)
    async with db.unit_of_work(staff.advisor) as uow:
        await set_eta(uow, urgent.session_id, eta)
        for step_id in [*urgent.step_ids, *normal.step_ids, *dropped.step_ids]:
            await assign_step(uow, step_id, tech)
        await assign_step(uow, theirs.step_ids[0], staff.id(staff.tech2))
        await reject_job_card(uow, dropped.job_card_id, "Declined")
    async with db.unit_of_work(staff.tech) as uow:
        await start_step(uow, urgent.step_ids[0])
        await complete_step(uow, urgent.step_ids[0])  # done: not listed
        await flag_exception(uow, urgent.step_ids[2], "Wrong part")
        await start_step(uow, normal.step_ids[1])  # running: listed first
    clock.advance(hours=1)  # the urgent session is now overdue
    async with db.read() as s:
        rows = await my_jobs(s, staff.org, tech, clock.now())
    assert [(r.step_id, r.status) for r in rows] == [
        (normal.step_ids[1], StepStatus.IN_PROGRESS),
        (urgent.step_ids[1], StepStatus.NOT_STARTED),
        (urgent.step_ids[2], StepStatus.FAILED),
        (normal.step_ids[0], StepStatus.NOT_STARTED),
    ]
    running, first_urgent = rows[0], rows[1]
    assert running.timer_started_at == clock.now() - dt.timedelta(hours=1)
    assert not running.overdue
    assert running.eta is None
    assert (first_urgent.priority, first_urgent.eta, first_urgent.overdue) == (2, eta, True)
    assert first_urgent.session_number.startswith("SES-")
    assert first_urgent.plate
    assert (first_urgent.job_title_en, first_urgent.job_title_ar) == ("Job", "عمل")
    assert (first_urgent.step_name_en, first_urgent.step_name_ar) == ("Step 2", "الخطوة 2")
    assert first_urgent.timer_started_at is None


async def test_a_step_delayed_past_today_leaves_todays_list(
    db: Database, staff: Staff, clock: FakeClock
) -> None:
    # 09:00 in Amman: "today" ends at 21:00 UTC.
    card = await make_card(db, staff.lead, simple_steps(2, parallel_group=1))
    later_today, tomorrow = card.step_ids
    async with db.unit_of_work(staff.lead) as uow:
        for step_id in card.step_ids:
            await assign_step(uow, step_id, staff.id(staff.tech))
    async with db.unit_of_work(staff.tech) as uow:
        for step_id in card.step_ids:
            await flag_exception(uow, step_id, "Waiting for the part")
    async with db.read() as s:
        exc = {e.step_id: ExceptionId(e.id) for e in (await s.scalars(select(StepException))).all()}
    async with db.unit_of_work(staff.lead) as uow:
        await decide_exception(uow, exc[later_today], "delay",
                               delay_until=dt.datetime(2026, 11, 22, 20, 59, tzinfo=dt.UTC))
        await decide_exception(uow, exc[tomorrow], "delay",
                               delay_until=dt.datetime(2026, 11, 22, 21, 0, tzinfo=dt.UTC))
    async with db.read() as s:
        rows = await my_jobs(s, staff.org, staff.id(staff.tech), clock.now())
    assert [r.step_id for r in rows] == [later_today]
    assert rows[0].delayed_until == dt.datetime(2026, 11, 22, 20, 59, tzinfo=dt.UTC)


async def test_my_jobs_never_shows_another_garages_steps(db: Database, staff: Staff) -> None:
    other = await make_staff(db, await new_garage(db))
    card = await make_card(db, staff.lead, simple_steps(1))
    async with db.unit_of_work(staff.tech) as uow:
        await start_step(uow, card.step_ids[0])
    async with db.read() as s:
        assert await my_jobs(s, other.org, staff.id(staff.tech), db.clock.now()) == []
        assert len(await my_jobs(s, staff.org, staff.id(staff.tech), db.clock.now())) == 1


async def test_step_detail_shows_checklist_notes_attachments_and_worked_time(
    db: Database, staff: Staff, clock: FakeClock
) -> None:
    card = await make_card(db, staff.lead, [checked_step(items=2, attachments=1)])
    step_id = card.step_ids[0]
    async with db.unit_of_work(staff.tech) as uow:
        await start_step(uow, step_id)
        await add_step_note(uow, step_id, "Pads at 2 mm")
    async with db.read() as s:
        first_item = (await s.scalars(select(StepChecklistItem.id).where(
            StepChecklistItem.step_id == step_id).order_by(StepChecklistItem.position))).first()
    assert first_item is not None
    async with db.unit_of_work(staff.tech) as uow:
        await tick_checklist_item(uow, first_item)
    clock.advance(minutes=17)
    async with db.read() as s:
        detail = await step_detail(s, staff.org, step_id, clock.now())
        with pytest.raises(NotFound):
            await step_detail(s, await new_garage(db), step_id, clock.now())
    assert (detail.status, detail.assignee_id, detail.worked_minutes) == (
        StepStatus.IN_PROGRESS, staff.id(staff.tech), 17)
    assert [(c.text_en, c.done) for c in detail.checklist] == [("Item 1", True), ("Item 2", False)]
    assert (detail.required_attachments, detail.attachments, detail.notes) == (
        1, 0, ("Pads at 2 mm",))


async def test_beyond_the_limit_the_steps_in_progress_are_kept_first(
    db: Database, staff: Staff
) -> None:
    card = await make_card(db, staff.lead, simple_steps(4, parallel_group=1))
    async with db.unit_of_work(staff.lead) as uow:
        for step_id in card.step_ids:
            await assign_step(uow, step_id, staff.id(staff.tech))
    async with db.unit_of_work(staff.tech) as uow:
        await start_step(uow, card.step_ids[3])
        await pause_timer(uow, card.step_ids[3])
        await flag_exception(uow, card.step_ids[2], "Broken clip")
    async with db.read() as s:
        rows = await my_jobs(s, staff.org, staff.id(staff.tech), db.clock.now(), limit=3)
    # Picked: the step in progress, the failed one, then the first not started;
    # shown in session order (no timer runs, all in one session).
    assert [(r.step_id, r.status) for r in rows] == [
        (card.step_ids[0], StepStatus.NOT_STARTED), (card.step_ids[2], StepStatus.FAILED),
        (card.step_ids[3], StepStatus.IN_PROGRESS)]
    assert all(r.timer_started_at is None for r in rows)


async def test_my_jobs_read_ahead_for_several_people_is_what_each_would_read_and_is_taken_once(
    db: Database, staff: Staff, clock: FakeClock
) -> None:
    tech, tech2, lead = staff.id(staff.tech), staff.id(staff.tech2), staff.id(staff.lead)
    card = await make_card(db, staff.lead, simple_steps(3, parallel_group=1),
                           session_id=await make_session(db, staff.org, priority=1))
    async with db.unit_of_work(staff.lead) as uow:
        for step_id in card.step_ids[:2]:
            await assign_step(uow, step_id, tech)
        await assign_step(uow, card.step_ids[2], tech2)
    async with db.unit_of_work(staff.tech) as uow:
        await start_step(uow, card.step_ids[1])
    now = clock.now()
    people = [(staff.org, tech), (staff.org, tech2), (staff.org, lead)]

    async with db.read() as s:
        alone = [await my_jobs(s, org, who, now) for org, who in people]
    async with db.read() as s:
        await read_my_jobs_ahead(s, people, now)
        ahead = [await my_jobs(s, org, who, now) for org, who in people]
    assert ahead == alone
    if db.dialect == "postgresql":  # the first call takes what was read ahead, even if it changed since
        async with db.read() as s:
            await read_my_jobs_ahead(s, people[1:2], now)
            async with db.unit_of_work(staff.tech2) as uow:
                await start_step(uow, card.step_ids[2])
            assert (await my_jobs(s, staff.org, tech2, now))[0].timer_started_at is None
            assert (await my_jobs(s, staff.org, tech2, now))[0].timer_started_at is not None
    assert [[r.step_id for r in rows] for rows in alone] == [
        [card.step_ids[1], card.step_ids[0]], [card.step_ids[2]], []]

    async with db.unit_of_work(staff.tech) as uow:
        await read_my_jobs_ahead(uow.session, people[:1], now)
        assert len(await my_jobs(uow.session, staff.org, tech, now)) == 2  # the read ahead
        await complete_step(uow, card.step_ids[1])
        after = await my_jobs(uow.session, staff.org, tech, now)  # taken: read again, with the change
    assert [r.step_id for r in after] == [card.step_ids[0]]

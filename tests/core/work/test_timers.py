"""Timers: starting, pausing, stopping, one running timer per person, manual time."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import select

from garagebot.core.actor import Actor
from garagebot.core.enums import JobCardStatus, Skill, StepStatus
from garagebot.core.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    InvalidTransition,
    PermissionDenied,
)
from garagebot.core.ids import StepId
from garagebot.core.models import JobCard, TimeLog
from garagebot.core.uow import Database
from garagebot.core.work.assignment import assign_step
from garagebot.core.work.templates import StepSpec
from garagebot.core.work.timers import (
    add_manual_time,
    pause_timer,
    start_step,
    start_timer,
    stop_timer,
    worked_minutes,
)
from tests.conftest import Staff
from tests.core.work.helpers import (
    audit_actions,
    get_step,
    make_card,
    outbox_topics,
    simple_steps,
)
from tests.fakes import FakeClock


async def _card_status(db: Database, card_id: int) -> str:
    async with db.read() as s:
        card = await s.get(JobCard, card_id)
        assert card is not None
        return card.status


async def _logs(db: Database, step_id: int) -> list[TimeLog]:
    async with db.read() as s:
        return list((await s.scalars(select(TimeLog).where(TimeLog.step_id == step_id)
                                     .order_by(TimeLog.id))).all())


async def test_starting_the_first_step_starts_the_card_assigns_and_logs_time(
    db: Database, staff: Staff, clock: FakeClock
) -> None:
    card = await make_card(db, staff.lead, simple_steps(2))
    assert await _card_status(db, card.job_card_id) == JobCardStatus.PENDING
    async with db.unit_of_work(staff.tech) as uow:
        log_id = await start_step(uow, card.step_ids[0])
    step = await get_step(db, card.step_ids[0])
    assert (step.status, step.assignee_id, step.started_at) == (
        StepStatus.IN_PROGRESS, staff.id(staff.tech), clock.now())
    assert await _card_status(db, card.job_card_id) == JobCardStatus.IN_PROGRESS
    [log] = await _logs(db, card.step_ids[0])
    assert (log.id, log.user_id, log.started_at, log.ended_at) == (
        log_id, staff.id(staff.tech), clock.now(), None)
    assert await audit_actions(db, staff.org, "time_log", log_id) == ["start"]
    assert {"timer.started", "step.status_changed", "job_card.status_changed",
            "step.assigned"} <= set(await outbox_topics(db, staff.org))


async def test_a_technician_cannot_run_two_timers_at_once(db: Database, staff: Staff) -> None:
    first = await make_card(db, staff.lead, simple_steps(1))
    second = await make_card(db, staff.lead, simple_steps(1))
    async with db.unit_of_work(staff.tech) as uow:
        await start_step(uow, first.step_ids[0])
    with pytest.raises(Conflict) as err:
        async with db.unit_of_work(staff.tech) as uow:
            await start_step(uow, second.step_ids[0])
    assert err.value.key == "error.timer_already_running"
    assert err.value.params == {"step": first.step_ids[0], "step_name": "Step 1", "step_name_ar": "الخطوة 1"}
    # Nothing of the refused start was written.
    assert (await get_step(db, second.step_ids[0])).status == StepStatus.NOT_STARTED
    assert (await get_step(db, second.step_ids[0])).assignee_id is None
    assert await _card_status(db, second.job_card_id) == JobCardStatus.PENDING
    with pytest.raises(Conflict):
        async with db.unit_of_work(staff.tech) as uow:
            await start_timer(uow, first.step_ids[0])


@pytest.mark.parametrize(
    "paused", [(False, False), (True, True), (False, True)],
    ids=["fresh-steps", "paused-steps", "one-of-each"],
)
async def test_two_concurrent_starts_by_one_person_let_exactly_one_win(
    db: Database, staff: Staff, paused: tuple[bool, bool]
) -> None:
    # Steps on two sessions, so that no shared row lock serialises the starts
    # before the running-timer check: the unique index has to decide.
    cards = [await make_card(db, staff.lead, simple_steps(1)) for _ in range(2)]
    steps = [c.step_ids[0] for c in cards]
    for step_id, was_started in zip(steps, paused, strict=True):
        if was_started:
            async with db.unit_of_work(staff.tech) as uow:
                await start_step(uow, step_id)
                await pause_timer(uow, step_id)

    both_connected = asyncio.Barrier(2)

    async def start(step_id: StepId) -> int | DomainError:
        try:
            async with db.unit_of_work(staff.tech) as uow:
                if db.dialect == "postgresql":
                    # Both transactions are open before either checks for a
                    # running timer. (On SQLite the second one waits for the
                    # write lock at its first statement, so it cannot meet here.)
                    await uow.session.execute(select(1))
                    await both_connected.wait()
                return await start_timer(uow, step_id)
        except DomainError as exc:
            return exc

    results = await asyncio.gather(*(start(s) for s in steps))
    wins = [r for r in results if isinstance(r, int)]
    losses = [r for r in results if isinstance(r, DomainError)]
    assert len(wins) == 1
    assert len(losses) == 1
    assert losses[0].key == "error.timer_already_running"
    async with db.read() as s:
        running = (await s.scalars(select(TimeLog).where(
            TimeLog.user_id == staff.id(staff.tech), TimeLog.ended_at.is_(None)))).all()
    assert [r.id for r in running] == wins
    assert losses[0].params["step"] == running[0].step_id


async def test_pausing_the_last_timer_pauses_the_card_and_starting_resumes_it(
    db: Database, staff: Staff, clock: FakeClock
) -> None:
    card = await make_card(db, staff.lead, simple_steps(2, parallel_group=1))
    a, b = card.step_ids
    async with db.unit_of_work(staff.tech) as uow:
        await start_step(uow, a)
    async with db.unit_of_work(staff.tech2) as uow:
        await start_step(uow, b)
    clock.advance(minutes=25)
    async with db.unit_of_work(staff.tech) as uow:
        assert await pause_timer(uow, a) == 25
    # Someone still works on the card: it is not paused.
    assert await _card_status(db, card.job_card_id) == JobCardStatus.IN_PROGRESS
    clock.advance(minutes=5)
    async with db.unit_of_work(staff.tech2) as uow:
        assert await pause_timer(uow, b) == 30
    assert await _card_status(db, card.job_card_id) == JobCardStatus.PAUSED
    clock.advance(minutes=10)
    async with db.unit_of_work(staff.tech) as uow:
        await start_timer(uow, a)
    assert await _card_status(db, card.job_card_id) == JobCardStatus.IN_PROGRESS
    clock.advance(minutes=7)
    async with db.read() as s:
        assert await worked_minutes(s, staff.org, a, clock.now()) == 32
        assert await worked_minutes(s, staff.org, b, clock.now()) == 30
    assert await audit_actions(db, staff.org, "job_card", card.job_card_id) == [
        "create", "start", "pause", "resume"]


async def test_stopping_a_timer_leaves_the_card_running_and_needs_a_running_timer(
    db: Database, staff: Staff, clock: FakeClock
) -> None:
    card = await make_card(db, staff.lead, simple_steps(1))
    step_id = card.step_ids[0]
    with pytest.raises(InvalidTransition) as none:
        async with db.unit_of_work(staff.tech) as uow:
            await stop_timer(uow, step_id)
    assert none.value.key == "error.no_running_timer"
    async with db.unit_of_work(staff.tech) as uow:
        await start_step(uow, step_id)
    clock.advance(minutes=12, seconds=59)
    async with db.unit_of_work(staff.tech) as uow:
        assert await stop_timer(uow, step_id) == 12
    assert await _card_status(db, card.job_card_id) == JobCardStatus.IN_PROGRESS
    [log] = await _logs(db, step_id)
    assert log.ended_at == clock.now()
    with pytest.raises(InvalidTransition):
        async with db.unit_of_work(staff.tech) as uow:
            await pause_timer(uow, step_id)


async def test_manual_time_refuses_a_zero_or_negative_duration(
    db: Database, staff: Staff, clock: FakeClock
) -> None:
    card = await make_card(db, staff.lead, simple_steps(1))
    step_id = card.step_ids[0]
    for minutes in (0, -15):
        with pytest.raises(InvalidInput) as err:
            async with db.unit_of_work(staff.tech) as uow:
                await add_manual_time(uow, step_id, minutes)
        assert (err.value.key, err.value.params) == (
            "error.duration_not_positive", {"minutes": minutes})
    with pytest.raises(InvalidInput) as long:
        async with db.unit_of_work(staff.tech) as uow:
            await add_manual_time(uow, step_id, 24 * 60 + 1)
    assert long.value.key == "error.duration_too_long"
    with pytest.raises(InvalidInput) as future:
        async with db.unit_of_work(staff.tech) as uow:
            await add_manual_time(uow, step_id, 5, ended_at=clock.now() + dt.timedelta(hours=1))
    assert future.value.key == "error.time_in_future"
    assert await _logs(db, step_id) == []


async def test_manual_time_counts_towards_worked_minutes_and_a_lead_may_enter_it_for_others(
    db: Database, staff: Staff, clock: FakeClock
) -> None:
    card = await make_card(db, staff.lead, simple_steps(1))
    step_id = card.step_ids[0]
    async with db.unit_of_work(staff.tech) as uow:
        own = await add_manual_time(uow, step_id, 40)
    async with db.unit_of_work(staff.lead) as uow:
        await add_manual_time(uow, step_id, 20, user_id=staff.id(staff.tech2),
                              ended_at=clock.now() - dt.timedelta(hours=2))
    with pytest.raises(PermissionDenied) as err:
        async with db.unit_of_work(staff.tech) as uow:
            await add_manual_time(uow, step_id, 10, user_id=staff.id(staff.tech2))
    assert err.value.key == "error.time_for_others_needs_lead"
    logs = await _logs(db, step_id)
    assert [(lg.user_id, lg.manual, lg.ended_at - lg.started_at) for lg in logs if lg.ended_at] == [
        (staff.id(staff.tech), True, dt.timedelta(minutes=40)),
        (staff.id(staff.tech2), True, dt.timedelta(minutes=20))]
    async with db.read() as s:
        assert await worked_minutes(s, staff.org, step_id, clock.now()) == 60
    assert await audit_actions(db, staff.org, "time_log", own) == ["manual"]


async def test_only_the_assignee_or_a_lead_starts_an_assigned_step(
    db: Database, staff: Staff
) -> None:
    card = await make_card(db, staff.lead, simple_steps(1, required_skill=Skill.MECHANICAL))
    step_id = card.step_ids[0]
    async with db.unit_of_work(staff.advisor) as uow:
        await assign_step(uow, step_id, staff.id(staff.tech))
    with pytest.raises(PermissionDenied) as err:
        async with db.unit_of_work(staff.tech2) as uow:
            await start_step(uow, step_id)
    assert err.value.key == "error.step_assigned_to_other"
    async with db.unit_of_work(staff.lead) as uow:
        await start_step(uow, step_id)
    assert (await get_step(db, step_id)).assignee_id == staff.id(staff.tech)
    with pytest.raises(PermissionDenied):
        async with db.unit_of_work(Actor.system(staff.org)) as uow:
            await start_step(uow, step_id)


async def test_an_unqualified_person_cannot_pick_up_an_unassigned_step(
    db: Database, staff: Staff
) -> None:
    card = await make_card(db, staff.lead, [
        StepSpec("Wiring", "أسلاك", Skill.ELECTRICAL), StepSpec("Wash", "غسيل")])
    with pytest.raises(InvalidInput) as skill:
        async with db.unit_of_work(staff.tech) as uow:
            await start_step(uow, card.step_ids[0])
    assert (skill.value.key, skill.value.params["skill"]) == ("error.assignee_lacks_skill",
                                                              "electrical")
    assert (await get_step(db, card.step_ids[0])).assignee_id is None
    other = await make_card(db, staff.lead, [StepSpec("Wash", "غسيل")])
    with pytest.raises(InvalidInput) as assistant:
        async with db.unit_of_work(staff.assistant) as uow:
            await start_step(uow, other.step_ids[0])
    assert assistant.value.key == "error.assistant_only_assembly"


async def test_two_people_pausing_a_card_at_the_same_moment_leave_it_paused(
    db: Database, staff: Staff
) -> None:
    card = await make_card(db, staff.lead, simple_steps(2, parallel_group=1))
    pairs = list(zip((staff.tech, staff.tech2), card.step_ids, strict=True))
    for actor, step_id in pairs:
        async with db.unit_of_work(actor) as uow:
            await start_step(uow, step_id)

    async def pause(actor: Actor, step_id: StepId) -> int:
        async with db.unit_of_work(actor) as uow:
            return await pause_timer(uow, step_id)

    assert await asyncio.gather(*(pause(a, s) for a, s in pairs)) == [0, 0]
    assert await _card_status(db, card.job_card_id) == JobCardStatus.PAUSED

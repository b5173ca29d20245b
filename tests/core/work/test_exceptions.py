"""Exceptions: flagging a failed step, the leads' decision, the open queue."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from garagebot.core.enums import ExceptionStatus, StepStatus
from garagebot.core.errors import InvalidInput, InvalidTransition, PermissionDenied
from garagebot.core.ids import ExceptionId, StepId
from garagebot.core.models import OutboxRow, StepException, TimeLog
from garagebot.core.uow import Database
from garagebot.core.work.exceptions import decide_exception, flag_exception
from garagebot.core.work.media import attach_media
from garagebot.core.work.queries import open_exceptions
from garagebot.core.work.steps import complete_step
from garagebot.core.work.timers import start_step
from tests.conftest import Staff
from tests.core.work.helpers import audit_actions, count_rows, get_step, make_card, simple_steps
from tests.fakes import FakeClock, MemoryFileStorage


async def _flagged(db: Database, staff: Staff, reason: str = "Bolt seized") -> tuple[StepId, ExceptionId]:
    card = await make_card(db, staff.lead, simple_steps(2))
    step_id = card.step_ids[0]
    async with db.unit_of_work(staff.tech) as uow:
        await start_step(uow, step_id)
        exc_id = await flag_exception(uow, step_id, reason)
    return step_id, exc_id


async def _exception(db: Database, exc_id: int) -> StepException:
    async with db.read() as s:
        row = await s.get(StepException, exc_id)
        assert row is not None
        return row


async def test_flagging_fails_the_step_stops_its_timer_and_tells_the_leads(
    db: Database, staff: Staff, storage: MemoryFileStorage, clock: FakeClock
) -> None:
    card = await make_card(db, staff.lead, simple_steps(1))
    step_id = card.step_ids[0]
    async with db.unit_of_work(staff.tech) as uow:
        await start_step(uow, step_id)
        photo = await attach_media(uow, storage, step_id=step_id, kind="photo",
                                   content_type="image/png", data=b"\x89PNG bolt")
    clock.advance(minutes=10)
    async with db.unit_of_work(staff.tech) as uow:
        exc_id = await flag_exception(uow, step_id, "  Bolt seized  ", media_id=photo)
    assert (await get_step(db, step_id)).status == StepStatus.FAILED
    row = await _exception(db, exc_id)
    assert (row.status, row.reason, row.media_id, row.raised_by_id) == (
        ExceptionStatus.OPEN, "Bolt seized", photo, staff.id(staff.tech))
    async with db.read() as s:
        log = (await s.scalars(select(TimeLog).where(TimeLog.step_id == step_id))).one()
        event = (await s.scalars(select(OutboxRow).where(
            OutboxRow.organization_id == staff.org, OutboxRow.topic == "exception.flagged"))).one()
    assert log.ended_at == clock.now()
    assert event.payload["exception_id"] == exc_id
    assert event.payload["audience"] == "leads"
    assert await audit_actions(db, staff.org, "step_exception", exc_id) == ["flag"]
    async with db.read() as s:
        queue = await open_exceptions(s, staff.org)
    assert [(q.exception_id, q.step_id, q.reason, q.raised_by_name) for q in queue] == [
        (exc_id, step_id, "Bolt seized", "Tech")]


async def test_a_blocked_step_may_be_flagged_before_it_starts_and_a_reason_is_required(
    db: Database, staff: Staff
) -> None:
    card = await make_card(db, staff.lead, simple_steps(1))
    with pytest.raises(InvalidInput) as err:
        async with db.unit_of_work(staff.tech) as uow:
            await flag_exception(uow, card.step_ids[0], "   ")
    assert err.value.key == "error.reason_required"
    async with db.unit_of_work(staff.tech) as uow:
        await flag_exception(uow, card.step_ids[0], "Part missing")
    assert (await get_step(db, card.step_ids[0])).status == StepStatus.FAILED
    with pytest.raises(InvalidTransition):
        async with db.unit_of_work(staff.lead) as uow:
            await flag_exception(uow, card.step_ids[0], "again")
    assert await count_rows(db, StepException, staff.org) == 1


async def test_retry_puts_the_step_back_to_not_started(db: Database, staff: Staff) -> None:
    step_id, exc_id = await _flagged(db, staff)
    async with db.unit_of_work(staff.lead) as uow:
        await decide_exception(uow, exc_id, "retry", comment="Use penetrating oil")
    row = await _exception(db, exc_id)
    assert (row.status, row.comment, row.decided_by_id) == (
        ExceptionStatus.RETRY, "Use penetrating oil", staff.id(staff.lead))
    assert (await get_step(db, step_id)).status == StepStatus.NOT_STARTED
    async with db.unit_of_work(staff.tech) as uow:
        await start_step(uow, step_id)
    assert (await get_step(db, step_id)).status == StepStatus.IN_PROGRESS
    assert await audit_actions(db, staff.org, "step_exception", exc_id) == ["flag", "decide"]
    async with db.read() as s:
        assert await open_exceptions(s, staff.org) == []


async def test_skip_needs_a_comment_and_lets_the_next_step_start(db: Database, staff: Staff) -> None:
    step_id, exc_id = await _flagged(db, staff)
    with pytest.raises(InvalidInput) as err:
        async with db.unit_of_work(staff.lead) as uow:
            await decide_exception(uow, exc_id, "skip")
    assert err.value.key == "error.skip_comment_required"
    assert (await _exception(db, exc_id)).status == ExceptionStatus.OPEN
    assert (await get_step(db, step_id)).status == StepStatus.FAILED
    async with db.unit_of_work(staff.manager) as uow:
        await decide_exception(uow, exc_id, "skip", comment="Client will bring the part")
    assert (await get_step(db, step_id)).status == StepStatus.SKIPPED
    assert (await _exception(db, exc_id)).status == ExceptionStatus.SKIPPED
    async with db.unit_of_work(staff.tech) as uow:
        await start_step(uow, StepId(step_id + 1))
        await complete_step(uow, StepId(step_id + 1))


async def test_delay_keeps_the_step_from_starting_until_the_time(
    db: Database, staff: Staff, clock: FakeClock
) -> None:
    step_id, exc_id = await _flagged(db, staff)
    for until in (None, clock.now(), clock.now() - dt.timedelta(minutes=1)):
        with pytest.raises(InvalidInput) as err:
            async with db.unit_of_work(staff.lead) as uow:
                await decide_exception(uow, exc_id, "delay", delay_until=until)
        assert err.value.key == "error.delay_not_in_future"
    until = clock.now() + dt.timedelta(hours=2)
    async with db.unit_of_work(staff.lead) as uow:
        await decide_exception(uow, exc_id, "delay", delay_until=until)
    row = await _exception(db, exc_id)
    assert (row.status, row.delay_until) == (ExceptionStatus.DELAYED, until)
    step = await get_step(db, step_id)
    assert (step.status, step.delayed_until) == (StepStatus.NOT_STARTED, until)
    clock.advance(hours=1)
    with pytest.raises(InvalidTransition) as early:
        async with db.unit_of_work(staff.tech) as uow:
            await start_step(uow, step_id)
    assert (early.value.key, early.value.params["until"]) == ("error.step_delayed",
                                                              until.isoformat())
    clock.advance(hours=1, seconds=1)
    async with db.unit_of_work(staff.tech) as uow:
        await start_step(uow, step_id)
    assert (await get_step(db, step_id)).status == StepStatus.IN_PROGRESS


async def test_only_leads_decide_and_only_once(db: Database, staff: Staff) -> None:
    _, exc_id = await _flagged(db, staff)
    for actor in (staff.tech, staff.advisor, staff.assistant):
        with pytest.raises(PermissionDenied):
            async with db.unit_of_work(actor) as uow:
                await decide_exception(uow, exc_id, "retry")
    with pytest.raises(InvalidInput) as unknown:
        async with db.unit_of_work(staff.lead) as uow:
            await decide_exception(uow, exc_id, "ignore")
    assert unknown.value.key == "error.exception_decision_unknown"
    async with db.unit_of_work(staff.lead) as uow:
        await decide_exception(uow, exc_id, "retry")
    with pytest.raises(InvalidTransition) as twice:
        async with db.unit_of_work(staff.lead) as uow:
            await decide_exception(uow, exc_id, "skip", comment="no")
    assert twice.value.key == "error.exception_already_decided"
    assert await audit_actions(db, staff.org, "step_exception", exc_id) == ["flag", "decide"]


async def test_the_open_queue_lists_oldest_first(
    db: Database, staff: Staff, clock: FakeClock
) -> None:
    _, first = await _flagged(db, staff, "First")
    clock.advance(minutes=3)
    _, second = await _flagged(db, staff, "Second")
    async with db.read() as s:
        queue = await open_exceptions(s, staff.org)
    assert [(q.exception_id, q.reason) for q in queue] == [(first, "First"), (second, "Second")]
    assert all(q.session_number.startswith("SES-") and q.plate for q in queue)

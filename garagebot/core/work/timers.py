"""Timers: starting a step, pausing and stopping work, manual time entry, and
the minutes worked on a step.

A running timer is a ``TimeLog`` row without ``ended_at``. A person has at
most one: the service refuses a second one naming the running step, and the
partial unique index ``uq_time_log_one_running`` settles a race between two
concurrent starts (the loser gets the same refusal).

``pause_timer`` is a break: when no timer runs on the job card any more, the
card is PAUSED (and resumes with the next start). ``stop_timer`` ends the
person's work on the step without pausing the card (handing over, switching).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.core.enums import JobCardStatus, StepStatus
from garagebot.core.errors import Conflict, InvalidInput, InvalidTransition, PermissionDenied
from garagebot.core.ids import OrgId, StepId, UserId
from garagebot.core.models import JobCard, Step, TimeLog, User
from garagebot.core.uow import UnitOfWork
from garagebot.core.work import lifecycle
from garagebot.core.work.assignment import record_assignment, soft_problems
from garagebot.core.work.machines import JobCardEvent, StepEvent
from garagebot.core.work.steps import require_startable

MAX_MANUAL_MINUTES = 24 * 60


async def _running_step(uow: UnitOfWork, user_id: int) -> Step | None:
    stmt = (
        select(Step)
        .join(TimeLog, TimeLog.step_id == Step.id)
        .where(TimeLog.organization_id == uow.org_id, TimeLog.user_id == user_id,
               TimeLog.ended_at.is_(None))
    )
    return (await uow.session.execute(stmt)).scalars().first()


def _already_running(step: Step) -> Conflict:
    return Conflict("error.timer_already_running", step=step.id, step_name=step.name_en,
                    step_name_ar=step.name_ar)


async def _insert_running_log(uow: UnitOfWork, step: Step, user: User) -> TimeLog:
    running = await _running_step(uow, user.id)
    if running is not None:
        raise _already_running(running)
    log = TimeLog(organization_id=uow.org_id, step_id=step.id, user_id=user.id,
                  started_at=uow.now, ended_at=None, manual=False)
    try:
        # A savepoint, so that losing the race leaves the transaction usable
        # for naming the winner's step (PostgreSQL aborts it otherwise).
        async with uow.session.begin_nested():
            uow.session.add(log)
            await uow.session.flush()
    except IntegrityError:
        running = await _running_step(uow, user.id)
        raise _already_running(running or step) from None
    return log


async def _check_start(uow: UnitOfWork, step: Step, user: User) -> list[str] | None:
    """Refuse a start that is out of sequence, delayed, or by someone who may
    not take the unassigned step; returns the overridden rules when the step
    is to be assigned to ``user`` (None when it already has an assignee)."""
    await require_startable(uow, step)
    if step.assignee_id is not None:
        return None
    problems = await soft_problems(uow, step, user)
    if problems and not lifecycle.is_supervisor(user):
        raise InvalidInput("error.assignee_lacks_skill" if "lacks_skill" in problems
                           else "error.assignee_unavailable",
                           user=user.id, skill=step.required_skill)
    return problems


async def start_timer(uow: UnitOfWork, step_id: StepId) -> int:
    """Start the acting person's timer on the step; returns the time log id.

    A step NOT_STARTED starts (sequencing and delay checked; an unassigned
    step is assigned to the person if they qualify); a step IN_PROGRESS just
    gets the timer running again. The job card goes PENDING → IN_PROGRESS or
    PAUSED → IN_PROGRESS. The session's status is left alone."""
    await lifecycle.require_floor_user(uow)
    step = await uow.get(Step, step_id, lock=True)
    user = await lifecycle.require_worker(uow, step)
    card = await lifecycle.open_card_of(uow, step)
    await lifecycle.require_workable_session(uow, step.session_id)
    status = StepStatus(step.status)
    if status not in (StepStatus.NOT_STARTED, StepStatus.IN_PROGRESS):
        raise InvalidTransition("error.step_transition", step=step.id, status=step.status,
                                event=StepEvent.START.value)
    to_assign = await _check_start(uow, step, user) if status is StepStatus.NOT_STARTED else None
    # The timer row goes in before the first audit entry (see lifecycle's lock order).
    log = await _insert_running_log(uow, step, user)
    if to_assign is not None:
        await record_assignment(uow, step, user, to_assign)
    if status is StepStatus.NOT_STARTED:
        await lifecycle.move_step(uow, step, StepEvent.START)
    if card.status == JobCardStatus.PENDING:
        await lifecycle.move_job_card(uow, card, JobCardEvent.START)
    elif card.status == JobCardStatus.PAUSED:
        await lifecycle.move_job_card(uow, card, JobCardEvent.RESUME)
    await uow.audit("time_log", log.id, "start", after={"step": step.id, "user": user.id,
                                                        "started_at": uow.now})
    uow.emit("timer.started", {"step_id": step.id, "user_id": user.id, "time_log_id": log.id})
    return log.id


# Starting a step and restarting its timer are one service.
start_step = start_timer


async def _end_own_timer(
    uow: UnitOfWork, step_id: StepId, action: str, *, pause_card: bool
) -> int:
    user = await lifecycle.require_floor_user(uow)
    # Lock order of every work service: step, job card, then other rows, all
    # before the first audit entry (which locks the garage's audit chain).
    step = await uow.get(Step, step_id, lock=True)
    card = await uow.get(JobCard, step.job_card_id, lock=True) if pause_card else None
    log = (await uow.session.execute(
        select(TimeLog).where(
            TimeLog.organization_id == uow.org_id, TimeLog.step_id == step.id,
            TimeLog.user_id == user.id, TimeLog.ended_at.is_(None),
        ).with_for_update()
    )).scalars().first()
    if log is None:
        raise InvalidTransition("error.no_running_timer", step=step.id)
    log.ended_at = uow.now
    minutes = int((uow.now - log.started_at).total_seconds() // 60)
    await uow.audit("time_log", log.id, action, after={"ended_at": uow.now, "minutes": minutes})
    uow.emit(f"timer.{action}", {"step_id": step.id, "user_id": user.id, "time_log_id": log.id,
                                  "minutes": minutes})
    if card is not None and card.status == JobCardStatus.IN_PROGRESS:
        await uow.session.flush()
        if not await lifecycle.running_timers_on_card(uow, card.id):
            await lifecycle.move_job_card(uow, card, JobCardEvent.PAUSE)
    return minutes


async def pause_timer(uow: UnitOfWork, step_id: StepId) -> int:
    """Pause the acting person's running timer on the step (a break); returns
    the minutes of the interval just ended. The job card is PAUSED when no
    timer runs on it any more."""
    return await _end_own_timer(uow, step_id, "paused", pause_card=True)


async def stop_timer(uow: UnitOfWork, step_id: StepId) -> int:
    """Stop the acting person's running timer on the step without pausing the
    job card; returns the minutes of the interval just ended."""
    return await _end_own_timer(uow, step_id, "stopped", pause_card=False)


async def add_manual_time(
    uow: UnitOfWork, step_id: StepId, minutes: int, *, user_id: UserId | None = None,
    ended_at: dt.datetime | None = None,
) -> int:
    """Record ``minutes`` of work typed in afterwards, ending at ``ended_at``
    (default now); returns the time log id. A lead may record time for
    someone else. Zero, negative or over a day is refused."""
    actor = await lifecycle.require_floor_user(uow)
    if minutes <= 0:
        raise InvalidInput("error.duration_not_positive", minutes=minutes)
    if minutes > MAX_MANUAL_MINUTES:
        raise InvalidInput("error.duration_too_long", minutes=minutes, max=MAX_MANUAL_MINUTES)
    end = ended_at or uow.now
    if end.tzinfo is None or end > uow.now:
        raise InvalidInput("error.time_in_future")
    step = await uow.get(Step, step_id)
    await lifecycle.open_card_of(uow, step, lock=False)
    person = actor
    if user_id is not None and user_id != actor.id:
        if not lifecycle.is_supervisor(actor):
            raise PermissionDenied("error.time_for_others_needs_lead")
        person = await uow.get(User, user_id)
    log = TimeLog(organization_id=uow.org_id, step_id=step.id, user_id=person.id,
                  started_at=end - dt.timedelta(minutes=minutes), ended_at=end, manual=True)
    uow.session.add(log)
    await uow.session.flush()
    await uow.audit("time_log", log.id, "manual", after={
        "step": step.id, "user": person.id, "minutes": minutes, "ended_at": end,
    })
    uow.emit("timer.manual", {"step_id": step.id, "user_id": person.id, "minutes": minutes})
    return log.id


async def worked_minutes(
    session: AsyncSession, org_id: OrgId, step_id: StepId, now: dt.datetime
) -> int:
    """Whole minutes worked on the step by everyone: closed logs plus running
    timers up to ``now``."""
    rows = (await session.execute(
        select(TimeLog.started_at, TimeLog.ended_at).where(
            TimeLog.organization_id == org_id, TimeLog.step_id == step_id
        )
    )).all()
    seconds = sum(((end or now) - start).total_seconds() for start, end in rows)
    return int(max(seconds, 0) // 60)

"""Shared moves of the work services: firing state-machine events with their
audit entry and outbox event, who may act on a step, and closing timers.

Every function here runs inside the caller's unit of work.

Lock order (PostgreSQL): every work service row-locks the step(s) first, then
the job card, then the session, then other rows (time logs, exceptions,
checklist items), and all of that before its first audit entry, which locks
the garage's audit chain until commit. Taking a row lock after the chain
could deadlock with a service that holds that row and waits for the chain.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import func, select, update

from garagebot.core.enums import JobCardStatus, Role, SessionStatus, StepStatus
from garagebot.core.errors import InvalidTransition, PermissionDenied
from garagebot.core.models import JobCard, RepairSession, Step, TimeLog, User
from garagebot.core.permissions import Permission, allowed
from garagebot.core.uow import UnitOfWork
from garagebot.core.work.machines import (
    CLOSED_JOB_CARD_STATUSES,
    FINISHED_STEP_STATUSES,
    WORKABLE_SESSION_STATUSES,
    JobCardEvent,
    StepEvent,
    next_job_card_status,
    next_step_status,
)


async def move_step(
    uow: UnitOfWork, step: Step, event: StepEvent, extra: Mapping[str, object] | None = None
) -> StepStatus:
    """Fire ``event`` on ``step``: new status, timestamps, audit entry (with
    ``extra`` facts such as a reason), outbox event."""
    before = step.status
    target = next_step_status(before, event, step_id=step.id)
    step.status = target.value
    if event is StepEvent.START and step.started_at is None:
        step.started_at = uow.now
    if target in FINISHED_STEP_STATUSES:
        step.finished_at = uow.now
    elif target is StepStatus.NOT_STARTED:
        step.finished_at = None
    await uow.audit("step", step.id, event.value, before={"status": before},
                    after={"status": target, **(extra or {})})
    uow.emit("step.status_changed", {
        "step_id": step.id, "job_card_id": step.job_card_id, "session_id": step.session_id,
        "from": before, "to": target, "event": event,
    })
    return target


async def move_job_card(
    uow: UnitOfWork, card: JobCard, event: JobCardEvent, extra: Mapping[str, object] | None = None
) -> JobCardStatus:
    """Fire ``event`` on ``card``: new status, audit entry, outbox event."""
    before = card.status
    target = next_job_card_status(before, event, job_card_id=card.id)
    card.status = target.value
    await uow.audit("job_card", card.id, event.value, before={"status": before},
                    after={"status": target, **(extra or {})})
    uow.emit("job_card.status_changed", {
        "job_card_id": card.id, "session_id": card.session_id, "from": before, "to": target,
        "event": event,
    })
    return target


def is_supervisor(user: User) -> bool:
    """Leads (and managers) may act on any step and override assignment rules."""
    return allowed(Role(user.role), Permission.OVERRIDE_ASSIGNMENT)


async def require_floor_user(uow: UnitOfWork) -> User:
    """The acting user, if their role works on the floor (system actors have no hands)."""
    user = await uow.require(Permission.WORK_STEP)
    if user is None:
        raise PermissionDenied("error.staff_only")
    return user


async def require_worker(uow: UnitOfWork, step: Step) -> User:
    """The acting user, if they may work on ``step``: its assignee, anyone when
    it is unassigned (the caller assigns it), or a supervisor."""
    user = await require_floor_user(uow)
    if step.assignee_id not in (None, user.id) and not is_supervisor(user):
        raise PermissionDenied("error.step_assigned_to_other", step=step.id)
    return user


async def open_card_of(uow: UnitOfWork, step: Step, *, lock: bool = True) -> JobCard:
    """The step's job card, refused when it is already completed or rejected."""
    card = await uow.get(JobCard, step.job_card_id, lock=lock)
    if JobCardStatus(card.status) in CLOSED_JOB_CARD_STATUSES:
        raise InvalidTransition("error.job_card_closed", job_card=card.id, status=card.status)
    return card


async def require_workable_session(uow: UnitOfWork, session_id: int) -> RepairSession:
    """The session, refused when its status does not allow work on the floor."""
    session = await uow.get(RepairSession, session_id)
    if SessionStatus(session.status) not in WORKABLE_SESSION_STATUSES:
        raise InvalidTransition(
            "error.session_not_workable", session=session.number, status=session.status,
            **{"@state": f"status.session.{session.status.lower()}"},  # its name, in the reader's language
        )
    return session


async def stop_step_timers(uow: UnitOfWork, step_id: int) -> int:
    """End every running timer on the step (anyone's); returns how many."""
    result = await uow.session.execute(
        update(TimeLog)
        .where(TimeLog.organization_id == uow.org_id, TimeLog.step_id == step_id,
               TimeLog.ended_at.is_(None))
        .values(ended_at=uow.now)
        .returning(TimeLog.id, TimeLog.user_id)
    )
    stopped = result.all()
    for log_id, user_id in stopped:
        await uow.audit("time_log", log_id, "stop", after={"ended_at": uow.now, "user": user_id})
    return len(stopped)


async def running_timers_on_card(uow: UnitOfWork, job_card_id: int) -> int:
    """How many timers run on any step of the job card."""
    stmt = (
        select(func.count())
        .select_from(TimeLog)
        .join(Step, Step.id == TimeLog.step_id)
        .where(TimeLog.organization_id == uow.org_id, Step.job_card_id == job_card_id,
               TimeLog.ended_at.is_(None))
    )
    return int((await uow.session.execute(stmt)).scalar_one())


async def card_steps(uow: UnitOfWork, job_card_id: int, *, lock: bool = False) -> list[Step]:
    """The job card's steps in position order (row-locked in that order with ``lock``)."""
    stmt = (
        select(Step)
        .where(Step.organization_id == uow.org_id, Step.job_card_id == job_card_id)
        .order_by(Step.position, Step.id)
    )
    if lock:
        stmt = stmt.with_for_update()
    return list((await uow.session.execute(stmt)).scalars())


async def announce_if_ready_for_review(uow: UnitOfWork, card: JobCard) -> bool:
    """Tell the leads (outbox event) when every step of the card is DONE or SKIPPED."""
    steps = await card_steps(uow, card.id)
    if any(StepStatus(s.status) not in FINISHED_STEP_STATUSES for s in steps):
        return False
    uow.emit("job_card.ready_for_review", {"job_card_id": card.id, "session_id": card.session_id})
    return True

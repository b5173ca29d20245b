"""The lead's final review of a job card, and moving the session on.

A card is reviewed once all its steps are DONE or SKIPPED. Approval
completes it; sending it back needs a reason and reopens the named steps (or
every DONE step) for rework: they return to NOT_STARTED with their checklist
unticked and their rework count raised. When every card of a session is
COMPLETED or REJECTED and the session is IN_PROGRESS, the session moves to
QA_CHECK through the repair module's status machine.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, update

from garagebot.core.enums import JobCardStatus, ReviewOutcome, SessionStatus, StepStatus
from garagebot.core.errors import InvalidInput, InvalidTransition
from garagebot.core.ids import JobCardId, SessionId, StepId
from garagebot.core.models import JobCard, RepairSession, Step, StepChecklistItem
from garagebot.core.normalize import clean_text
from garagebot.core.permissions import Permission
from garagebot.core.repair.sessions import change_status
from garagebot.core.uow import UnitOfWork
from garagebot.core.work import lifecycle
from garagebot.core.work.machines import (
    CLOSED_JOB_CARD_STATUSES,
    FINISHED_STEP_STATUSES,
    JobCardEvent,
    StepEvent,
)

MAX_REASON_CHARS = 2000


async def advance_session_if_reviewed(uow: UnitOfWork, session_id: int) -> bool:
    """Move an IN_PROGRESS session to QA_CHECK once each of its job cards is
    COMPLETED or REJECTED (and it has at least one completed). Returns whether it moved."""
    session = await uow.get(RepairSession, session_id)
    if session.status != SessionStatus.IN_PROGRESS:
        return False
    statuses = (await uow.session.execute(
        select(JobCard.status).where(JobCard.organization_id == uow.org_id,
                                     JobCard.session_id == session_id)
    )).scalars().all()
    if JobCardStatus.COMPLETED not in statuses or any(
        JobCardStatus(s) not in CLOSED_JOB_CARD_STATUSES for s in statuses
    ):
        return False
    await change_status(uow, SessionId(session_id), SessionStatus.QA_CHECK,
                        note="all job cards reviewed")
    return True


def _rework_targets(steps: list[Step], named: Sequence[StepId] | None, card_id: int) -> list[Step]:
    if not named:
        done = [s for s in steps if s.status == StepStatus.DONE]
        return done or steps
    by_id = {s.id: s for s in steps}
    unknown = [i for i in named if i not in by_id]
    if unknown:
        raise InvalidInput("error.step_not_in_job_card", step=unknown[0], job_card=card_id)
    return [by_id[i] for i in dict.fromkeys(named)]


async def _reopen(uow: UnitOfWork, step: Step, reason: str) -> None:
    await lifecycle.move_step(uow, step, StepEvent.REWORK, {"reason": reason})
    step.rework_count += 1
    step.delayed_until = None
    await uow.session.execute(
        update(StepChecklistItem)
        .where(StepChecklistItem.organization_id == uow.org_id,
               StepChecklistItem.step_id == step.id)
        .values(done=False, done_by_id=None, done_at=None)
    )


def _check_reviewable(
    card: JobCard, steps: list[Step], approve: bool, reason: str | None
) -> str | None:
    """The cleaned reason, once the card's steps are all finished and a send-back has a reason."""
    open_steps = [s for s in steps if StepStatus(s.status) not in FINISHED_STEP_STATUSES]
    if open_steps:
        raise InvalidTransition("error.job_card_has_open_steps", job_card=card.id,
                                open=len(open_steps))
    text = clean_text(reason) if reason else None
    if text and len(text) > MAX_REASON_CHARS:
        raise InvalidInput("error.comment_too_long", max=MAX_REASON_CHARS)
    if not approve and not text:
        raise InvalidInput("error.send_back_reason_required", job_card=card.id)
    return text


async def review_job_card(
    uow: UnitOfWork,
    job_card_id: JobCardId,
    approve: bool,
    reason: str | None = None,
    reopen_step_ids: Sequence[StepId] | None = None,
) -> None:
    """Approve a job card (→ COMPLETED; the session may move to QA_CHECK) or
    send it back with a reason, reopening ``reopen_step_ids`` (default: every
    DONE step) for rework. Only when all its steps are DONE or SKIPPED."""
    user = await uow.require(Permission.REVIEW_JOB)
    steps = await lifecycle.card_steps(uow, job_card_id, lock=True)
    card = await uow.get(JobCard, job_card_id, lock=True)
    if approve:  # the session may move on below
        await uow.get(RepairSession, card.session_id, lock=True)
    text = _check_reviewable(card, steps, approve, reason)
    targets = [] if approve else _rework_targets(steps, reopen_step_ids, card.id)
    event = JobCardEvent.APPROVE if approve else JobCardEvent.SEND_BACK
    outcome = ReviewOutcome.APPROVED if approve else ReviewOutcome.SENT_BACK
    await lifecycle.move_job_card(uow, card, event, {
        "outcome": outcome, "reason": text, "reopened": [s.id for s in targets],
    })
    card.reviewed_by_id = None if user is None else user.id
    card.reviewed_at, card.review_outcome, card.review_note = uow.now, outcome.value, text
    for step in targets:
        await _reopen(uow, step, text or "")
    uow.emit("job_card.reviewed", {
        "job_card_id": card.id, "session_id": card.session_id, "outcome": outcome,
        "reopened_step_ids": [s.id for s in targets],
        "assignees": sorted({s.assignee_id for s in targets if s.assignee_id is not None}),
    })
    if approve:
        await advance_session_if_reviewed(uow, card.session_id)

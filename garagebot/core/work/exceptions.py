"""Step exceptions: a failed or blocked step, flagged from the floor and
decided by a lead.

Flagging makes the step FAILED and stops its timers. The lead decides:
retry (the step goes back to NOT_STARTED, to be started again by a person),
skip (SKIPPED, a comment is required) or delay (NOT_STARTED, not startable
before ``delay_until``, which must be in the future).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from enum import StrEnum

from sqlalchemy import select

from garagebot.core.enums import ExceptionStatus
from garagebot.core.errors import InvalidInput, InvalidTransition
from garagebot.core.ids import ExceptionId, MediaId, StepId
from garagebot.core.models import MediaFile, Step, StepException
from garagebot.core.normalize import clean_text
from garagebot.core.permissions import Permission
from garagebot.core.uow import UnitOfWork
from garagebot.core.work import lifecycle
from garagebot.core.work.machines import StepEvent

MAX_TEXT_CHARS = 2000


class Decision(StrEnum):
    RETRY = "retry"
    SKIP = "skip"
    DELAY = "delay"


_OUTCOME = {
    Decision.RETRY: (StepEvent.RETRY, ExceptionStatus.RETRY),
    Decision.SKIP: (StepEvent.SKIP, ExceptionStatus.SKIPPED),
    Decision.DELAY: (StepEvent.DELAY, ExceptionStatus.DELAYED),
}


def _text(value: str | None, key: str) -> str:
    text = clean_text(value or "")
    if not text or len(text) > MAX_TEXT_CHARS:
        raise InvalidInput(key, max=MAX_TEXT_CHARS)
    return text


async def flag_exception(
    uow: UnitOfWork, step_id: StepId, reason: str, media_id: MediaId | None = None
) -> ExceptionId:
    """Report that a step failed or is blocked (with a reason and optionally a
    photo). The step becomes FAILED, its timers stop and the leads are told."""
    await lifecycle.require_floor_user(uow)
    step = await uow.get(Step, step_id, lock=True)
    user = await lifecycle.require_worker(uow, step)
    await lifecycle.open_card_of(uow, step, lock=False)
    text = _text(reason, "error.reason_required")
    if media_id is not None:
        await uow.get(MediaFile, media_id)
    await lifecycle.stop_step_timers(uow, step.id)
    await lifecycle.move_step(uow, step, StepEvent.FLAG, {"reason": text})
    row = StepException(
        organization_id=uow.org_id, step_id=step.id, raised_by_id=user.id, reason=text,
        media_id=media_id, status=ExceptionStatus.OPEN.value, created_at=uow.now,
    )
    uow.session.add(row)
    await uow.session.flush()
    await uow.audit("step_exception", row.id, "flag", after={
        "step": step.id, "reason": text, "media": media_id,
    })
    uow.emit("exception.flagged", {
        "exception_id": row.id, "step_id": step.id, "session_id": step.session_id,
        "job_card_id": step.job_card_id, "raised_by": user.id, "reason": text,
        "audience": "leads",
    })
    return ExceptionId(row.id)


def _parse(decision: str, comment: str | None, delay_until: dt.datetime | None,
           now: dt.datetime) -> tuple[Decision, str | None]:
    try:
        decision_v = Decision(decision)
    except ValueError as exc:
        raise InvalidInput("error.exception_decision_unknown", value=decision) from exc
    text = clean_text(comment) if comment else None
    if decision_v is Decision.SKIP:
        text = _text(text, "error.skip_comment_required")
    if text and len(text) > MAX_TEXT_CHARS:
        raise InvalidInput("error.comment_too_long", max=MAX_TEXT_CHARS)
    if decision_v is Decision.DELAY and (
        delay_until is None or delay_until.tzinfo is None or delay_until <= now
    ):
        raise InvalidInput("error.delay_not_in_future")
    return decision_v, text


async def decide_exception(
    uow: UnitOfWork,
    exception_id: ExceptionId,
    decision: str,
    comment: str | None = None,
    delay_until: dt.datetime | None = None,
) -> None:
    """A lead's decision on an open exception: ``retry``, ``skip`` (comment
    required) or ``delay`` (until a future time)."""
    await uow.require(Permission.DECIDE_EXCEPTION)
    decision_v, text = _parse(decision, comment, delay_until, uow.now)
    row = await uow.get(StepException, exception_id)
    step = await uow.get(Step, row.step_id, lock=True)
    card = await lifecycle.open_card_of(uow, step)
    # Locked (and re-read) only after the step: see the lock order in lifecycle.
    await uow.session.refresh(row, with_for_update=True)
    if row.status != ExceptionStatus.OPEN:
        raise InvalidTransition("error.exception_already_decided", exception=row.id,
                                status=row.status)
    event, status = _OUTCOME[decision_v]
    await lifecycle.move_step(uow, step, event, {"exception": row.id, "comment": text})
    step.delayed_until = delay_until if decision_v is Decision.DELAY else None
    row.status, row.comment, row.decided_at = status.value, text, uow.now
    row.decided_by_id = uow.actor.id
    row.delay_until = step.delayed_until
    await uow.audit("step_exception", row.id, "decide", before={"status": "OPEN"}, after={
        "status": status, "comment": text, "delay_until": row.delay_until,
    })
    uow.emit("exception.decided", {
        "exception_id": row.id, "step_id": step.id, "session_id": step.session_id,
        "decision": decision_v, "raised_by": row.raised_by_id,
    })
    if decision_v is Decision.SKIP:
        await lifecycle.announce_if_ready_for_review(uow, card)


async def close_open_exceptions(uow: UnitOfWork, step_ids: Sequence[int], comment: str) -> None:
    """Close the open exceptions of steps whose job was dropped (as skipped)."""
    rows = (await uow.session.execute(
        select(StepException).where(
            StepException.organization_id == uow.org_id,
            StepException.step_id.in_(list(step_ids)),
            StepException.status == ExceptionStatus.OPEN.value,
        )
    )).scalars().all()
    for row in rows:
        row.status, row.comment, row.decided_at = ExceptionStatus.SKIPPED.value, comment, uow.now
        row.decided_by_id = uow.actor.id
        await uow.audit("step_exception", row.id, "close", before={"status": "OPEN"},
                        after={"status": ExceptionStatus.SKIPPED, "comment": comment})

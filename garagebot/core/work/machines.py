"""The job card and step state machines: one transition table each.

A transition is looked up by (current status, event). Anything not in a
table is refused with ``InvalidTransition`` naming the entity, its status and
the event. Guards (sequencing, checklists, attachments, review) live in the
services that fire the events; the tables only say which moves exist.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from garagebot.core.enums import JobCardStatus, SessionStatus, StepStatus
from garagebot.core.errors import InvalidTransition


class StepEvent(StrEnum):
    START = "start"
    FINISH = "finish"
    FLAG = "flag"  # a failed or blocked step raises an exception
    RETRY = "retry"  # lead's decision: do it again
    SKIP = "skip"  # lead's decision: leave it out (comment required)
    DELAY = "delay"  # lead's decision: not before a given time
    REWORK = "rework"  # lead's review sent it back
    CANCEL = "cancel"  # its job card was rejected


S = StepStatus
STEP_TRANSITIONS: Mapping[tuple[StepStatus, StepEvent], StepStatus] = {
    (S.NOT_STARTED, StepEvent.START): S.IN_PROGRESS,
    (S.NOT_STARTED, StepEvent.FLAG): S.FAILED,
    (S.NOT_STARTED, StepEvent.CANCEL): S.SKIPPED,
    (S.IN_PROGRESS, StepEvent.FINISH): S.DONE,
    (S.IN_PROGRESS, StepEvent.FLAG): S.FAILED,
    (S.IN_PROGRESS, StepEvent.CANCEL): S.SKIPPED,
    # Retry and delay put the step back to NOT_STARTED rather than IN_PROGRESS:
    # work restarts when a person starts the timer again, which re-checks the
    # sequencing and the delay and records who works on it from when.
    (S.FAILED, StepEvent.RETRY): S.NOT_STARTED,
    (S.FAILED, StepEvent.DELAY): S.NOT_STARTED,
    (S.FAILED, StepEvent.SKIP): S.SKIPPED,
    (S.FAILED, StepEvent.CANCEL): S.SKIPPED,
    (S.DONE, StepEvent.REWORK): S.NOT_STARTED,
    (S.SKIPPED, StepEvent.REWORK): S.NOT_STARTED,
}


class JobCardEvent(StrEnum):
    START = "start"  # the first step started
    PAUSE = "pause"  # the last running timer on the card was paused
    RESUME = "resume"  # a timer started again on a paused card
    APPROVE = "approve"  # lead's review: all good
    SEND_BACK = "send_back"  # lead's review: rework (the card stays open as it is)
    REJECT = "reject"  # the job is dropped


J = JobCardStatus
JOB_CARD_TRANSITIONS: Mapping[tuple[JobCardStatus, JobCardEvent], JobCardStatus] = {
    (J.PENDING, JobCardEvent.START): J.IN_PROGRESS,
    (J.IN_PROGRESS, JobCardEvent.PAUSE): J.PAUSED,
    (J.PAUSED, JobCardEvent.RESUME): J.IN_PROGRESS,
    # A card whose steps were all skipped never started; it is still reviewed.
    (J.PENDING, JobCardEvent.APPROVE): J.COMPLETED,
    (J.IN_PROGRESS, JobCardEvent.APPROVE): J.COMPLETED,
    (J.PAUSED, JobCardEvent.APPROVE): J.COMPLETED,
    (J.PENDING, JobCardEvent.SEND_BACK): J.PENDING,
    (J.IN_PROGRESS, JobCardEvent.SEND_BACK): J.IN_PROGRESS,
    (J.PAUSED, JobCardEvent.SEND_BACK): J.PAUSED,
    (J.PENDING, JobCardEvent.REJECT): J.REJECTED,
    (J.IN_PROGRESS, JobCardEvent.REJECT): J.REJECTED,
    (J.PAUSED, JobCardEvent.REJECT): J.REJECTED,
}

OPEN_STEP_STATUSES = frozenset({S.NOT_STARTED, S.IN_PROGRESS, S.FAILED})
FINISHED_STEP_STATUSES = frozenset({S.DONE, S.SKIPPED})
CLOSED_JOB_CARD_STATUSES = frozenset({J.COMPLETED, J.REJECTED})

# Session statuses in which the floor may work on steps. Diagnosis happens
# before approval, and work may go on while some parts are awaited.
WORKABLE_SESSION_STATUSES = frozenset({
    SessionStatus.NEW,
    SessionStatus.DIAGNOSING,
    SessionStatus.AWAITING_CLIENT_APPROVAL,
    SessionStatus.AWAITING_PARTS,
    SessionStatus.IN_PROGRESS,
})
# Session statuses in which job cards may still be added (planning may also
# happen while the car is on hold).
PLANNABLE_SESSION_STATUSES = WORKABLE_SESSION_STATUSES | {SessionStatus.ON_HOLD}


def next_step_status(current: str, event: StepEvent, *, step_id: int) -> StepStatus:
    """The step's status after ``event``, or InvalidTransition."""
    target = STEP_TRANSITIONS.get((StepStatus(current), event))
    if target is None:
        raise InvalidTransition(
            "error.step_transition", step=step_id, status=current, event=event.value
        )
    return target


def next_job_card_status(current: str, event: JobCardEvent, *, job_card_id: int) -> JobCardStatus:
    """The job card's status after ``event``, or InvalidTransition."""
    target = JOB_CARD_TRANSITIONS.get((JobCardStatus(current), event))
    if target is None:
        raise InvalidTransition(
            "error.job_card_transition", job_card=job_card_id, status=current, event=event.value
        )
    return target

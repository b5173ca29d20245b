"""The job card and step transition tables."""

from __future__ import annotations

import pytest

from garagebot.core.enums import JobCardStatus, StepStatus
from garagebot.core.errors import InvalidTransition
from garagebot.core.work.machines import (
    JOB_CARD_TRANSITIONS,
    STEP_TRANSITIONS,
    JobCardEvent,
    StepEvent,
    next_job_card_status,
    next_step_status,
)


def test_a_job_card_completes_only_through_the_leads_approval() -> None:
    into_completed = {event for (_, event), to in JOB_CARD_TRANSITIONS.items()
                      if to is JobCardStatus.COMPLETED}
    assert into_completed == {JobCardEvent.APPROVE}


def test_completed_and_rejected_cards_and_done_steps_only_leave_by_review() -> None:
    for closed in (JobCardStatus.COMPLETED, JobCardStatus.REJECTED):
        assert [k for k in JOB_CARD_TRANSITIONS if k[0] is closed] == []
    assert {e for (s, e) in STEP_TRANSITIONS if s is StepStatus.DONE} == {StepEvent.REWORK}


def test_the_card_goes_pending_in_progress_paused_and_back() -> None:
    status = JobCardStatus.PENDING
    for event, expected in [(JobCardEvent.START, JobCardStatus.IN_PROGRESS),
                            (JobCardEvent.PAUSE, JobCardStatus.PAUSED),
                            (JobCardEvent.RESUME, JobCardStatus.IN_PROGRESS),
                            (JobCardEvent.APPROVE, JobCardStatus.COMPLETED)]:
        status = next_job_card_status(status, event, job_card_id=1)
        assert status is expected


@pytest.mark.parametrize(
    ("status", "event"),
    [(StepStatus.NOT_STARTED, StepEvent.FINISH), (StepStatus.DONE, StepEvent.START),
     (StepStatus.IN_PROGRESS, StepEvent.SKIP), (StepStatus.SKIPPED, StepEvent.FLAG),
     (StepStatus.FAILED, StepEvent.FINISH)],
)
def test_a_forbidden_step_move_names_the_step_status_and_event(
    status: StepStatus, event: StepEvent
) -> None:
    with pytest.raises(InvalidTransition) as err:
        next_step_status(status, event, step_id=7)
    assert (err.value.key, err.value.params) == (
        "error.step_transition", {"step": 7, "status": status.value, "event": event.value})


def test_a_forbidden_card_move_is_refused_with_a_key() -> None:
    with pytest.raises(InvalidTransition) as err:
        next_job_card_status(JobCardStatus.PAUSED, JobCardEvent.START, job_card_id=3)
    assert err.value.key == "error.job_card_transition"

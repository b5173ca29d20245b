"""The lead's final review, rework, and the session moving on to QA_CHECK."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from garagebot.core.enums import JobCardStatus, ReviewOutcome, SessionStatus, StepStatus
from garagebot.core.errors import InvalidInput, InvalidTransition, PermissionDenied
from garagebot.core.ids import StepId
from garagebot.core.models import JobCard, RepairSession, StepChecklistItem
from garagebot.core.uow import Database
from garagebot.core.work.jobcards import reject_job_card
from garagebot.core.work.review import review_job_card
from garagebot.core.work.steps import complete_step, tick_checklist_item
from garagebot.core.work.timers import start_step
from tests.conftest import Staff
from tests.core.work.helpers import (
    Card,
    audit_actions,
    checked_step,
    get_step,
    make_card,
    outbox_topics,
    simple_steps,
)


async def _finish_all(db: Database, staff: Staff, card: Card) -> None:
    for step_id in card.step_ids:
        async with db.unit_of_work(staff.tech) as uow:
            await start_step(uow, step_id)
        async with db.read() as s:
            items = (await s.scalars(select(StepChecklistItem.id).where(
                StepChecklistItem.step_id == step_id))).all()
        async with db.unit_of_work(staff.tech) as uow:
            for item in items:
                await tick_checklist_item(uow, item)
            await complete_step(uow, step_id)


async def _card(db: Database, card_id: int) -> JobCard:
    async with db.read() as s:
        row = await s.get(JobCard, card_id)
        assert row is not None
        return row


async def _session_status(db: Database, session_id: int) -> str:
    async with db.read() as s:
        row = await s.get(RepairSession, session_id)
        assert row is not None
        return row.status


async def test_a_card_with_open_steps_cannot_be_reviewed(db: Database, staff: Staff) -> None:
    card = await make_card(db, staff.lead, simple_steps(2))
    async with db.unit_of_work(staff.tech) as uow:
        await start_step(uow, card.step_ids[0])
        await complete_step(uow, card.step_ids[0])
    with pytest.raises(InvalidTransition) as err:
        async with db.unit_of_work(staff.lead) as uow:
            await review_job_card(uow, card.job_card_id, approve=True)
    assert (err.value.key, err.value.params) == (
        "error.job_card_has_open_steps", {"job_card": card.job_card_id, "open": 1})
    assert (await _card(db, card.job_card_id)).status == JobCardStatus.IN_PROGRESS


async def test_approving_the_last_card_completes_it_and_moves_the_session_to_qa(
    db: Database, staff: Staff
) -> None:
    first = await make_card(db, staff.lead, simple_steps(1))
    second = await make_card(db, staff.lead, simple_steps(1), session_id=first.session_id)
    dropped = await make_card(db, staff.lead, simple_steps(1), session_id=first.session_id)
    await _finish_all(db, staff, first)
    await _finish_all(db, staff, second)
    async with db.unit_of_work(staff.lead) as uow:
        await review_job_card(uow, first.job_card_id, approve=True)
    reviewed = await _card(db, first.job_card_id)
    assert (reviewed.status, reviewed.review_outcome, reviewed.reviewed_by_id) == (
        JobCardStatus.COMPLETED, ReviewOutcome.APPROVED, staff.id(staff.lead))
    # One card is still open: the session stays in progress.
    assert await _session_status(db, first.session_id) == SessionStatus.IN_PROGRESS
    async with db.unit_of_work(staff.advisor) as uow:
        await reject_job_card(uow, dropped.job_card_id, "Client declined")
    assert await _session_status(db, first.session_id) == SessionStatus.IN_PROGRESS
    async with db.unit_of_work(staff.lead) as uow:
        await review_job_card(uow, second.job_card_id, approve=True, reason="Clean work")
    assert await _session_status(db, first.session_id) == SessionStatus.QA_CHECK
    assert await audit_actions(db, staff.org, "job_card", second.job_card_id) == [
        "create", "start", "approve"]
    topics = await outbox_topics(db, staff.org)
    assert topics.count("job_card.reviewed") == 2
    assert "session.status_changed" in topics


async def test_a_session_whose_cards_were_all_rejected_does_not_go_to_qa(
    db: Database, staff: Staff
) -> None:
    card = await make_card(db, staff.lead, simple_steps(1))
    async with db.unit_of_work(staff.advisor) as uow:
        await reject_job_card(uow, card.job_card_id, "Not needed")
    assert await _session_status(db, card.session_id) == SessionStatus.IN_PROGRESS


async def test_sending_back_reopens_the_named_steps_for_rework(db: Database, staff: Staff) -> None:
    card = await make_card(db, staff.lead, [checked_step("Bleed brakes", items=2),
                                            checked_step("Road test", items=1)])
    await _finish_all(db, staff, card)
    with pytest.raises(InvalidInput) as no_reason:
        async with db.unit_of_work(staff.lead) as uow:
            await review_job_card(uow, card.job_card_id, approve=False)
    assert no_reason.value.key == "error.send_back_reason_required"
    with pytest.raises(InvalidInput) as stranger:
        async with db.unit_of_work(staff.lead) as uow:
            await review_job_card(uow, card.job_card_id, approve=False, reason="Soft pedal",
                                  reopen_step_ids=[StepId(999_999_999)])
    assert stranger.value.key == "error.step_not_in_job_card"
    async with db.unit_of_work(staff.lead) as uow:
        await review_job_card(uow, card.job_card_id, approve=False, reason="Soft pedal",
                              reopen_step_ids=[card.step_ids[0]])
    bleed, road = [await get_step(db, i) for i in card.step_ids]
    assert (bleed.status, bleed.rework_count, bleed.finished_at) == (StepStatus.NOT_STARTED, 1, None)
    assert (road.status, road.rework_count) == (StepStatus.DONE, 0)
    async with db.read() as s:
        ticks = (await s.scalars(select(StepChecklistItem.done).where(
            StepChecklistItem.step_id == bleed.id))).all()
    assert ticks == [False, False]
    sent_back = await _card(db, card.job_card_id)
    assert (sent_back.status, sent_back.review_outcome, sent_back.review_note) == (
        JobCardStatus.IN_PROGRESS, ReviewOutcome.SENT_BACK, "Soft pedal")
    assert await audit_actions(db, staff.org, "step", bleed.id) == [
        "assign", "start", "finish", "rework"]
    # Rework done: review again, and the rework count stays on record.
    await _finish_all(db, staff, Card(card.session_id, card.job_card_id, [card.step_ids[0]]))
    async with db.unit_of_work(staff.lead) as uow:
        await review_job_card(uow, card.job_card_id, approve=True)
    assert (await _card(db, card.job_card_id)).status == JobCardStatus.COMPLETED
    assert (await get_step(db, card.step_ids[0])).rework_count == 1


async def test_sending_back_without_naming_steps_reopens_every_done_step(
    db: Database, staff: Staff
) -> None:
    card = await make_card(db, staff.lead, simple_steps(3))
    await _finish_all(db, staff, card)
    async with db.unit_of_work(staff.lead) as uow:
        await review_job_card(uow, card.job_card_id, approve=False, reason="Redo all")
    steps = [await get_step(db, i) for i in card.step_ids]
    assert [(s.status, s.rework_count) for s in steps] == [(StepStatus.NOT_STARTED, 1)] * 3


async def test_only_leads_review_and_a_completed_card_is_closed(db: Database, staff: Staff) -> None:
    card = await make_card(db, staff.lead, simple_steps(1))
    await _finish_all(db, staff, card)
    for actor in (staff.tech, staff.advisor):
        with pytest.raises(PermissionDenied):
            async with db.unit_of_work(actor) as uow:
                await review_job_card(uow, card.job_card_id, approve=True)
    async with db.unit_of_work(staff.lead) as uow:
        await review_job_card(uow, card.job_card_id, approve=True)
    with pytest.raises(InvalidTransition) as again:
        async with db.unit_of_work(staff.lead) as uow:
            await review_job_card(uow, card.job_card_id, approve=False, reason="Oops")
    assert again.value.key == "error.job_card_transition"
    with pytest.raises(InvalidTransition) as closed:
        async with db.unit_of_work(staff.lead) as uow:
            await start_step(uow, card.step_ids[0])
    assert closed.value.key == "error.job_card_closed"

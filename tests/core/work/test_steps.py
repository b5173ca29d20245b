"""Step sequencing, checklists, required attachments, notes."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from garagebot.core.enums import JobCardStatus, SessionStatus, StepStatus
from garagebot.core.errors import InvalidInput, InvalidTransition, PermissionDenied
from garagebot.core.models import JobCard, RepairSession, StepChecklistItem, StepNote
from garagebot.core.uow import Database
from garagebot.core.work.assignment import assign_step
from garagebot.core.work.media import attach_media
from garagebot.core.work.steps import add_step_note, complete_step, tick_checklist_item
from garagebot.core.work.templates import StepSpec
from garagebot.core.work.timers import start_step
from tests.conftest import Staff
from tests.core.work.helpers import (
    audit_actions,
    checked_step,
    count_rows,
    get_step,
    make_card,
    outbox_topics,
    simple_steps,
)
from tests.fakes import MemoryFileStorage


async def _items(db: Database, step_id: int) -> list[int]:
    async with db.read() as s:
        return list((await s.scalars(select(StepChecklistItem.id).where(
            StepChecklistItem.step_id == step_id).order_by(StepChecklistItem.position))).all())


async def test_a_step_waits_for_earlier_steps_but_not_for_its_parallel_group(
    db: Database, staff: Staff
) -> None:
    card = await make_card(db, staff.lead, [
        StepSpec("Lift", "رفع"),
        StepSpec("Left pads", "فحمات يسار", parallel_group=1),
        StepSpec("Right pads", "فحمات يمين", parallel_group=1),
        StepSpec("Lower", "إنزال"),
    ])
    lift, left, right, lower = card.step_ids
    with pytest.raises(InvalidTransition) as blocked:
        async with db.unit_of_work(staff.tech) as uow:
            await start_step(uow, left)
    assert blocked.value.key == "error.step_waiting_for_earlier"
    assert blocked.value.params["blocking_step"] == lift
    async with db.unit_of_work(staff.tech) as uow:
        await start_step(uow, lift)
        await complete_step(uow, lift)
        await start_step(uow, left)
    # The other half of the parallel group starts while the first still runs.
    async with db.unit_of_work(staff.tech2) as uow:
        await start_step(uow, right)
    with pytest.raises(InvalidTransition) as waits:
        async with db.unit_of_work(staff.lead) as uow:
            await start_step(uow, lower)
    assert waits.value.params["blocking_step"] == left
    assert (await get_step(db, lower)).status == StepStatus.NOT_STARTED
    assert [(await get_step(db, i)).status for i in (lift, left, right)] == [
        StepStatus.DONE, StepStatus.IN_PROGRESS, StepStatus.IN_PROGRESS]


async def test_done_is_refused_until_every_checklist_item_is_ticked(
    db: Database, staff: Staff
) -> None:
    card = await make_card(db, staff.lead, [checked_step(items=3)])
    step_id = card.step_ids[0]
    items = await _items(db, step_id)
    async with db.unit_of_work(staff.tech) as uow:
        await start_step(uow, step_id)
        await tick_checklist_item(uow, items[0])
        await tick_checklist_item(uow, items[0])  # a double tap changes nothing
    with pytest.raises(InvalidTransition) as err:
        async with db.unit_of_work(staff.tech) as uow:
            await complete_step(uow, step_id)
    assert (err.value.key, err.value.params) == (
        "error.step_checklist_incomplete", {"step": step_id, "missing": 2})
    assert (await get_step(db, step_id)).status == StepStatus.IN_PROGRESS
    async with db.unit_of_work(staff.tech) as uow:
        for item in items[1:]:
            await tick_checklist_item(uow, item)
        await complete_step(uow, step_id)
    done = await get_step(db, step_id)
    assert done.status == StepStatus.DONE
    assert done.finished_at is not None
    assert await audit_actions(db, staff.org, "step_checklist_item", items[0]) == ["tick"]
    topics = await outbox_topics(db, staff.org)
    assert topics.count("step.checklist_ticked") == 3
    assert "job_card.ready_for_review" in topics


async def test_done_is_refused_while_required_attachments_are_missing(
    db: Database, staff: Staff, storage: MemoryFileStorage
) -> None:
    card = await make_card(db, staff.lead, [checked_step(items=0, attachments=2)])
    step_id = card.step_ids[0]
    async with db.unit_of_work(staff.tech) as uow:
        await start_step(uow, step_id)
        await attach_media(uow, storage, step_id=step_id, kind="photo",
                           content_type="image/jpeg", data=b"\xff\xd8one")
    with pytest.raises(InvalidTransition) as err:
        async with db.unit_of_work(staff.tech) as uow:
            await complete_step(uow, step_id)
    assert err.value.key == "error.step_attachments_missing"
    assert err.value.params == {"step": step_id, "required": 2, "attached": 1, "missing": 1}
    async with db.unit_of_work(staff.tech) as uow:
        await attach_media(uow, storage, step_id=step_id, kind="photo",
                           content_type="image/jpeg", data=b"\xff\xd8two")
        await complete_step(uow, step_id)
    assert (await get_step(db, step_id)).status == StepStatus.DONE


async def test_checklist_items_are_ticked_only_on_a_step_in_progress_by_its_worker(
    db: Database, staff: Staff
) -> None:
    card = await make_card(db, staff.lead, [checked_step(items=1)])
    step_id = card.step_ids[0]
    item = (await _items(db, step_id))[0]
    with pytest.raises(InvalidTransition) as not_started:
        async with db.unit_of_work(staff.tech) as uow:
            await tick_checklist_item(uow, item)
    assert not_started.value.key == "error.checklist_step_not_in_progress"
    async with db.unit_of_work(staff.advisor) as uow:
        await assign_step(uow, step_id, staff.id(staff.tech))
    with pytest.raises(PermissionDenied) as other:
        async with db.unit_of_work(staff.tech2) as uow:
            await tick_checklist_item(uow, item)
    assert other.value.key == "error.step_assigned_to_other"
    async with db.read() as s:
        row = await s.get(StepChecklistItem, item)
    assert row is not None
    assert not row.done


async def test_a_step_cannot_finish_twice_nor_before_it_starts(db: Database, staff: Staff) -> None:
    card = await make_card(db, staff.lead, simple_steps(1))
    step_id = card.step_ids[0]
    with pytest.raises(InvalidTransition) as early:
        async with db.unit_of_work(staff.tech) as uow:
            await complete_step(uow, step_id)
    assert early.value.params == {"step": step_id, "status": "NOT_STARTED", "event": "finish"}
    async with db.unit_of_work(staff.tech) as uow:
        await start_step(uow, step_id)
        await complete_step(uow, step_id)
    with pytest.raises(InvalidTransition):
        async with db.unit_of_work(staff.tech) as uow:
            await complete_step(uow, step_id)
    with pytest.raises(InvalidTransition) as restart:
        async with db.unit_of_work(staff.tech) as uow:
            await start_step(uow, step_id)
    assert restart.value.params["status"] == "DONE"
    assert await audit_actions(db, staff.org, "step", step_id) == ["assign", "start", "finish"]


async def test_notes_are_kept_in_order_and_empty_notes_refused(db: Database, staff: Staff) -> None:
    card = await make_card(db, staff.lead, simple_steps(1))
    step_id = card.step_ids[0]
    async with db.unit_of_work(staff.tech) as uow:
        first = await add_step_note(uow, step_id, "Oil was black")
    async with db.unit_of_work(staff.assistant) as uow:
        await add_step_note(uow, step_id, "\u202eالفلتر مسدود")  # bidi override stripped
    with pytest.raises(InvalidInput) as empty:
        async with db.unit_of_work(staff.tech) as uow:
            await add_step_note(uow, step_id, "   ")
    assert empty.value.key == "error.note_text_invalid"
    with pytest.raises(PermissionDenied):
        async with db.unit_of_work(staff.accountant) as uow:
            await add_step_note(uow, step_id, "Invoice?")
    async with db.read() as s:
        notes = (await s.scalars(select(StepNote.text).where(StepNote.step_id == step_id)
                                 .order_by(StepNote.id))).all()
    assert notes == ["Oil was black", "الفلتر مسدود"]
    assert await audit_actions(db, staff.org, "step_note", first) == ["create"]
    assert await count_rows(db, StepNote, staff.org) == 2


async def test_work_is_refused_while_the_session_is_on_hold(db: Database, staff: Staff) -> None:
    card = await make_card(db, staff.lead, simple_steps(1), status=SessionStatus.ON_HOLD)
    with pytest.raises(InvalidTransition) as held:
        async with db.unit_of_work(staff.tech) as uow:
            await start_step(uow, card.step_ids[0])
    assert held.value.key == "error.session_not_workable"
    async with db.read() as s:
        job = await s.get(JobCard, card.job_card_id)
    assert job is not None
    assert job.status == JobCardStatus.PENDING


async def test_work_may_start_during_diagnosis_and_leaves_the_session_alone(
    db: Database, staff: Staff
) -> None:
    card = await make_card(db, staff.lead, simple_steps(1), status=SessionStatus.DIAGNOSING)
    async with db.unit_of_work(staff.tech) as uow:
        await start_step(uow, card.step_ids[0])
    async with db.read() as s:
        session = await s.get(RepairSession, card.session_id)
    assert session is not None
    assert session.status == SessionStatus.DIAGNOSING

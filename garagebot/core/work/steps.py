"""Steps: when one may start, finishing one (checklist and attachments
enforced), ticking checklist items and adding notes.

Starting a step is ``timers.start_step`` (it starts the person's timer too).
"""

from __future__ import annotations

from sqlalchemy import func, select

from garagebot.core.enums import StepStatus
from garagebot.core.errors import InvalidInput, InvalidTransition
from garagebot.core.ids import StepId
from garagebot.core.models import MediaFile, Step, StepChecklistItem, StepNote
from garagebot.core.normalize import clean_text
from garagebot.core.uow import UnitOfWork
from garagebot.core.work import lifecycle
from garagebot.core.work.machines import FINISHED_STEP_STATUSES, StepEvent

MAX_NOTE_CHARS = 4000


async def require_startable(uow: UnitOfWork, step: Step) -> None:
    """Refuse to start ``step`` while it is delayed, or while an earlier step of
    its job card (lower position, not in its parallel group) is not DONE or
    SKIPPED. The error names the first blocking step."""
    if step.delayed_until is not None and step.delayed_until > uow.now:
        raise InvalidTransition("error.step_delayed", step=step.id,
                                until=step.delayed_until.isoformat())
    stmt = (
        select(Step.id, Step.name_en, Step.name_ar)
        .where(
            Step.organization_id == uow.org_id,
            Step.job_card_id == step.job_card_id,
            Step.position < step.position,
            Step.status.not_in([s.value for s in FINISHED_STEP_STATUSES]),
        )
        .order_by(Step.position)
    )
    if step.parallel_group is not None:
        stmt = stmt.where(
            (Step.parallel_group.is_(None)) | (Step.parallel_group != step.parallel_group)
        )
    blocker = (await uow.session.execute(stmt)).first()
    if blocker is not None:
        raise InvalidTransition("error.step_waiting_for_earlier", step=step.id,
                                blocking_step=blocker.id, blocking_name=blocker.name_en,
                                blocking_name_ar=blocker.name_ar)


async def _missing_evidence(uow: UnitOfWork, step: Step) -> None:
    unticked = (await uow.session.execute(
        select(func.count()).select_from(StepChecklistItem).where(
            StepChecklistItem.organization_id == uow.org_id,
            StepChecklistItem.step_id == step.id,
            StepChecklistItem.done.is_(False),
        )
    )).scalar_one()
    if unticked:
        raise InvalidTransition("error.step_checklist_incomplete", step=step.id,
                                missing=int(unticked))
    if step.required_attachments:
        attached = int((await uow.session.execute(
            select(func.count()).select_from(MediaFile).where(
                MediaFile.organization_id == uow.org_id, MediaFile.step_id == step.id
            )
        )).scalar_one())
        if attached < step.required_attachments:
            raise InvalidTransition("error.step_attachments_missing", step=step.id,
                                    required=step.required_attachments, attached=attached,
                                    missing=step.required_attachments - attached)


async def complete_step(uow: UnitOfWork, step_id: StepId) -> None:
    """Mark a step DONE. Refused while a checklist item is unticked or fewer
    than the required attachments are attached. Running timers on it stop;
    when it was the card's last open step, the leads are told it awaits review."""
    await lifecycle.require_floor_user(uow)
    step = await uow.get(Step, step_id, lock=True)
    await lifecycle.require_worker(uow, step)
    card = await lifecycle.open_card_of(uow, step)
    if StepStatus(step.status) is not StepStatus.IN_PROGRESS:
        raise InvalidTransition("error.step_transition", step=step.id, status=step.status,
                                event=StepEvent.FINISH.value)
    await _missing_evidence(uow, step)
    await lifecycle.stop_step_timers(uow, step.id)
    await lifecycle.move_step(uow, step, StepEvent.FINISH)
    await lifecycle.announce_if_ready_for_review(uow, card)


async def tick_checklist_item(uow: UnitOfWork, item_id: int, done: bool = True) -> None:
    """Tick (or untick) a checklist item of a step in progress."""
    await lifecycle.require_floor_user(uow)
    item = await uow.get(StepChecklistItem, item_id)
    step = await uow.get(Step, item.step_id, lock=True)
    user = await lifecycle.require_worker(uow, step)
    await lifecycle.open_card_of(uow, step, lock=False)
    await uow.session.refresh(item, with_for_update=True)
    if StepStatus(step.status) is not StepStatus.IN_PROGRESS:
        raise InvalidTransition("error.checklist_step_not_in_progress", step=step.id,
                                status=step.status)
    if item.done == done:
        return  # ticking twice (a double tap) changes nothing
    before = {"done": item.done}
    item.done = done
    item.done_by_id = user.id if done else None
    item.done_at = uow.now if done else None
    await uow.audit("step_checklist_item", item.id, "tick" if done else "untick",
                    before=before, after={"done": done, "step": step.id})
    uow.emit("step.checklist_ticked", {"step_id": step.id, "item_id": item.id, "done": done})


async def add_step_note(uow: UnitOfWork, step_id: StepId, text: str) -> int:
    """Add a remark to a step; returns the note's id. Anyone on the floor may
    comment on any step of the garage (a helper's hint is welcome)."""
    user = await lifecycle.require_floor_user(uow)
    step = await uow.get(Step, step_id)
    text = clean_text(text)
    if not text or len(text) > MAX_NOTE_CHARS:
        raise InvalidInput("error.note_text_invalid", max=MAX_NOTE_CHARS)
    note = StepNote(organization_id=uow.org_id, step_id=step.id, author_id=user.id, text=text,
                    created_at=uow.now)
    uow.session.add(note)
    await uow.session.flush()
    await uow.audit("step_note", note.id, "create", after={"step": step.id, "text": text})
    uow.emit("step.note_added", {"step_id": step.id, "note_id": note.id, "author_id": user.id})
    return note.id

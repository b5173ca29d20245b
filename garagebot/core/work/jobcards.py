"""Job cards: one job within a repair session, with its steps and checklists.

A card is made from a service template (its steps and checklist items are
copied) or directly from a list of steps. Cards are rejected here; they are
completed only through the lead's review (``review``).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select

from garagebot.core.enums import SessionStatus, StepStatus
from garagebot.core.errors import InvalidInput, InvalidTransition
from garagebot.core.ids import JobCardId, SessionId, TemplateId
from garagebot.core.models import (
    JobCard,
    RepairSession,
    ServiceTemplate,
    Step,
    StepChecklistItem,
)
from garagebot.core.normalize import clean_text
from garagebot.core.permissions import Permission
from garagebot.core.uow import UnitOfWork
from garagebot.core.work import lifecycle
from garagebot.core.work.exceptions import close_open_exceptions
from garagebot.core.work.machines import (
    OPEN_STEP_STATUSES,
    PLANNABLE_SESSION_STATUSES,
    JobCardEvent,
    StepEvent,
)
from garagebot.core.work.review import advance_session_if_reviewed
from garagebot.core.work.templates import StepSpec, step_snapshot, template_step_specs, validate_steps


async def _plannable_session(uow: UnitOfWork, session_id: int) -> RepairSession:
    session = await uow.get(RepairSession, session_id, lock=True)
    if SessionStatus(session.status) not in PLANNABLE_SESSION_STATUSES:
        raise InvalidTransition(
            "error.session_not_plannable", session=session.number, status=session.status
        )
    return session


async def _create_card(
    uow: UnitOfWork,
    session: RepairSession,
    template_id: int | None,
    titles: tuple[str, str],
    specs: Sequence[StepSpec],
) -> JobCard:
    last = await uow.session.execute(
        select(func.max(JobCard.position)).where(
            JobCard.organization_id == uow.org_id, JobCard.session_id == session.id
        )
    )
    card = JobCard(
        organization_id=uow.org_id, session_id=session.id, template_id=template_id,
        title_en=titles[0], title_ar=titles[1], status="PENDING",
        position=(last.scalar_one() or 0) + 1, created_at=uow.now,
    )
    uow.session.add(card)
    await uow.session.flush()
    await _add_steps(uow, card, specs)
    await uow.audit("job_card", card.id, "create", after={
        "session": session.number, "template": template_id, "title_en": titles[0],
        "steps": step_snapshot(specs),
    })
    uow.emit("job_card.added", {"job_card_id": card.id, "session_id": session.id,
                                "template_id": template_id, "steps": len(specs)})
    return card


async def _add_steps(uow: UnitOfWork, card: JobCard, specs: Sequence[StepSpec]) -> None:
    for position, spec in enumerate(specs, start=1):
        step = Step(
            organization_id=uow.org_id, job_card_id=card.id, session_id=card.session_id,
            position=position, parallel_group=spec.parallel_group, name_en=spec.name_en,
            name_ar=spec.name_ar, required_skill=spec.required_skill, assembly=spec.assembly,
            required_attachments=spec.required_attachments,
            estimated_minutes=spec.estimated_minutes, flat_price=spec.flat_price,
            status=StepStatus.NOT_STARTED.value, rework_count=0,
        )
        uow.session.add(step)
        await uow.session.flush()
        for item_pos, item in enumerate(spec.checklist, start=1):
            uow.session.add(StepChecklistItem(
                organization_id=uow.org_id, step_id=step.id, position=item_pos,
                text_en=item.text_en, text_ar=item.text_ar, done=False,
            ))
    await uow.session.flush()


async def add_job_card(uow: UnitOfWork, session_id: SessionId, template_id: TemplateId) -> JobCardId:
    """Add a job card to the session from an active template of the garage."""
    await uow.require(Permission.PLAN_WORK)
    session = await _plannable_session(uow, session_id)
    template = await uow.get(ServiceTemplate, template_id)
    if not template.active:
        raise InvalidInput("error.template_inactive", template=template.code)
    specs = await template_step_specs(uow, template.id)
    if not specs:
        raise InvalidInput("error.steps_required")
    card = await _create_card(uow, session, template.id, (template.name_en, template.name_ar), specs)
    return JobCardId(card.id)


async def add_free_job_card(
    uow: UnitOfWork, session_id: SessionId, *, title_en: str, title_ar: str,
    steps: Sequence[StepSpec],
) -> JobCardId:
    """Add a job card with the given steps (no template)."""
    await uow.require(Permission.PLAN_WORK)
    titles = (clean_text(title_en), clean_text(title_ar))
    if not all(titles) or max(len(t) for t in titles) > 200:
        raise InvalidInput("error.job_title_required")
    specs = validate_steps(steps)
    session = await _plannable_session(uow, session_id)
    card = await _create_card(uow, session, None, titles, specs)
    return JobCardId(card.id)


async def reject_job_card(uow: UnitOfWork, job_card_id: JobCardId, reason: str) -> None:
    """Drop a job (the client declined it, it is not needed): the card becomes
    REJECTED, its open steps SKIPPED, their timers stop and their open
    exceptions are closed. The session may then move on (see ``review``)."""
    await uow.require(Permission.PLAN_WORK)
    reason = clean_text(reason)
    if not reason:
        raise InvalidInput("error.reason_required")
    steps = await lifecycle.card_steps(uow, job_card_id, lock=True)
    card = await uow.get(JobCard, job_card_id, lock=True)
    await uow.get(RepairSession, card.session_id, lock=True)  # it may move on below
    await lifecycle.move_job_card(uow, card, JobCardEvent.REJECT, {"reason": reason})
    card.review_note = reason
    open_steps = [s for s in steps if StepStatus(s.status) in OPEN_STEP_STATUSES]
    for step in open_steps:
        await lifecycle.stop_step_timers(uow, step.id)
        await lifecycle.move_step(uow, step, StepEvent.CANCEL, {"reason": reason})
    await close_open_exceptions(uow, [s.id for s in open_steps], reason)
    await advance_session_if_reviewed(uow, card.session_id)

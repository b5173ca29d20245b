"""The staff notification rules: core events become Telegram messages to the
people who must act, each with a button that opens the item (``staff.open_choice``).

- step.assigned: the new assignee (floor.told_assigned; floor.told_assigned_card
  once for a whole job card given in one go) and the previous one (floor.told_unassigned);
- exception.flagged: the leads, urgent (floor.told_exception);
- exception.decided: the technician who raised it (floor.told_exception_decided);
- job_card.ready_for_review: the leads (floor.told_review);
- job_card.reviewed, sent back: the reopened steps' assignees (floor.told_sent_back);
- billing.quote_decided / approval.signed: the session's advisor
  (floor.told_quote_decided / floor.told_signed);
- billing.quote_partly_decided: the session's advisor (floor.told_quote_partly), a client's part answer;
- quote.additional_work_reported: the session's advisor (floor.told_extra);
- billing.discount_approval_requested: the managers (floor.told_discount);
- stock.low / stock.shortage: inventory staff (floor.told_stock_low / floor.told_shortage);
- part.arrived: the technician who asked for the part (floor.told_part_arrived);
- client.rated 1–2 / client.commented: the managers (floor.told_low_rating / floor.told_comment).

Advisor messages fall back to the intake staff when the session has no
reachable advisor; lead and manager messages to whoever holds the permission.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select

from garagebot.core.dispatch.registry import DomainEvent, EventHandler
from garagebot.core.enums import Role
from garagebot.core.errors import NotFound
from garagebot.core.models import AuditEntry, JobCard, RepairSession, Step, StepException, User, Vehicle
from garagebot.core.notify.staff import Person, localized, open_choice, people_by_id, people_in, tell
from garagebot.core.permissions import Permission
from garagebot.core.uow import UnitOfWork

LEADS = (Role.LEAD_TECHNICIAN,)
MANAGERS = (Role.MANAGER, Role.OWNER)


def id_of(payload: Mapping[str, object], name: str) -> int | None:
    value = payload.get(name)
    return int(value) if isinstance(value, int | str) and str(value).isdigit() else None


@dataclass(frozen=True, slots=True)
class Visit:
    session_id: int
    number: str
    plate: str
    advisor_id: int | None


async def visit(uow: UnitOfWork, session_id: int | None) -> Visit | None:
    if session_id is None:
        return None
    try:
        rs = await uow.get(RepairSession, session_id)
    except NotFound:
        return None
    vehicle = await uow.session.get(Vehicle, rs.vehicle_id)
    return Visit(rs.id, rs.number, vehicle.plate if vehicle else "", rs.advisor_id)


async def advisors(uow: UnitOfWork, v: Visit) -> list[Person]:
    """The session's advisor, else the intake staff."""
    return await people_by_id(uow, [v.advisor_id]) or await people_in(uow, (Role.ADVISOR,), Permission.INTAKE)


async def _step(uow: UnitOfWork, payload: Mapping[str, object]) -> tuple[Step, Visit] | None:
    step_id = id_of(payload, "step_id")
    if step_id is None:
        return None
    try:
        step = await uow.get(Step, step_id)
    except NotFound:
        return None
    v = await visit(uow, step.session_id)
    return None if v is None else (step, v)


async def _given_together(uow: UnitOfWork, step: Step, user_id: int, at: object) -> list[int]:
    """The steps of ``step``'s job card given to ``user_id`` in the same commit
    (a whole card assigned in one tap): their assignments share its time."""
    mine = [str(i) for i in (await uow.session.scalars(select(Step.id).where(
        Step.organization_id == uow.org_id, Step.job_card_id == step.job_card_id,
        Step.assignee_id == user_id))).all()]
    found = (await uow.session.scalars(select(AuditEntry.entity_id).where(
        AuditEntry.organization_id == uow.org_id, AuditEntry.entity == "step",
        AuditEntry.entity_id.in_(mine), AuditEntry.action.in_(("assign", "assign_override")),
        AuditEntry.at == at))).all()
    return sorted({int(i) for i in found})


async def step_assigned(uow: UnitOfWork, event: DomainEvent) -> None:
    """One message a step; one for the card when several of its steps were given together."""
    found = await _step(uow, event.payload)
    if found is None:
        return
    step, v = found
    new, old = id_of(event.payload, "user_id"), id_of(event.payload, "previous_user_id")

    def params(loc: str) -> Mapping[str, object]:
        return {"step": localized(loc, step.name_en, step.name_ar), "number": v.number, "plate": v.plate}

    together = [] if new is None else await _given_together(uow, step, new, event.created_at)
    if len(together) > 1:
        if step.id == together[0]:
            card = await uow.get(JobCard, step.job_card_id)
            await tell(uow, await people_by_id(uow, [new]), "floor.told_assigned_card",
                       lambda loc: {"title": localized(loc, card.title_en, card.title_ar), "n": len(together),
                                    "number": v.number, "plate": v.plate}, open_choice("jobs"))
    else:
        await tell(uow, await people_by_id(uow, [new]), "floor.told_assigned", params,
                   open_choice("step", step.id))
    if old is not None and old != new:
        await tell(uow, await people_by_id(uow, [old]), "floor.told_unassigned", params, open_choice("jobs"))


async def exception_flagged(uow: UnitOfWork, event: DomainEvent) -> None:
    found = await _step(uow, event.payload)
    exc_id = id_of(event.payload, "exception_id")
    if found is None or exc_id is None:
        return
    step, v = found
    by = await uow.session.get(User, id_of(event.payload, "raised_by") or 0)
    await tell(uow, await people_in(uow, LEADS, Permission.DECIDE_EXCEPTION), "floor.told_exception",
               lambda loc: {"step": localized(loc, step.name_en, step.name_ar), "number": v.number,
                            "plate": v.plate, "by": by.name if by else "-",
                            "reason": str(event.payload.get("reason") or "")[:200]},
               open_choice("exc", exc_id), urgent=True)


async def exception_decided(uow: UnitOfWork, event: DomainEvent) -> None:
    found = await _step(uow, event.payload)
    if found is None:
        return
    step, v = found
    decision = str(event.payload.get("decision") or "").lower()
    exc = await uow.session.get(StepException, id_of(event.payload, "exception_id") or 0)
    await tell(uow, await people_by_id(uow, [id_of(event.payload, "raised_by"), step.assignee_id]),
               "floor.told_exception_decided",
               lambda loc: {"step": localized(loc, step.name_en, step.name_ar), "number": v.number,
                            "@decision": f"floor.decision_{decision}",
                            "comment": (exc.comment if exc and exc.comment else "-")},
               open_choice("step", step.id), urgent=True)


async def _card(uow: UnitOfWork, payload: Mapping[str, object]) -> tuple[JobCard, Visit] | None:
    try:
        card = await uow.get(JobCard, id_of(payload, "job_card_id") or 0)
    except NotFound:
        return None
    v = await visit(uow, card.session_id)
    return None if v is None else (card, v)


async def ready_for_review(uow: UnitOfWork, event: DomainEvent) -> None:
    found = await _card(uow, event.payload)
    if found is None:
        return
    card, v = found
    await tell(uow, await people_in(uow, LEADS, Permission.REVIEW_JOB), "floor.told_review",
               lambda loc: {"title": localized(loc, card.title_en, card.title_ar), "number": v.number,
                            "plate": v.plate}, open_choice("card", card.id))


async def reviewed(uow: UnitOfWork, event: DomainEvent) -> None:
    found = await _card(uow, event.payload)
    assignees = event.payload.get("assignees")
    if found is None or event.payload.get("outcome") == "APPROVED" or not isinstance(assignees, list):
        return
    card, v = found
    await tell(uow, await people_by_id(uow, [a for a in assignees if isinstance(a, int)]),
               "floor.told_sent_back",
               lambda loc: {"title": localized(loc, card.title_en, card.title_ar), "number": v.number,
                            "reason": card.review_note or "-"}, open_choice("jobs"))


RULES: tuple[tuple[str, EventHandler], ...] = (
    ("step.assigned", step_assigned), ("exception.flagged", exception_flagged),
    ("exception.decided", exception_decided), ("job_card.ready_for_review", ready_for_review),
    ("job_card.reviewed", reviewed),
)

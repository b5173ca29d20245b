"""Who does a step: suggesting the least-loaded qualified person, assigning,
and a lead's override or reassignment.

Qualified means: an active technician or lead technician (an assistant only
on assembly/disassembly steps), available now, with the step's required
skill. Workload is the estimated minutes of the open steps already assigned
to the person. Missing skill or availability can be overridden by a lead
(audited as an override); the role rules never can.
"""

from __future__ import annotations

from sqlalchemy import and_, func, select, update

from garagebot.core.enums import Role, StepStatus
from garagebot.core.errors import InvalidInput, InvalidTransition, PermissionDenied
from garagebot.core.ids import StepId, UserId
from garagebot.core.models import Step, TimeLog, User, UserSkill
from garagebot.core.permissions import Permission
from garagebot.core.uow import UnitOfWork
from garagebot.core.work import lifecycle
from garagebot.core.work.machines import OPEN_STEP_STATUSES

WORKER_ROLES = frozenset({Role.TECHNICIAN, Role.LEAD_TECHNICIAN})
ASSEMBLY_ROLES = WORKER_ROLES | {Role.ASSISTANT}


def _roles_for(step: Step) -> frozenset[Role]:
    return ASSEMBLY_ROLES if step.assembly else WORKER_ROLES


async def _has_skill(uow: UnitOfWork, user_id: int, skill: str) -> bool:
    row = await uow.session.execute(
        select(UserSkill.user_id).where(
            UserSkill.organization_id == uow.org_id, UserSkill.user_id == user_id,
            UserSkill.skill == skill,
        )
    )
    return row.first() is not None


async def soft_problems(uow: UnitOfWork, step: Step, person: User) -> list[str]:
    """Why ``person`` is not qualified for ``step``, as far as a lead may
    override it (skill, availability). The role rules are refused outright."""
    role = Role(person.role)
    if role is Role.ASSISTANT and not step.assembly:
        raise InvalidInput("error.assistant_only_assembly", step=step.id, user=person.id)
    if role not in _roles_for(step):
        raise InvalidInput("error.assignee_not_floor_staff", user=person.id, role=person.role)
    if not person.active:
        raise InvalidInput("error.assignee_inactive", user=person.id)
    problems: list[str] = []
    if not person.available:
        problems.append("unavailable")
    if step.required_skill and not await _has_skill(uow, person.id, step.required_skill):
        problems.append("lacks_skill")
    return problems


def _refuse(problems: list[str], step: Step, person: User) -> None:
    if "lacks_skill" in problems:
        raise InvalidInput("error.assignee_lacks_skill", user=person.id,
                           skill=step.required_skill)
    raise InvalidInput("error.assignee_unavailable", user=person.id)


async def suggest_assignee(uow: UnitOfWork, step_id: StepId) -> UserId | None:
    """The least-loaded qualified available person for the step (ties go to the
    lowest id, so the answer is stable), or None when nobody qualifies."""
    await uow.require(Permission.ASSIGN_STEP)
    step = await uow.get(Step, step_id)
    load = func.coalesce(func.sum(Step.estimated_minutes), 0)
    stmt = (
        select(User.id, load.label("load"))
        .outerjoin(Step, and_(
            Step.organization_id == User.organization_id, Step.assignee_id == User.id,
            Step.status.in_([s.value for s in OPEN_STEP_STATUSES]),
        ))
        .where(
            User.organization_id == uow.org_id, User.active.is_(True),
            User.available.is_(True), User.role.in_([r.value for r in _roles_for(step)]),
        )
        .group_by(User.id)
        .order_by(load, User.id)
        .limit(1)
    )
    if step.required_skill:
        stmt = stmt.where(
            select(UserSkill.user_id).where(
                UserSkill.organization_id == uow.org_id, UserSkill.user_id == User.id,
                UserSkill.skill == step.required_skill,
            ).exists()
        )
    row = (await uow.session.execute(stmt)).first()
    return None if row is None else UserId(row.id)


async def record_assignment(
    uow: UnitOfWork, step: Step, person: User, overridden: list[str]
) -> None:
    """Set the assignee, audit it (as an override when rules were overridden)
    and emit ``step.assigned``."""
    previous = step.assignee_id
    step.assignee_id = person.id
    action = "assign_override" if overridden else "assign"
    await uow.audit("step", step.id, action, before={"assignee": previous},
                    after={"assignee": person.id, "overridden": overridden})
    uow.emit("step.assigned", {
        "step_id": step.id, "session_id": step.session_id, "user_id": person.id,
        "previous_user_id": previous, "override": bool(overridden),
    })


async def assign_step(
    uow: UnitOfWork, step_id: StepId, user_id: UserId, *, override: bool = False
) -> None:
    """Assign the step to ``user_id``. Advisors and leads may assign a step not
    yet started to a qualified person; only a lead may reassign a step in
    progress or (with ``override``) assign someone lacking the skill or
    availability. An assistant on a non-assembly step is always refused."""
    actor = await uow.require(Permission.ASSIGN_STEP)
    step = await uow.get(Step, step_id, lock=True)
    await lifecycle.open_card_of(uow, step, lock=False)
    status = StepStatus(step.status)
    if status not in OPEN_STEP_STATUSES:
        raise InvalidTransition("error.step_finished", step=step.id, status=step.status)
    is_lead = actor is None or lifecycle.is_supervisor(actor)
    if status is StepStatus.IN_PROGRESS and step.assignee_id is not None and not is_lead:
        raise PermissionDenied("error.reassign_needs_lead", step=step.id)
    person = await uow.get(User, user_id)
    problems = await soft_problems(uow, step, person)
    if problems and not override:
        _refuse(problems, step, person)
    if problems and not is_lead:
        raise PermissionDenied("error.override_needs_lead", step=step.id)
    if step.assignee_id == person.id:
        return
    if step.assignee_id is not None:
        await _stop_timer_of(uow, step, step.assignee_id)
    await record_assignment(uow, step, person, problems)


async def _stop_timer_of(uow: UnitOfWork, step: Step, user_id: int) -> None:
    # The previous assignee stops working on it: their running timer ends now.
    stopped = (await uow.session.execute(
        update(TimeLog)
        .where(TimeLog.organization_id == uow.org_id, TimeLog.step_id == step.id,
               TimeLog.user_id == user_id, TimeLog.ended_at.is_(None))
        .values(ended_at=uow.now)
        .returning(TimeLog.id)
    )).scalars().all()
    for log_id in stopped:
        await uow.audit("time_log", log_id, "stop", after={"ended_at": uow.now, "user": user_id,
                                                           "reason": "reassigned"})

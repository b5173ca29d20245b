"""Choosing who does the work: the floor people with their skills and current
load, the suggested one first (``assignment.suggest_assignee``), and giving a
whole job card to one person in one go."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select

from garagebot.core.enums import Role, StepStatus
from garagebot.core.ids import JobCardId, StepId, UserId
from garagebot.core.models import Step, User, UserSkill
from garagebot.core.permissions import Permission, allowed
from garagebot.core.staff_views import FLOOR_ROLES
from garagebot.core.uow import UnitOfWork
from garagebot.core.work import lifecycle
from garagebot.core.work.assignment import assign_step, suggest_assignee
from garagebot.core.work.machines import OPEN_STEP_STATUSES


@dataclass(frozen=True, slots=True)
class Candidate:
    """A person who could take the work: skills, open steps and their estimated minutes."""

    user_id: UserId
    name: str
    skills: frozenset[str]
    open_steps: int
    open_minutes: int
    suggested: bool


async def candidates(uow: UnitOfWork, step_ids: Sequence[StepId]) -> list[Candidate]:
    """Active floor people, the suggested one for the first step first, then
    the least loaded (ties by name)."""
    await uow.require(Permission.ASSIGN_STEP)
    people = (await uow.session.scalars(select(User).where(
        User.organization_id == uow.org_id, User.active.is_(True),
        User.role.in_([r.value for r in FLOOR_ROLES])))).all()
    skills: dict[int, set[str]] = {}
    for user_id, skill in (await uow.session.execute(select(UserSkill.user_id, UserSkill.skill).where(
            UserSkill.organization_id == uow.org_id))).all():
        skills.setdefault(user_id, set()).add(skill)
    load = {row.assignee_id: (int(row.n), int(row.minutes or 0)) for row in (await uow.session.execute(
        select(Step.assignee_id, func.count().label("n"), func.sum(Step.estimated_minutes).label("minutes"))
        .where(Step.organization_id == uow.org_id, Step.assignee_id.is_not(None),
               Step.status.in_([s.value for s in OPEN_STEP_STATUSES]))
        .group_by(Step.assignee_id))).all()}
    suggested = await suggest_assignee(uow, step_ids[0]) if step_ids else None
    out = [Candidate(UserId(u.id), u.name, frozenset(skills.get(u.id, ())), *load.get(u.id, (0, 0)),
                     suggested=u.id == suggested) for u in people]
    return sorted(out, key=lambda c: (not c.suggested, c.open_minutes, c.name, c.user_id))


async def open_steps_of(uow: UnitOfWork, job_card_id: JobCardId) -> list[Step]:
    return [s for s in await lifecycle.card_steps(uow, job_card_id) if s.status in _OPEN]


_OPEN = frozenset(s.value for s in OPEN_STEP_STATUSES)


async def assign_job_card(uow: UnitOfWork, job_card_id: JobCardId, user_id: UserId) -> int:
    """Give every open step of the job card to one person (each step assigned
    and audited as ``assign_step`` does; a lead overrides skill and
    availability, an advisor is refused for a step the person is not
    qualified for). How many steps changed hands."""
    actor = await uow.require(Permission.ASSIGN_STEP)
    override = actor is None or allowed(Role(actor.role), Permission.OVERRIDE_ASSIGNMENT)
    changed = 0
    for step in await open_steps_of(uow, job_card_id):
        busy = step.status == StepStatus.IN_PROGRESS.value and step.assignee_id is not None
        if step.assignee_id != user_id and (override or not busy):  # a started step stays with its worker
            await assign_step(uow, StepId(step.id), user_id, override=override)
            changed += 1
    return changed

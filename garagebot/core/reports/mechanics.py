"""Mechanic productivity: per member of staff, what they finished in a
period, how long their steps took, and how much came back for rework.

- ``steps_done``: steps assigned to them that are DONE and finished in the
  period (a step redone after a send-back counts once, when last finished);
  ``job_cards``: the distinct job cards of those steps.
- ``average_step_minutes``: over those steps, the time logged on each step
  (every closed time log on it, whoever logged it: the labour the step took).
- ``worked_hours``: their own closed time logs that ended in the period.
- ``rework``: send-backs in the period of steps now assigned to them (one per
  step a lead's review reopened; read from the audit trail, where every
  reopening is recorded with its time).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import String, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.core.enums import StepStatus
from garagebot.core.ids import OrgId, UserId
from garagebot.core.models import AuditEntry, Step, TimeLog, User
from garagebot.core.reports.period import Period, hours, load_garage, minutes, seconds_between
from garagebot.core.work.machines import StepEvent

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class MechanicRow:
    user_id: UserId
    name: str
    role: str
    steps_done: int
    job_cards: int
    average_step_minutes: Decimal | None
    worked_hours: Decimal
    rework: int


async def _done_steps(
    session: AsyncSession, org_id: OrgId, since: dt.datetime, until: dt.datetime
) -> tuple[dict[int, list[int]], dict[int, set[int]], dict[int, Decimal]]:
    """Per assignee: their done steps and those steps' job cards; per step: seconds logged."""
    done = (
        select(Step.id, Step.assignee_id, Step.job_card_id)
        .where(Step.organization_id == org_id, Step.status == StepStatus.DONE.value,
               Step.assignee_id.is_not(None), Step.finished_at >= since, Step.finished_at < until)
    )
    steps: dict[int, list[int]] = defaultdict(list)
    cards: dict[int, set[int]] = defaultdict(set)
    for step_id, user_id, card_id in (await session.execute(done)).tuples():
        if user_id is not None:
            steps[user_id].append(step_id)
            cards[user_id].add(card_id)
    logged: dict[int, Decimal] = defaultdict(Decimal)
    done_ids = done.with_only_columns(Step.id).scalar_subquery()
    logs = await session.execute(
        select(TimeLog.step_id, TimeLog.started_at, TimeLog.ended_at).where(
            TimeLog.organization_id == org_id, TimeLog.step_id.in_(done_ids), TimeLog.ended_at.is_not(None))
    )
    for step_id, started, ended in logs.tuples():
        if ended is not None:
            logged[step_id] += seconds_between(started, ended)
    return steps, cards, logged


async def _worked(
    session: AsyncSession, org_id: OrgId, since: dt.datetime, until: dt.datetime
) -> dict[int, Decimal]:
    rows = await session.execute(
        select(TimeLog.user_id, TimeLog.started_at, TimeLog.ended_at).where(
            TimeLog.organization_id == org_id, TimeLog.ended_at >= since, TimeLog.ended_at < until)
    )
    worked: dict[int, Decimal] = defaultdict(Decimal)
    for user_id, started, ended in rows.tuples():
        if ended is not None:
            worked[user_id] += seconds_between(started, ended)
    return worked


async def _rework(
    session: AsyncSession, org_id: OrgId, since: dt.datetime, until: dt.datetime
) -> dict[int, int]:
    rows = await session.execute(
        select(Step.assignee_id, func.count())
        .select_from(AuditEntry)
        .join(Step, cast(Step.id, String) == AuditEntry.entity_id)
        .where(AuditEntry.organization_id == org_id, AuditEntry.entity == "step",
               AuditEntry.action == StepEvent.REWORK.value, AuditEntry.at >= since, AuditEntry.at < until,
               Step.organization_id == org_id, Step.assignee_id.is_not(None))
        .group_by(Step.assignee_id)
    )
    return {int(user_id): int(n) for user_id, n in rows.tuples() if user_id is not None}


async def mechanic_productivity(
    session: AsyncSession, org_id: OrgId, *, period: Period
) -> list[MechanicRow]:
    """Everyone with a finished step, logged time or rework in the period, by name."""
    garage = await load_garage(session, org_id)
    since, until = garage.bounds(period)
    steps, cards, logged = await _done_steps(session, org_id, since, until)
    worked = await _worked(session, org_id, since, until)
    rework = await _rework(session, org_id, since, until)
    ids = set(steps) | set(worked) | set(rework)
    if not ids:
        return []
    users = (await session.execute(
        select(User.id, User.name, User.role).where(User.organization_id == org_id, User.id.in_(ids))
    )).tuples().all()
    rows = []
    for user_id, name, role in users:
        mine = steps.get(user_id, [])
        average = sum((logged[s] for s in mine), ZERO) / len(mine) if mine else None
        rows.append(MechanicRow(
            UserId(user_id), name, role, len(mine), len(cards.get(user_id, ())),
            None if average is None else minutes(average), hours(worked.get(user_id, ZERO)),
            rework.get(user_id, 0),
        ))
    return sorted(rows, key=lambda r: (r.name, r.user_id))

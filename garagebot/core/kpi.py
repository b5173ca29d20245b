"""The manager's figures for today: cars in the garage, jobs in progress,
overdue, awaiting approval, revenue today and this month; and the overdue list.

Read-only, scoped to one garage. "Today" and "this month" are the garage's
(Organization.timezone). Revenue is the revenue report's
(``reports.revenue.revenue_summary``): invoices on their issue day, a void's
credit note on its own day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.core.enums import JobCardStatus, SessionStatus
from garagebot.core.errors import NotFound
from garagebot.core.ids import OrgId, SessionId
from garagebot.core.models import JobCard, Organization, RepairSession, Vehicle
from garagebot.core.models.repair import FINAL_SESSION_STATUSES
from garagebot.core.money import Money
from garagebot.core.reports.revenue import revenue_summary


@dataclass(frozen=True, slots=True)
class Kpis:
    cars_in_garage: int
    jobs_in_progress: int
    overdue: int
    awaiting_approval: int
    revenue_today: Money
    revenue_month: Money


@dataclass(frozen=True, slots=True)
class OverdueSession:
    session_id: SessionId
    number: str
    plate: str
    status: SessionStatus
    eta: dt.datetime


async def _count(session: AsyncSession, *where: object) -> int:
    stmt = select(func.count()).select_from(RepairSession).where(*where)  # type: ignore[arg-type]
    return int((await session.execute(stmt)).scalar_one())


async def todays_kpis(session: AsyncSession, org_id: OrgId, now: dt.datetime) -> Kpis:
    """The figures a manager asks for (see the module docstring)."""
    org = await session.get(Organization, org_id)
    if org is None:
        raise NotFound("error.garage_not_found")
    active = (RepairSession.organization_id == org_id,
              RepairSession.status.not_in(FINAL_SESSION_STATUSES))
    cars = await _count(session, *active, RepairSession.checked_in_at.is_not(None))
    overdue = await _count(session, *active, RepairSession.eta < now,
                           RepairSession.status != SessionStatus.COMPLETED.value)
    waiting = await _count(session, RepairSession.organization_id == org_id,
                           RepairSession.status == SessionStatus.AWAITING_CLIENT_APPROVAL.value)
    jobs = int((await session.execute(
        select(func.count()).select_from(JobCard).where(
            JobCard.organization_id == org_id, JobCard.status == JobCardStatus.IN_PROGRESS.value)
    )).scalar_one())
    revenue = {r.period: r.total for r in await revenue_summary(session, org_id, now=now)}
    return Kpis(cars, jobs, overdue, waiting, revenue["today"], revenue["month"])


async def overdue_sessions(session: AsyncSession, org_id: OrgId, now: dt.datetime, *,
                           limit: int = 50) -> list[OverdueSession]:
    """Active sessions past their ETA (not yet completed), most late first."""
    rows = (await session.execute(
        select(RepairSession.id, RepairSession.number, Vehicle.plate, RepairSession.status,
               RepairSession.eta)
        .join(Vehicle, Vehicle.id == RepairSession.vehicle_id)
        .where(RepairSession.organization_id == org_id,
               RepairSession.status.not_in([*FINAL_SESSION_STATUSES, SessionStatus.COMPLETED.value]),
               RepairSession.eta < now)
        .order_by(RepairSession.eta, RepairSession.id)
        .limit(limit)
    )).all()
    return [OverdueSession(SessionId(r.id), r.number, r.plate, SessionStatus(r.status), r.eta)
            for r in rows]

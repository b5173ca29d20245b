"""The manager's figures for today: cars in the garage, jobs in progress,
overdue, awaiting approval, revenue today and this month; and the overdue list.

Read-only, scoped to one garage. "Today" and "this month" are the garage's
(Organization.timezone). Revenue is the total of invoices issued in the
period less the credit notes of voids made in it, summed on exact Decimals
(SQLite keeps amounts as text).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.core.enums import JobCardStatus, SessionStatus
from garagebot.core.errors import NotFound
from garagebot.core.ids import OrgId, SessionId
from garagebot.core.models import CreditNote, Invoice, JobCard, Organization, RepairSession, Vehicle
from garagebot.core.models.repair import FINAL_SESSION_STATUSES
from garagebot.core.money import Money, money_sum


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


def period_starts(now: dt.datetime, tz_name: str) -> tuple[dt.datetime, dt.datetime]:
    """(start of the garage's day, start of its month), in UTC."""
    local = now.astimezone(zoneinfo.ZoneInfo(tz_name))
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return day.astimezone(dt.UTC), day.replace(day=1).astimezone(dt.UTC)


async def _count(session: AsyncSession, *where: object) -> int:
    stmt = select(func.count()).select_from(RepairSession).where(*where)  # type: ignore[arg-type]
    return int((await session.execute(stmt)).scalar_one())


async def _revenue(session: AsyncSession, org: Organization, since: dt.datetime,
                   now: dt.datetime) -> tuple[Money, Money]:
    """Revenue (since ``since``) and the part of it issued today: every invoice
    on its issue day, and a void's credit note (negative) on its own day, so a
    past day's figure never changes (as in core.reports.revenue)."""
    day_start, _ = period_starts(now, org.timezone)
    invoices = (await session.execute(
        select(Invoice.total, Invoice.issued_at).where(
            Invoice.organization_id == org.id, Invoice.issued_at >= since, Invoice.issued_at <= now)
    )).all()
    notes = (await session.execute(
        select(CreditNote.total, CreditNote.created_at).where(
            CreditNote.organization_id == org.id, CreditNote.created_at >= since,
            CreditNote.created_at <= now)
    )).all()
    rows = [(Decimal(r[0]), r[1]) for r in invoices] + [(Decimal(r[0]), r[1]) for r in notes]
    month = [Money(Decimal(total), org.currency) for total, _ in rows]
    today = [Money(Decimal(total), org.currency) for total, at in rows if at >= day_start]
    return money_sum(today, org.currency), money_sum(month, org.currency)


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
    _, month_start = period_starts(now, org.timezone)
    today, month = await _revenue(session, org, month_start, now)
    return Kpis(cars, jobs, overdue, waiting, today, month)


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

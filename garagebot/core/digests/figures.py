"""The figures of a digest: a period against the period before, and what
stands now. Read-only, scoped to one garage; every figure is the reports'
own where one exists (``core.reports``, ``core.kpi``), so a digest never
disagrees with the report of the same days.

- cars in: sessions checked in (opened, when never checked in) in the period;
  cars out: sessions delivered in the period (also per day, for the chart);
- revenue: the revenue report's ``total`` (invoices on their issue day, credit
  notes on theirs), per day for the chart; gross margin: net revenue less the
  exact cost of the parts (labour and fees have no known cost), and its share
  of net revenue;
- average turnaround (hours) and on-time rate: the floor reports' "all" row;
- stock-outs: items the stock-outs report lists for the period;
- receivables over 30 days: open balances older than 30 days at the end of
  the period's last day (the aging report's three older buckets);
- best and worst rated jobs: the highest and lowest client rating given in
  the period (the newest on a tie);
- now: overdue sessions and sessions awaiting approval (``kpi.todays_kpis``),
  booking requests waiting (``repair.requests_list.waiting_requests``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.core.charts import DayValue
from garagebot.core.digests.schedule import DigestPeriod
from garagebot.core.ids import OrgId, SessionId
from garagebot.core.kpi import todays_kpis
from garagebot.core.models import ClientRating, RepairSession, Vehicle
from garagebot.core.money import Money
from garagebot.core.repair.requests_list import waiting_requests
from garagebot.core.reports.margin import MarginRow, gross_margin
from garagebot.core.reports.parts import stockouts
from garagebot.core.reports.period import Garage, Period, load_garage, percent
from garagebot.core.reports.receivables import receivables_aging
from garagebot.core.reports.revenue import revenue_by_day
from garagebot.core.reports.sessions import on_time, turnaround


@dataclass(frozen=True, slots=True)
class Rated:
    session_id: SessionId
    number: str
    plate: str
    score: int


@dataclass(frozen=True, slots=True)
class PeriodFigures:
    """What happened in one period."""

    cars_in: int
    cars_out: int
    revenue: Money
    margin: Money
    margin_percent: Decimal | None
    turnaround_hours: Decimal | None
    on_time_percent: Decimal | None
    stockouts: int
    receivables_over_30: Money
    best: Rated | None
    worst: Rated | None


@dataclass(frozen=True, slots=True)
class Digest:
    """A digest's figures: the period, the one before, what stands now, and
    the days of the chart (``chart_period``: the period, or the week up to it)."""

    garage: Garage
    period: DigestPeriod
    current: PeriodFigures
    previous: PeriodFigures
    overdue: int
    awaiting_approval: int
    requests_waiting: int
    revenue_by_day: tuple[DayValue, ...]
    cars_out_by_day: tuple[DayValue, ...]


async def _cars_in(session: AsyncSession, garage: Garage, since: dt.datetime, until: dt.datetime) -> int:
    arrived = func.coalesce(RepairSession.checked_in_at, RepairSession.opened_at)
    return int((await session.execute(select(func.count()).select_from(RepairSession).where(
        RepairSession.organization_id == garage.org_id, arrived >= since, arrived < until))).scalar_one())


async def _cars_out(session: AsyncSession, garage: Garage, since: dt.datetime,
                    until: dt.datetime) -> dict[dt.date, int]:
    rows = (await session.execute(select(RepairSession.delivered_at).where(
        RepairSession.organization_id == garage.org_id, RepairSession.delivered_at >= since,
        RepairSession.delivered_at < until))).scalars().all()
    out: dict[dt.date, int] = defaultdict(int)
    for at in rows:
        if at is not None:
            out[garage.local_day(at)] += 1
    return out


async def _ratings(session: AsyncSession, garage: Garage, since: dt.datetime,
                   until: dt.datetime) -> tuple[Rated | None, Rated | None]:
    rows = (await session.execute(
        select(ClientRating.session_id, RepairSession.number, Vehicle.plate, ClientRating.score)
        .join(RepairSession, RepairSession.id == ClientRating.session_id)
        .join(Vehicle, Vehicle.id == RepairSession.vehicle_id)
        .where(ClientRating.organization_id == garage.org_id, ClientRating.created_at >= since,
               ClientRating.created_at < until)
        .order_by(ClientRating.created_at.desc(), ClientRating.id.desc()))).tuples().all()
    rated = [Rated(SessionId(sid), number, plate, score) for sid, number, plate, score in rows]
    if not rated:
        return None, None
    return max(rated, key=lambda r: r.score), min(rated, key=lambda r: r.score)


def _margin(rows: Sequence[MarginRow]) -> tuple[Decimal, Decimal]:
    """(net revenue, margin) from the margin report's rows (only parts have a known cost)."""
    net = sum((r.revenue.amount for r in rows), Decimal(0))
    cost = sum((r.cost.amount for r in rows if r.cost is not None), Decimal(0))
    return net, net - cost


async def period_figures(session: AsyncSession, garage: Garage, period: DigestPeriod,
                         days: dict[dt.date, Decimal], out: dict[dt.date, int]) -> PeriodFigures:
    """The figures of ``period``; ``days`` and ``out`` (revenue and cars out
    per day) are read by the caller, which draws them too."""
    org, span = garage.org_id, Period(period.start, period.end)
    since, until = garage.bounds(span)
    net, margin = _margin(await gross_margin(session, org, period=span))
    turn = (await turnaround(session, org, period=span))[-1]
    kept = (await on_time(session, org, period=span))[-1]
    aging = await receivables_aging(session, org, as_of=period.end)
    old = sum((r.days_31_60.amount + r.days_61_90.amount + r.over_90.amount for r in aging), Decimal(0))
    best, worst = await _ratings(session, garage, since, until)
    cur = garage.currency
    return PeriodFigures(
        cars_in=await _cars_in(session, garage, since, until), cars_out=sum(out.values()),
        revenue=Money(sum(days.values(), Decimal(0)), cur), margin=Money(margin, cur),
        margin_percent=percent(margin, net), turnaround_hours=turn.average_hours,
        on_time_percent=kept.on_time_percent, stockouts=len(await stockouts(session, org, period=span)),
        receivables_over_30=Money(old, cur), best=best, worst=worst)


async def _daily(session: AsyncSession, garage: Garage,
                 period: DigestPeriod) -> tuple[dict[dt.date, Decimal], dict[dt.date, int]]:
    revenue = {r.day: r.total.amount for r in await revenue_by_day(
        session, garage.org_id, period=Period(period.start, period.end))}
    since, until = garage.bounds(Period(period.start, period.end))
    return revenue, await _cars_out(session, garage, since, until)


CHART_DAYS = 7  # a daily digest's chart shows the week up to its day


def chart_period(period: DigestPeriod) -> DigestPeriod:
    """The days the chart shows: the period, or at least the last ``CHART_DAYS`` days."""
    if period.days >= CHART_DAYS:
        return period
    return DigestPeriod(period.kind, period.end - dt.timedelta(days=CHART_DAYS - 1), period.end)


async def build_digest(session: AsyncSession, org_id: OrgId, period: DigestPeriod,
                       now: dt.datetime) -> Digest:
    """The digest of ``period`` for the garage, as it stands at ``now``."""
    garage = await load_garage(session, org_id)
    shown = chart_period(period)
    all_days, all_out = await _daily(session, garage, shown)
    days = {d: v for d, v in all_days.items() if d >= period.start}
    out = {d: n for d, n in all_out.items() if d >= period.start}
    before_days, before_out = await _daily(session, garage, period.previous)
    current = await period_figures(session, garage, period, days, out)
    previous = await period_figures(session, garage, period.previous, before_days, before_out)
    kpis = await todays_kpis(session, org_id, now)
    span = [shown.start + dt.timedelta(days=i) for i in range(shown.days)]
    return Digest(
        garage, period, current, previous, kpis.overdue, kpis.awaiting_approval,
        await waiting_requests(session, org_id),
        tuple(DayValue(d, all_days.get(d, Decimal(0))) for d in span),
        tuple(DayValue(d, Decimal(all_out.get(d, 0))) for d in span))

"""The floor's pace: cars finished per week, how long a car stays, and how
often the promised time was kept.

A session is *completed* when its work is finished and the car is ready
(``completed_at``, entering COMPLETED) and *delivered* when the client took
it (``delivered_at``). Weeks are ISO weeks of the garage's calendar; every
week the period touches is listed (zeros included), counting only the days
inside the period.

Turnaround runs from check-in (``checked_in_at``; the opening time for a
session never checked in) to completion, for sessions completed in the
period. On-time compares completion with the session's ETA as it stands
(the last promise made); sessions without an ETA are left out of the rate
and counted in ``without_eta``. Cancelled sessions never complete and are
in neither.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.core.ids import OrgId
from garagebot.core.models import RepairSession
from garagebot.core.reports.period import (
    Garage,
    Period,
    hours,
    load_garage,
    mean_and_median,
    percent,
    seconds_between,
    week_label,
    week_start,
    weeks,
)

ALL = "all"


@dataclass(frozen=True, slots=True)
class ThroughputWeek:
    week: str
    week_start: dt.date
    completed: int
    delivered: int


@dataclass(frozen=True, slots=True)
class TurnaroundRow:
    """One ISO week (by completion day), or ``week`` "all" for the whole period."""

    week: str
    week_start: dt.date | None
    sessions: int
    average_hours: Decimal | None
    median_hours: Decimal | None


@dataclass(frozen=True, slots=True)
class OnTimeRow:
    """One ISO week (by completion day), or ``week`` "all" for the whole period."""

    week: str
    week_start: dt.date | None
    completed: int
    without_eta: int
    on_time: int
    late: int
    on_time_percent: Decimal | None


async def throughput(session: AsyncSession, org_id: OrgId, *, period: Period) -> list[ThroughputWeek]:
    """Sessions completed and sessions delivered, per ISO week."""
    garage = await load_garage(session, org_id)
    since, until = garage.bounds(period)
    rows = (await session.execute(
        select(RepairSession.completed_at, RepairSession.delivered_at).where(
            RepairSession.organization_id == org_id,
            or_(RepairSession.completed_at.between(since, until),
                RepairSession.delivered_at.between(since, until)))
    )).tuples().all()
    completed: dict[dt.date, int] = defaultdict(int)
    delivered: dict[dt.date, int] = defaultdict(int)
    for done, out in rows:
        if done is not None and since <= done < until:
            completed[week_start(garage.local_day(done))] += 1
        if out is not None and since <= out < until:
            delivered[week_start(garage.local_day(out))] += 1
    return [ThroughputWeek(week_label(monday), monday, completed[monday], delivered[monday])
            for monday in weeks(period)]


@dataclass(frozen=True, slots=True)
class _Done:
    week: dt.date
    seconds: Decimal
    on_time: bool | None  # None: no ETA


async def _completed(session: AsyncSession, garage: Garage, period: Period) -> list[_Done]:
    since, until = garage.bounds(period)
    rows = (await session.execute(
        select(RepairSession.opened_at, RepairSession.checked_in_at, RepairSession.completed_at,
               RepairSession.eta).where(
            RepairSession.organization_id == garage.org_id, RepairSession.completed_at >= since,
            RepairSession.completed_at < until)
    )).tuples().all()
    return [
        _Done(week_start(garage.local_day(done)), seconds_between(checked_in or opened, done),
              None if eta is None else done <= eta)
        for opened, checked_in, done, eta in rows
        if done is not None
    ]


def _by_week(period: Period, done: list[_Done]) -> list[tuple[str, dt.date | None, list[_Done]]]:
    """Each ISO week of the period with its sessions, then "all"."""
    grouped: dict[dt.date, list[_Done]] = defaultdict(list)
    for d in done:
        grouped[d.week].append(d)
    out: list[tuple[str, dt.date | None, list[_Done]]] = [
        (week_label(monday), monday, grouped[monday]) for monday in weeks(period)
    ]
    return [*out, (ALL, None, done)]


async def turnaround(session: AsyncSession, org_id: OrgId, *, period: Period) -> list[TurnaroundRow]:
    """Average and median check-in → completion time, per ISO week and overall."""
    garage = await load_garage(session, org_id)
    rows = []
    for label, monday, done in _by_week(period, await _completed(session, garage, period)):
        stats = mean_and_median([d.seconds for d in done])
        rows.append(TurnaroundRow(label, monday, len(done), *(
            (None, None) if stats is None else (hours(stats[0]), hours(stats[1]))
        )))
    return rows


async def on_time(session: AsyncSession, org_id: OrgId, *, period: Period) -> list[OnTimeRow]:
    """Share of completed sessions (with an ETA) finished by their ETA, per ISO week and overall."""
    garage = await load_garage(session, org_id)
    rows = []
    for label, monday, done in _by_week(period, await _completed(session, garage, period)):
        kept = sum(1 for d in done if d.on_time is True)
        late = sum(1 for d in done if d.on_time is False)
        rows.append(OnTimeRow(label, monday, len(done), len(done) - kept - late, kept, late,
                              percent(kept, kept + late)))
    return rows

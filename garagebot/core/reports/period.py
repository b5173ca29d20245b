"""Report periods: whole days of the garage's calendar, and the garage facts
(zone, currency) every report needs.

A period is ``start``..``end`` inclusive, in the garage's zone
(Organization.timezone); in the database it is the half-open UTC range from
local midnight of ``start`` to local midnight after ``end``. Weeks are ISO
weeks (Monday first) of the garage's calendar.
"""

from __future__ import annotations

import datetime as dt
import statistics
import zoneinfo
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.core.errors import InvalidInput, NotFound
from garagebot.core.ids import OrgId
from garagebot.core.models import Organization

HOURS = Decimal("0.01")
MINUTES = Decimal("0.1")
PERCENT = Decimal("0.1")


@dataclass(frozen=True, slots=True)
class Period:
    """``start``..``end`` inclusive, days of the garage's calendar."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise InvalidInput("error.invalid_input", field="period")

    @classmethod
    def day(cls, day: dt.date) -> Period:
        return cls(day, day)


@dataclass(frozen=True, slots=True)
class Garage:
    """The garage as reports see it: its zone and currency."""

    org_id: OrgId
    timezone: str
    currency: str

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def midnight(self, day: dt.date) -> dt.datetime:
        """Local midnight starting ``day``, in UTC."""
        return dt.datetime.combine(day, dt.time(), self.zone).astimezone(dt.UTC)

    def bounds(self, period: Period) -> tuple[dt.datetime, dt.datetime]:
        """The period as a half-open UTC range [from, to)."""
        return self.midnight(period.start), self.midnight(period.end + dt.timedelta(days=1))

    def local_day(self, at: dt.datetime) -> dt.date:
        return at.astimezone(self.zone).date()

    def today(self, now: dt.datetime) -> dt.date:
        return self.local_day(now)


async def load_garage(session: AsyncSession, org_id: OrgId) -> Garage:
    """The garage's zone and currency; NotFound for an unknown garage."""
    row = (await session.execute(
        select(Organization.timezone, Organization.currency).where(Organization.id == org_id)
    )).first()
    if row is None:
        raise NotFound("error.garage_not_found")
    return Garage(org_id, row.timezone, row.currency)


def week_start(day: dt.date) -> dt.date:
    """The Monday of ``day``'s ISO week."""
    return day - dt.timedelta(days=day.weekday())


def week_label(day: dt.date) -> str:
    """``day``'s ISO week as "2026-W48"."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def weeks(period: Period) -> Iterator[dt.date]:
    """The Monday of every ISO week the period touches, in order."""
    monday = week_start(period.start)
    while monday <= period.end:
        yield monday
        monday += dt.timedelta(days=7)


def hours(seconds: Decimal) -> Decimal:
    """Seconds as hours to the hundredth, half-up."""
    return (seconds / 3600).quantize(HOURS, ROUND_HALF_UP)


def minutes(seconds: Decimal) -> Decimal:
    """Seconds as minutes to the tenth, half-up."""
    return (seconds / 60).quantize(MINUTES, ROUND_HALF_UP)


def seconds_between(start: dt.datetime, end: dt.datetime) -> Decimal:
    return Decimal(int((end - start).total_seconds()))


def mean_and_median(values: Sequence[Decimal]) -> tuple[Decimal, Decimal] | None:
    """Exact mean and median of ``values``; None when there are none."""
    if not values:
        return None
    return sum(values, Decimal(0)) / len(values), statistics.median(values)


def percent(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    """``part`` as a percentage of ``whole`` to the tenth, half-up; None for a zero whole."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(PERCENT, ROUND_HALF_UP)


def period_starts(now: dt.datetime, tz_name: str) -> tuple[dt.datetime, dt.datetime]:
    """(start of the garage's day, start of its month), in UTC."""
    local = now.astimezone(zoneinfo.ZoneInfo(tz_name))
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return day.astimezone(dt.UTC), day.replace(day=1).astimezone(dt.UTC)

"""When a scheduled job is due, in a garage's time zone (no I/O).

A cadence cuts time into periods; a job runs once per period, at its start.
``Daily`` and ``Weekly`` periods begin at a local wall-clock time, so a run
stays at 19:00 local across a DST change (the local day is 23 or 25 hours
long then). A local time that does not exist on a spring-forward day (02:30
in Berlin on the last Sunday of March) is read before the change, which puts
it just after the gap (03:30); a time that happens twice on a fall-back day
is its first occurrence. ``Every`` periods are N-minute slices counted from
the Unix epoch in UTC, the same everywhere.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True, slots=True)
class Period:
    """One period of a cadence: ``start`` (the run's due time) to ``end``, aware UTC."""

    start: dt.datetime
    end: dt.datetime


def _local_start(day: dt.date, at: dt.time, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, at.replace(tzinfo=None), tzinfo=zone).astimezone(dt.UTC)


@dataclass(frozen=True, slots=True)
class Daily:
    """Every day at ``at`` local time."""

    at: dt.time

    def period_at(self, now: dt.datetime, zone: str) -> Period:
        tz = zoneinfo.ZoneInfo(zone)
        day = now.astimezone(tz).date()
        if _local_start(day, self.at, tz) > now:
            day -= dt.timedelta(days=1)
        return Period(_local_start(day, self.at, tz), _local_start(day + dt.timedelta(days=1), self.at, tz))

    def describe(self) -> str:
        return f"daily {self.at:%H:%M}"


WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True, slots=True)
class Weekly:
    """Every week on ``weekday`` (0 = Monday … 6 = Sunday) at ``at`` local time."""

    weekday: int
    at: dt.time

    def period_at(self, now: dt.datetime, zone: str) -> Period:
        tz = zoneinfo.ZoneInfo(zone)
        local = now.astimezone(tz).date()
        day = local - dt.timedelta(days=(local.weekday() - self.weekday) % 7)
        if _local_start(day, self.at, tz) > now:
            day -= dt.timedelta(days=7)
        return Period(_local_start(day, self.at, tz), _local_start(day + dt.timedelta(days=7), self.at, tz))

    def describe(self) -> str:
        return f"weekly {WEEKDAYS[self.weekday]} {self.at:%H:%M}"


@dataclass(frozen=True, slots=True)
class Every:
    """Every ``minutes`` minutes (slices of the UTC clock: every 15 minutes is :00, :15 …)."""

    minutes: int

    def __post_init__(self) -> None:
        if self.minutes <= 0:
            raise ValueError("Every needs a positive number of minutes")

    def period_at(self, now: dt.datetime, zone: str) -> Period:
        size = dt.timedelta(minutes=self.minutes)
        start = _EPOCH + ((now - _EPOCH) // size) * size
        return Period(start, start + size)

    def describe(self) -> str:
        return f"every {self.minutes} min"


Cadence = Daily | Weekly | Every


def next_start(cadence: Cadence, now: dt.datetime, zone: str) -> dt.datetime:
    """When the next period after the current one begins (the next due run)."""
    return cadence.period_at(now, zone).end

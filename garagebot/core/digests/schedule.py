"""When a digest is due: the garage's defaults, a person's own setting, the
period each digest covers, and the services that change the settings.

The garage's defaults live in ``Organization.settings["digests"]``::

    {"daily": {"enabled": true, "time": "19:00"},
     "weekly": {"enabled": true, "time": "19:00", "day": "saturday"}}

(what is missing is the built-in default: both on, 19:00, weekly on
Saturday). A person's ``DigestPreference`` row for a kind overrides the
garage's switch and time (the weekly day stays the garage's). Times are in
the garage's zone; a due moment is local time turned into UTC with the
zone's rules of that day, so a DST change moves it with the clock.

Periods: the daily digest covers the local day it is due on, compared with
the day before; the weekly digest covers the seven days ending on its due
day, compared with the seven before. A digest is named by its kind and the
period's last day (the claim's key).
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from garagebot.core.errors import InvalidInput

SETTINGS_KEY = "digests"
DEFAULT_TIME = dt.time(19, 0)
DEFAULT_WEEKDAY = 5  # Saturday (Monday = 0)
CATCH_UP = dt.timedelta(hours=6)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class DigestKind(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"


@dataclass(frozen=True, slots=True)
class Schedule:
    """One kind of digest as it applies to someone: on or off, and when."""

    kind: DigestKind
    enabled: bool
    at: dt.time
    weekday: int = DEFAULT_WEEKDAY  # weekly only


@dataclass(frozen=True, slots=True)
class DigestPeriod:
    """Days ``start``..``end`` (inclusive, the garage's calendar) and the
    period before, of the same length."""

    kind: DigestKind
    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def previous(self) -> DigestPeriod:
        shift = dt.timedelta(days=self.days)
        return DigestPeriod(self.kind, self.start - shift, self.end - shift)

    @property
    def key(self) -> str:
        return self.end.isoformat()


def parse_time(text: object) -> dt.time | None:
    """"19:00" → 19:00; None when it is not a time of day."""
    found = _HHMM.match(str(text or "").strip())
    return None if found is None else dt.time(int(found.group(1)), int(found.group(2)))


def hhmm(at: dt.time) -> str:
    return f"{at.hour:02d}:{at.minute:02d}"


def garage_schedule(settings: Mapping[str, object] | None, kind: DigestKind) -> Schedule:
    """The garage's default for ``kind`` (built-in defaults where unset)."""
    section = (settings or {}).get(SETTINGS_KEY)
    entry = section.get(kind.value) if isinstance(section, Mapping) else None
    entry = entry if isinstance(entry, Mapping) else {}
    enabled = entry.get("enabled", True)
    at = parse_time(entry.get("time")) or DEFAULT_TIME
    day = str(entry.get("day", WEEKDAYS[DEFAULT_WEEKDAY])).lower()
    weekday = WEEKDAYS.index(day) if day in WEEKDAYS else DEFAULT_WEEKDAY
    return Schedule(kind, enabled is not False, at, weekday)


def personal(garage: Schedule, enabled: bool | None, at_time: str | None) -> Schedule:
    """The garage's schedule with a person's own switch and time laid over it."""
    at = parse_time(at_time) if at_time else None
    return Schedule(garage.kind, garage.enabled if enabled is None else enabled, at or garage.at,
                    garage.weekday)


def due_at(schedule: Schedule, day: dt.date, zone: str) -> dt.datetime:
    """The UTC moment ``schedule`` is due on local ``day`` (a time that does
    not exist on a DST change day is taken after the jump)."""
    local = dt.datetime.combine(day, schedule.at, zoneinfo.ZoneInfo(zone))
    utc = local.astimezone(dt.UTC)
    if utc.astimezone(zoneinfo.ZoneInfo(zone)).replace(tzinfo=None) != local.replace(tzinfo=None):
        utc = local.replace(fold=1).astimezone(dt.UTC)
    return utc


@dataclass(frozen=True, slots=True)
class Due:
    period: DigestPeriod
    at: dt.datetime
    late: bool  # past the catch-up window: skipped


def latest_due(schedule: Schedule, now: dt.datetime, zone: str) -> Due | None:
    """The latest digest of ``schedule`` due at or before ``now`` (today's or
    yesterday's local day), or None when it is off or none is due yet."""
    if not schedule.enabled:
        return None
    today = now.astimezone(zoneinfo.ZoneInfo(zone)).date()
    for day in (today, today - dt.timedelta(days=1)):
        if schedule.kind is DigestKind.WEEKLY and day.weekday() != schedule.weekday:
            continue
        at = due_at(schedule, day, zone)
        if at <= now:
            return Due(period_ending(schedule.kind, day), at, now > at + CATCH_UP)
    return None


def period_ending(kind: DigestKind, day: dt.date) -> DigestPeriod:
    """The period of a ``kind`` digest whose last day is ``day``."""
    length = 1 if kind is DigestKind.DAILY else 7
    return DigestPeriod(kind, day - dt.timedelta(days=length - 1), day)


def checked_time(text: str) -> str:
    """A time a person typed, as "HH:MM"; InvalidInput otherwise."""
    at = parse_time(text.replace("٫", ":").translate(str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")))
    if at is None:
        raise InvalidInput("digests.error_time")
    return hhmm(at)

"""A garage's appointment settings: opening hours per weekday, holidays, the
slot length, the no-show grace time and the hours client reminders may go
out; and its bays.

Kept in ``Organization.settings["appointments"]`` (bays in their own table,
``Bay``). Every value has a default, so a garage that set nothing books
Saturday to Thursday 08:00–18:00 (Friday closed) in one-hour slots.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import cast

from sqlalchemy import select

from garagebot.core.errors import InvalidInput
from garagebot.core.models import Bay, Organization
from garagebot.core.normalize import clean_text
from garagebot.core.permissions import Permission
from garagebot.core.uow import UnitOfWork

SETTING = "appointments"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # Python's weekday() order
_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
_OPEN = (dt.time(8), dt.time(18))


def _default_hours() -> tuple[tuple[dt.time, dt.time] | None, ...]:
    return tuple(None if day == "fri" else _OPEN for day in WEEKDAYS)


@dataclass(frozen=True, slots=True)
class AppointmentSettings:
    """``hours[weekday]``: opening and closing time, None when closed."""

    hours: tuple[tuple[dt.time, dt.time] | None, ...] = field(default_factory=_default_hours)
    holidays: tuple[dt.date, ...] = ()
    slot_minutes: int = 60
    no_show_grace_minutes: int = 30
    reminder_from: dt.time = dt.time(9)
    reminder_until: dt.time = dt.time(21)

    def open_on(self, day: dt.date) -> tuple[dt.time, dt.time] | None:
        """The opening hours of ``day`` (a local date), None when closed or a holiday."""
        return None if day in self.holidays else self.hours[day.weekday()]


@dataclass(frozen=True, slots=True)
class BaySpec:
    code: str
    name_en: str
    name_ar: str


def hhmm(text: object) -> dt.time | None:
    found = _HHMM.match(str(text or "").strip())
    return None if found is None else dt.time(int(found.group(1)), int(found.group(2)))


def hours_text(span: tuple[dt.time, dt.time] | None) -> str:
    return "closed" if span is None else f"{span[0]:%H:%M}-{span[1]:%H:%M}"


def parse_hours(text: str) -> tuple[dt.time, dt.time] | None:
    """"08:00-18:00" or "closed"; InvalidInput otherwise (closing after opening)."""
    value = text.strip().lower()
    if value == "closed":
        return None
    start, _, end = value.partition("-")
    opens, closes = hhmm(start), hhmm(end)
    if opens is None or closes is None or closes <= opens:
        raise InvalidInput("appointment.hours_invalid", value=text)
    return opens, closes


def settings_of(org: Organization) -> AppointmentSettings:
    """The garage's settings (defaults where it set nothing or something unreadable)."""
    raw = (org.settings or {}).get(SETTING)
    if not isinstance(raw, Mapping):
        return AppointmentSettings()
    base = AppointmentSettings()
    hours = list(base.hours)
    given = raw.get("hours")
    for i, day in enumerate(WEEKDAYS):
        if isinstance(given, Mapping) and isinstance(given.get(day), str):
            with contextlib.suppress(InvalidInput):
                hours[i] = parse_hours(str(given[day]))
    holidays = tuple(dt.date.fromisoformat(d) for d in cast(Sequence[object], raw.get("holidays") or ())
                     if isinstance(d, str) and _is_date(d))
    return AppointmentSettings(
        hours=tuple(hours), holidays=holidays,
        slot_minutes=_int(raw.get("slot_minutes"), base.slot_minutes),
        no_show_grace_minutes=_int(raw.get("no_show_grace_minutes"), base.no_show_grace_minutes),
        reminder_from=hhmm(raw.get("reminder_from")) or base.reminder_from,
        reminder_until=hhmm(raw.get("reminder_until")) or base.reminder_until,
    )


def _is_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _int(value: object, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else default


def to_json(s: AppointmentSettings) -> dict[str, object]:
    return {
        "hours": {day: hours_text(s.hours[i]) for i, day in enumerate(WEEKDAYS)},
        "holidays": [d.isoformat() for d in sorted(s.holidays)],
        "slot_minutes": s.slot_minutes, "no_show_grace_minutes": s.no_show_grace_minutes,
        "reminder_from": f"{s.reminder_from:%H:%M}", "reminder_until": f"{s.reminder_until:%H:%M}",
    }


def _check(s: AppointmentSettings) -> None:
    if not 10 <= s.slot_minutes <= 480:
        raise InvalidInput("appointment.slot_minutes_invalid", value=s.slot_minutes)
    if not 0 < s.no_show_grace_minutes <= 720:
        raise InvalidInput("appointment.grace_invalid", value=s.no_show_grace_minutes)
    if s.reminder_until <= s.reminder_from:
        raise InvalidInput("appointment.reminder_hours_invalid")


async def set_appointment_settings(uow: UnitOfWork, wanted: AppointmentSettings) -> bool:
    """Set the garage's appointment settings (owner); audited; True when they changed."""
    await uow.require(Permission.MANAGE_GARAGE)
    _check(wanted)
    org = await uow.organization()
    before = to_json(settings_of(org))
    after = to_json(wanted)
    if before == after:
        return False
    org.settings = {**(org.settings or {}), SETTING: after}  # a new dict: the JSON column is written
    await uow.audit("organization", org.id, "appointment_settings", before=before, after=after)
    return True


async def bays_of(uow: UnitOfWork, *, active_only: bool = True) -> list[Bay]:
    stmt = select(Bay).where(Bay.organization_id == uow.org_id).order_by(Bay.position, Bay.id)
    if active_only:
        stmt = stmt.where(Bay.active.is_(True))
    return list((await uow.session.scalars(stmt)).all())


def _spec(b: BaySpec) -> BaySpec:
    code, en, ar = clean_text(b.code).lower(), clean_text(b.name_en), clean_text(b.name_ar)
    if not _CODE.match(code):
        raise InvalidInput("appointment.bay_code_invalid", value=b.code)
    if not en or not ar or len(en) > 100 or len(ar) > 100:
        raise InvalidInput("appointment.bay_name_invalid", code=code)
    return BaySpec(code, en, ar)


async def set_bays(uow: UnitOfWork, wanted: Sequence[BaySpec]) -> bool:
    """Make the garage's active bays exactly ``wanted`` in that order (owner):
    new codes are added, changed names updated, bays left out deactivated
    (their past appointments keep them). Audited; True when anything changed."""
    await uow.require(Permission.MANAGE_GARAGE)
    specs = [_spec(b) for b in wanted]
    if len({b.code for b in specs}) != len(specs):
        raise InvalidInput("appointment.bay_code_repeated")
    have = {b.code: b for b in await bays_of(uow, active_only=False)}
    before = [(b.code, b.name_en, b.name_ar, b.active, b.position) for b in have.values()]
    for position, spec in enumerate(specs):
        row = have.get(spec.code)
        if row is None:
            row = Bay(organization_id=uow.org_id, code=spec.code)
            uow.session.add(row)
        row.name_en, row.name_ar, row.position, row.active = spec.name_en, spec.name_ar, position, True
    for code, row in have.items():
        if code not in {s.code for s in specs}:
            row.active = False
    after = [(b.code, b.name_en, b.name_ar, b.active, b.position) for b in have.values()]
    if before == after and len(have) == len(specs) and all(s.code in have for s in specs):
        return False
    await uow.audit("organization", uow.org_id, "bays", after={"bays": [s.code for s in specs]})
    return True

"""The ``appointments`` section of a garage configuration file: opening
hours per weekday, holidays, slot length, no-show grace, reminder hours and
the bays. Every key is optional (left out: the default, ``core.appointments.settings``).

```yaml
appointments:
  slot_minutes: 60
  no_show_grace_minutes: 30
  reminder_hours: "09:00-21:00"
  hours: {sat: "08:00-18:00", fri: closed}
  holidays: ["2026-12-25"]
  bays:
  - {code: b1, name_en: Bay 1, name_ar: الرافعة ١}
```
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import yaml

from garagebot.core.appointments.settings import (
    WEEKDAYS,
    AppointmentSettings,
    BaySpec,
    bays_of,
    hours_text,
    parse_hours,
    set_appointment_settings,
    set_bays,
    settings_of,
)
from garagebot.core.errors import InvalidInput
from garagebot.core.garage_config.nodes import Reader, line_of
from garagebot.core.uow import UnitOfWork

_KEYS = ("slot_minutes", "no_show_grace_minutes", "reminder_hours", "hours", "holidays", "bays")


@dataclass(frozen=True, slots=True)
class AppointmentsConfig:
    settings: AppointmentSettings
    bays: tuple[BaySpec, ...] | None  # None: bays left as they are
    line: int = 0


def _hours(r: Reader, node: yaml.Node, base: AppointmentSettings) -> AppointmentSettings:
    f = r.mapping(node, WEEKDAYS) or {}
    hours = list(base.hours)
    for day, value in f.items():
        text = r.text(value)
        try:
            hours[WEEKDAYS.index(day)] = parse_hours(text) if text is not None else hours[WEEKDAYS.index(day)]
        except InvalidInput:
            r.problem(value, "appointment.hours_invalid", value=text)
    return replace(base, hours=tuple(hours))


def _holidays(r: Reader, node: yaml.Node) -> tuple[dt.date, ...]:
    out: list[dt.date] = []
    for item in r.sequence(node) or ():
        text = r.text(item)
        try:
            out.append(dt.date.fromisoformat(text or ""))
        except ValueError:
            r.problem(item, "config.expected_date", value=text)
    return tuple(out)


def _bays(r: Reader, node: yaml.Node) -> tuple[BaySpec, ...]:
    out = []
    for item in r.sequence(node) or ():
        f = r.mapping(item, ("code", "name_en", "name_ar"), ("code", "name_en", "name_ar"))
        if f is not None:
            code, en, ar = r.text(f.get("code")), r.text(f.get("name_en")), r.text(f.get("name_ar"))
            if code and en and ar:
                out.append(BaySpec(code, en, ar))
    return tuple(out)


def parse_appointments(r: Reader, node: yaml.Node) -> AppointmentsConfig | None:
    f = r.mapping(node, _KEYS)
    if f is None:
        return None
    s = AppointmentSettings()
    if "hours" in f:
        s = _hours(r, f["hours"], s)
    if "holidays" in f:
        s = replace(s, holidays=_holidays(r, f["holidays"]))
    if "slot_minutes" in f:
        s = replace(s, slot_minutes=r.integer(f["slot_minutes"]) or s.slot_minutes)
    if "no_show_grace_minutes" in f:
        s = replace(s, no_show_grace_minutes=r.integer(f["no_show_grace_minutes"]) or s.no_show_grace_minutes)
    if "reminder_hours" in f:
        try:
            given = parse_hours(r.text(f["reminder_hours"]) or "")
            opens, closes = given or (s.reminder_from, s.reminder_until)
            s = replace(s, reminder_from=opens, reminder_until=closes)
        except InvalidInput:
            r.problem(f["reminder_hours"], "appointment.hours_invalid", value=r.text(f["reminder_hours"]))
    return AppointmentsConfig(s, _bays(r, f["bays"]) if "bays" in f else None, line_of(node))


async def apply_appointments(uow: UnitOfWork, config: AppointmentsConfig) -> bool:
    changed = await set_appointment_settings(uow, config.settings)
    if config.bays is not None:
        changed = await set_bays(uow, config.bays) or changed
    return changed


async def current_appointments(uow: UnitOfWork) -> AppointmentsConfig | None:
    """What the garage has; None when it set nothing (the section is left out of an export)."""
    org = await uow.organization()
    bays = await bays_of(uow)
    if not bays and "appointments" not in (org.settings or {}):
        return None
    return AppointmentsConfig(settings_of(org), tuple(BaySpec(b.code, b.name_en, b.name_ar) for b in bays))


def to_document(config: AppointmentsConfig) -> dict[str, object]:
    s = config.settings
    doc: dict[str, object] = {
        "slot_minutes": s.slot_minutes, "no_show_grace_minutes": s.no_show_grace_minutes,
        "reminder_hours": f"{s.reminder_from:%H:%M}-{s.reminder_until:%H:%M}",
        "hours": {day: hours_text(s.hours[i]) for i, day in enumerate(WEEKDAYS)},
        "holidays": [d.isoformat() for d in s.holidays],
    }
    if config.bays is not None:
        doc["bays"] = [{"code": b.code, "name_en": b.name_en, "name_ar": b.name_ar} for b in config.bays]
    return doc

"""A garage's settings for the work that happens on time, with defaults.

They live in ``Organization.settings["schedule"]`` (set by ``set_schedule_settings``
or the garage configuration file's ``schedule`` section); a value left out
keeps its default. Minutes count from when the session entered the status
(approval, parts, pickup); diagnosis and repair use the SLA targets
(``core.repair.sla``). Days count from the invoice's issue or the order's
sending; 0 turns a reminder off.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace

from garagebot.core.errors import InvalidInput
from garagebot.core.permissions import Permission
from garagebot.core.uow import UnitOfWork

SETTING = "schedule"
MAX_MINUTES = 30 * 24 * 60
MAX_DAYS = 365


@dataclass(frozen=True, slots=True)
class ServiceInterval:
    """Remind a client when a service of template ``template`` (its code) is due:
    ``months`` after the last one or ``km`` kilometres further (0: not by that)."""

    template: str
    months: int = 0
    km: int = 0


@dataclass(frozen=True, slots=True)
class ScheduleSettings:
    approval_wait_minutes: int = 24 * 60
    parts_wait_minutes: int = 3 * 24 * 60
    pickup_wait_minutes: int = 24 * 60
    escalate_after_minutes: int = 120
    invoice_reminder_days: int = 7
    po_overdue_days: int = 7
    service_intervals: tuple[ServiceInterval, ...] = ()


_NUMBERS = tuple(f.name for f in fields(ScheduleSettings) if f.name != "service_intervals")
_LIMITS = {"invoice_reminder_days": MAX_DAYS, "po_overdue_days": MAX_DAYS}


def _interval(raw: object) -> ServiceInterval | None:
    if not isinstance(raw, Mapping) or not isinstance(raw.get("template"), str):
        return None
    months, km = raw.get("months", 0), raw.get("km", 0)
    if not isinstance(months, int) or not isinstance(km, int):
        return None
    return ServiceInterval(str(raw["template"]), months, km)


def schedule_settings(settings: Mapping[str, object] | None) -> ScheduleSettings:
    """The garage's settings from ``Organization.settings`` (defaults for what is missing or bad)."""
    raw = (settings or {}).get(SETTING)
    if not isinstance(raw, Mapping):
        return ScheduleSettings()
    values = {k: raw[k] for k in _NUMBERS if isinstance(raw.get(k), int) and not isinstance(raw.get(k), bool)}
    intervals = raw.get("service_intervals")
    found = tuple(i for i in map(_interval, intervals or ()) if i is not None) if isinstance(
        intervals, list) else ()
    return replace(ScheduleSettings(**values), service_intervals=found)


def _check(value: ScheduleSettings) -> None:
    for name in _NUMBERS:
        number = getattr(value, name)
        if number < 0 or number > _LIMITS.get(name, MAX_MINUTES):
            raise InvalidInput("schedule.setting_invalid", name=name)
    for interval in value.service_intervals:
        if interval.months < 0 or interval.km < 0 or interval.months > 120 or interval.km > 1_000_000:
            raise InvalidInput("schedule.setting_invalid", name=interval.template)


def as_json(value: ScheduleSettings) -> dict[str, object]:
    data = asdict(value)
    data["service_intervals"] = [asdict(i) for i in value.service_intervals]
    return data


async def set_schedule_settings(uow: UnitOfWork, value: ScheduleSettings) -> bool:
    """Set the garage's schedule settings (owner or manager; audited); True when they changed."""
    await uow.require(Permission.MANAGE_GARAGE)
    _check(value)
    org = await uow.organization()
    before = schedule_settings(org.settings)
    if before == value:
        return False
    org.settings = {**(org.settings or {}), SETTING: as_json(value)}  # a new dict: the JSON column is written
    await uow.audit("organization", org.id, "schedule_settings", before=as_json(before), after=as_json(value))
    uow.emit("garage.settings_changed", {"organization_id": org.id, "fields": [SETTING]})
    return True

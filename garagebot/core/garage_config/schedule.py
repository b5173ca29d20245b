"""The ``schedule`` section of a garage configuration file: the settings of the
work that happens on time (``core.alerts.settings``). A value left out takes
its default; ``service_intervals`` lists the service templates whose clients
are reminded, by months and kilometres::

    schedule:
      approval_wait_minutes: 1440
      escalate_after_minutes: 120
      invoice_reminder_days: 7
      service_intervals:
        - {template: oil, months: 6, km: 5000}
"""

from __future__ import annotations

from dataclasses import fields

import yaml

from garagebot.core.alerts.settings import (
    ScheduleSettings,
    ServiceInterval,
    as_json,
    schedule_settings,
    set_schedule_settings,
)
from garagebot.core.garage_config.nodes import Reader
from garagebot.core.uow import UnitOfWork

_NUMBERS = tuple(f.name for f in fields(ScheduleSettings) if f.name != "service_intervals")
_INTERVAL = ("template", "months", "km")


def parse_schedule(r: Reader, node: yaml.Node) -> ScheduleSettings | None:
    f = r.mapping(node, (*_NUMBERS, "service_intervals"))
    if f is None:
        return None
    numbers = {k: r.integer(f[k]) for k in _NUMBERS if k in f}
    intervals: list[ServiceInterval] = []
    for item in r.sequence(f["service_intervals"]) or () if "service_intervals" in f else ():
        g = r.mapping(item, _INTERVAL, ("template",))
        code = r.text(g.get("template")) if g else None
        if g is not None and code is not None:
            months, km = r.integer(g.get("months")) or 0, r.integer(g.get("km")) or 0
            intervals.append(ServiceInterval(code, months, km))
    values = {k: v for k, v in numbers.items() if v is not None}
    return ScheduleSettings(**values, service_intervals=tuple(intervals))


def schedule_doc(value: ScheduleSettings) -> dict[str, object]:
    return as_json(value)


async def apply_schedule(uow: UnitOfWork, value: ScheduleSettings) -> bool:
    org = await uow.organization()
    if schedule_settings(org.settings) == value:
        return False
    return await set_schedule_settings(uow, value)

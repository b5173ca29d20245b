"""The ``digests`` section of a garage configuration file: the garage's
default KPI digests (``core.digests``)::

    digests:
      daily: {enabled: yes, time: "19:00"}
      weekly: {enabled: yes, time: "19:00", day: saturday}

A kind left out keeps the garage's setting. A person's own setting (in chat)
still overrides the garage's.
"""

from __future__ import annotations

import yaml

from garagebot.core.digests.schedule import WEEKDAYS, DigestKind, garage_schedule, hhmm
from garagebot.core.digests.services import set_garage_digests
from garagebot.core.garage_config.nodes import Reader, line_of
from garagebot.core.garage_config.schema import DigestConfig
from garagebot.core.models import Organization
from garagebot.core.uow import UnitOfWork

_FIELDS = ("enabled", "time", "day")


def parse_digests(r: Reader, node: yaml.Node) -> tuple[DigestConfig, ...]:
    out: list[DigestConfig] = []
    for kind, entry in (r.mapping(node, [k.value for k in DigestKind]) or {}).items():
        known = _FIELDS if kind == DigestKind.WEEKLY.value else _FIELDS[:2]
        f = r.mapping(entry, known, ("enabled", "time"))
        if f is None:
            continue
        enabled, at = r.boolean(f.get("enabled")), r.text(f.get("time"))
        day = r.choice(f["day"], WEEKDAYS) if "day" in f else None
        if enabled is not None and at is not None and ("day" not in f or day is not None):
            out.append(DigestConfig(kind, enabled, at, day, line_of(entry)))
    return tuple(out)


def current_digests(org: Organization) -> tuple[DigestConfig, ...]:
    out = []
    for kind in DigestKind:
        s = garage_schedule(org.settings, kind)
        day = WEEKDAYS[s.weekday] if kind is DigestKind.WEEKLY else None
        out.append(DigestConfig(kind.value, s.enabled, hhmm(s.at), day))
    return tuple(out)


def digests_yaml(items: tuple[DigestConfig, ...]) -> dict[str, object]:
    out: dict[str, object] = {}
    for d in items:
        entry: dict[str, object] = {"enabled": d.enabled, "time": d.time}
        if d.day is not None:
            entry["day"] = d.day
        out[d.kind] = entry
    return out


async def apply_digests(uow: UnitOfWork, items: tuple[DigestConfig, ...]) -> bool:
    """Set each kind that differs from the garage's; whether anything changed."""
    have = {(d.kind, d.enabled, d.time, d.day) for d in current_digests(await uow.organization())}
    changed = False
    for d in items:
        current = next(h for h in have if h[0] == d.kind)
        wanted = (d.kind, d.enabled, d.time, d.day if d.day is not None else current[3])
        if wanted == current:
            continue
        await set_garage_digests(uow, DigestKind(d.kind), enabled=d.enabled, at_time=d.time, day=d.day)
        changed = True
    return changed

"""The configuration file's ``appointments`` section: bays, opening hours,
holidays and the reminder hours set through the services, idempotent,
exported back as read, and each mistake named at its line."""

from __future__ import annotations

import datetime as dt

import pytest

from garagebot.core.actor import Actor
from garagebot.core.appointments.settings import bays_of, settings_of
from garagebot.core.enums import Channel
from garagebot.core.garage_config import ConfigInvalid, import_config, read_config, to_yaml
from garagebot.core.ids import OrgId
from garagebot.core.uow import Database
from tests.conftest import new_garage

SECTION = """version: 1
appointments:
  slot_minutes: 45
  no_show_grace_minutes: 20
  reminder_hours: 10:00-20:00
  hours:
    fri: closed
    sat: 09:00-14:00
  holidays: ["2026-12-25"]
  bays:
  - {code: b1, name_en: Bay 1 (lift), name_ar: الرافعة ١}
  - {code: b2, name_en: Alignment, name_ar: ميزان الأذرعة}
"""


async def apply(db: Database, org: OrgId, text: str) -> tuple[str, ...]:
    async with db.unit_of_work(Actor.system(org, Channel.CLI)) as uow:
        return (await import_config(uow, text)).changed


async def export(db: Database, org: OrgId) -> str:
    async with db.unit_of_work(Actor.system(org, Channel.CLI)) as uow:
        return to_yaml(await read_config(uow))


async def test_the_section_sets_bays_and_hours_once_and_exports_as_read(db: Database, org: OrgId) -> None:
    assert await apply(db, org, SECTION) == ("appointments",)
    assert await apply(db, org, SECTION) == ()  # idempotent
    async with db.unit_of_work(Actor.system(org)) as uow:
        bays = [(b.code, b.name_ar) for b in await bays_of(uow)]
        s = settings_of(await uow.organization())
    assert bays == [("b1", "الرافعة ١"), ("b2", "ميزان الأذرعة")]
    assert (s.slot_minutes, s.no_show_grace_minutes, s.reminder_from, s.reminder_until) == (
        45, 20, dt.time(10), dt.time(20))
    assert s.open_on(dt.date(2026, 12, 26)) == (dt.time(9), dt.time(14))  # a Saturday
    assert s.open_on(dt.date(2026, 12, 25)) is None  # the holiday
    assert s.open_on(dt.date(2026, 12, 28)) == (dt.time(8), dt.time(18))  # Monday: the default
    first = await export(db, org)
    other = await new_garage(db)
    await apply(db, other, first)
    assert await export(db, other) == first
    fewer = SECTION.split("  - {code: b2")[0]
    assert await apply(db, org, fewer) == ("appointments",)  # b2 deactivated, kept for its history
    async with db.unit_of_work(Actor.system(org)) as uow:
        assert [b.code for b in await bays_of(uow)] == ["b1"]
        assert [b.code for b in await bays_of(uow, active_only=False)] == ["b1", "b2"]


@pytest.mark.parametrize(("text", "line", "key"), [
    ("appointments:\n  hours: {mon: 18:00-08:00}\n", 2, "appointment.hours_invalid"),
    ("appointments:\n  holidays: [christmas]\n", 2, "config.expected_date"),
    ("appointments:\n  lunch: 13:00\n", 2, "config.unknown_key"),
    ("appointments:\n  slot_minutes: 5\n", 2, "appointment.slot_minutes_invalid"),
    ("appointments:\n  bays:\n  - {code: B 1, name_en: x, name_ar: y}\n", 2, "appointment.bay_code_invalid"),
])
async def test_a_mistake_is_named_at_its_line_and_nothing_changes(
    db: Database, org: OrgId, text: str, line: int, key: str,
) -> None:
    with pytest.raises(ConfigInvalid) as refused:
        await apply(db, org, "version: 1\n" + text)
    assert [(p.line - 1, p.key) for p in refused.value.problems] == [(line, key)]
    async with db.unit_of_work(Actor.system(org)) as uow:
        assert await bays_of(uow, active_only=False) == []

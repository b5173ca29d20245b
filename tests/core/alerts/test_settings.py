"""The schedule settings: defaults, the owner's service, and the garage
configuration file's ``schedule`` section (imported, exported, refused by line)."""

from __future__ import annotations

import pytest

from garagebot.core.actor import Actor
from garagebot.core.alerts.settings import (
    ScheduleSettings,
    ServiceInterval,
    schedule_settings,
    set_schedule_settings,
)
from garagebot.core.errors import PermissionDenied
from garagebot.core.garage_config import ConfigInvalid, import_config, read_config, to_yaml
from garagebot.core.ids import OrgId
from garagebot.core.models import Organization
from garagebot.core.uow import Database
from tests.conftest import Staff

FILE = """
schedule:
  approval_wait_minutes: 600
  escalate_after_minutes: 90
  invoice_reminder_days: 10
  service_intervals:
    - {template: oil, months: 6, km: 5000}
    - {template: brakes, km: 20000}
"""


async def settings_of(db: Database, org: OrgId) -> ScheduleSettings:
    async with db.read() as s:
        row = await s.get(Organization, org)
        assert row is not None
        return schedule_settings(row.settings)


async def test_a_garage_starts_with_the_defaults_and_only_the_owner_changes_them(
        db: Database, staff: Staff) -> None:
    assert await settings_of(db, staff.org) == ScheduleSettings()
    with pytest.raises(PermissionDenied):
        async with db.unit_of_work(staff.advisor) as uow:
            await set_schedule_settings(uow, ScheduleSettings(invoice_reminder_days=3))
    async with db.unit_of_work(staff.owner) as uow:
        assert await set_schedule_settings(uow, ScheduleSettings(invoice_reminder_days=3))
    assert (await settings_of(db, staff.org)).invoice_reminder_days == 3


async def test_the_configuration_file_sets_the_schedule_and_exports_it_back(
        db: Database, staff: Staff) -> None:
    async with db.unit_of_work(Actor.system(staff.org)) as uow:
        assert (await import_config(uow, FILE)).changed == ("schedule",)
    got = await settings_of(db, staff.org)
    assert got == ScheduleSettings(
        approval_wait_minutes=600, escalate_after_minutes=90, invoice_reminder_days=10,
        service_intervals=(ServiceInterval("oil", 6, 5000), ServiceInterval("brakes", 0, 20000)))
    async with db.unit_of_work(Actor.system(staff.org)) as uow:
        exported = to_yaml(await read_config(uow))
        assert (await import_config(uow, exported)).changed == ()
    assert "invoice_reminder_days: 10" in exported


async def test_a_bad_value_is_refused_at_its_section_and_nothing_changes(db: Database, staff: Staff) -> None:
    bad = "\n\nschedule:\n  escalate_after_minutes: -5\n"
    with pytest.raises(ConfigInvalid) as refused:
        async with db.unit_of_work(Actor.system(staff.org)) as uow:
            await import_config(uow, bad)
    assert [(p.line, p.key) for p in refused.value.problems] == [(4, "schedule.setting_invalid")]
    assert await settings_of(db, staff.org) == ScheduleSettings()

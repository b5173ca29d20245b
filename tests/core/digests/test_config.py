"""The garage's default digests in its configuration file: applied through
the digest service (audited), exported and read back unchanged, and a wrong
day reported at its line with nothing changed."""

from __future__ import annotations

import pytest

from garagebot.core.digests.schedule import DigestKind, garage_schedule
from garagebot.core.garage_config import ConfigInvalid
from garagebot.core.ids import OrgId
from garagebot.core.models import Organization
from garagebot.core.uow import Database
from tests.core.garage_config.test_import import apply, audit_actions, export

FILE = """version: 1
digests:
  daily: {enabled: no, time: "18:30"}
  weekly: {enabled: yes, time: "20:00", day: thursday}
"""


async def test_the_file_sets_the_garages_digests_and_exports_them_back(db: Database, org: OrgId) -> None:
    assert await apply(db, org, FILE) == ("digests",)
    async with db.read() as s:
        garage = await s.get(Organization, org)
    assert garage is not None
    daily, weekly = (garage_schedule(garage.settings, k) for k in DigestKind)
    assert (daily.enabled, daily.at.hour, daily.at.minute) == (False, 18, 30)
    assert (weekly.enabled, weekly.at.hour, weekly.weekday) == (True, 20, 3)
    assert "digest_defaults" in await audit_actions(db, org)
    exported = await export(db, org)
    assert 'daily:\n    enabled: false\n    time: \'18:30\'' in exported
    assert await apply(db, org, exported) == ()  # the same again changes nothing


async def test_a_wrong_day_is_reported_at_its_line_and_changes_nothing(db: Database, org: OrgId) -> None:
    with pytest.raises(ConfigInvalid) as raised:
        await apply(db, org, FILE.replace("thursday", "someday"))
    assert [(p.line, p.key) for p in raised.value.problems] == [(4, "config.unknown_choice")]
    async with db.read() as s:
        garage = await s.get(Organization, org)
    assert garage is not None
    assert "digests" not in (garage.settings or {})

"""Inspection templates: the default (30 items, EN/AR), thresholds that set
the severity in both directions, the garage's own template from the
configuration file (idempotent, a mistake named at its line), and an
inspection begun keeping the template it started with."""

from __future__ import annotations

from decimal import Decimal

import pytest

from garagebot.core.actor import Actor
from garagebot.core.enums import Channel
from garagebot.core.errors import InvalidInput
from garagebot.core.garage_config import ConfigInvalid, import_config, read_config, to_yaml
from garagebot.core.ids import OrgId
from garagebot.core.inspections.enums import Severity
from garagebot.core.inspections.service import record_item, start_inspection, template_copy
from garagebot.core.inspections.templates import DEFAULT_TEMPLATE, Measure, from_json, template_of, to_json
from garagebot.core.models import Inspection, Organization
from garagebot.core.uow import Database
from tests.conftest import Staff
from tests.core.inspections.scene import open_car

CONFIG = """\
version: 1
inspection_template:
  - key: tyres
    en: Tyres
    ar: الإطارات
    items:
      - key: tread
        en: Tread depth
        ar: عمق النقشة
        measure: {unit: mm, advisory: 3, critical: 1.6}
        work: [Replace tyre, تبديل الإطار]
        hours: 0.5
      - key: pressure
        en: Tyre pressure
        ar: ضغط الإطارات
"""


def test_the_default_template_has_thirty_items_named_in_both_languages() -> None:
    items = DEFAULT_TEMPLATE.items()
    assert len(items) == 30
    assert all(i.name_en and i.name_ar and s.name_ar for s, i in items)
    assert from_json(to_json(DEFAULT_TEMPLATE)) == DEFAULT_TEMPLATE


@pytest.mark.parametrize(("measure", "value", "severity"), [
    (Measure("mm", Decimal(3), Decimal("1.6")), "3", Severity.OK),
    (Measure("mm", Decimal(3), Decimal("1.6")), "2.9", Severity.ADVISORY),
    (Measure("mm", Decimal(3), Decimal("1.6")), "1.5", Severity.CRITICAL),
    (Measure("°C", Decimal(-25), Decimal(-15)), "-30", Severity.OK),
    (Measure("°C", Decimal(-25), Decimal(-15)), "-20", Severity.ADVISORY),
    (Measure("°C", Decimal(-25), Decimal(-15)), "-10", Severity.CRITICAL),
])
def test_thresholds_set_the_severity_whichever_side_is_bad(measure: Measure, value: str,
                                                           severity: Severity) -> None:
    assert measure.severity(Decimal(value)) is severity


async def test_the_garages_template_comes_from_the_configuration_file_and_is_kept_by_inspections(
    db: Database, org: OrgId, staff: Staff,
) -> None:
    cli = Actor.system(org, Channel.CLI)
    async with db.unit_of_work(cli) as uow:
        assert "inspection_template" in (await import_config(uow, CONFIG)).changed
    async with db.unit_of_work(cli) as uow:
        assert "inspection_template" not in (await import_config(uow, CONFIG)).changed  # the same again
        exported = to_yaml(await read_config(uow))
    async with db.read() as s:
        garage = await s.get(Organization, org)
    assert garage is not None
    assert [i.key for _, i in template_of(garage.settings).items()] == ["tread", "pressure"]
    assert "inspection_template:" in exported
    sid, _, _ = await open_car(db, staff.advisor)
    async with db.unit_of_work(staff.tech) as uow:
        insp, _ = await start_inspection(uow, sid)
        done = await record_item(uow, insp, "tread", value="١٫٥")
    assert (done.severity, done.value) == (Severity.CRITICAL, Decimal("1.500"))
    async with db.unit_of_work(cli) as uow:
        await import_config(uow, CONFIG.replace("Tyre pressure", "Pressure"))
    async with db.read() as s:
        row = await s.get(Inspection, insp)
    assert row is not None
    assert template_copy(row).items()[1][1].name_en == "Tyre pressure"  # the copy it began with


async def test_a_wrong_template_is_named_at_its_line_and_nothing_changes(db: Database, org: OrgId) -> None:
    wrong = CONFIG.replace("        en: Tyre pressure\n", "")
    async with db.unit_of_work(Actor.system(org, Channel.CLI)) as uow:
        with pytest.raises(ConfigInvalid) as raised:
            await import_config(uow, wrong)
    assert [(p.line, p.key) for p in raised.value.problems] == [(3, "error.inspection_template_invalid")]
    with pytest.raises(InvalidInput):
        from_json([{"key": "a", "en": "A", "ar": "أ", "items": [{"key": "x", "en": "X", "ar": "س"}] * 2}])

"""A garage set up from a configuration file: applied through the core
services all or nothing, idempotent, audited, and export → import exact."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from garagebot.core.actor import Actor
from garagebot.core.billing.settings import load_settings
from garagebot.core.enums import Channel
from garagebot.core.garage_config import ConfigInvalid, import_config, read_config, to_yaml
from garagebot.core.ids import OrgId
from garagebot.core.models import AuditEntry, Organization, ServiceTemplate, TemplateStep
from garagebot.core.repair.qc import qc_items_of
from garagebot.core.uow import Database
from tests.conftest import new_garage

EXAMPLE = (Path(__file__).parents[3] / "docs" / "garage-config.example.yaml").read_text(encoding="utf-8")


async def apply(db: Database, org: OrgId, text: str) -> tuple[str, ...]:
    async with db.unit_of_work(Actor.system(org, Channel.CLI)) as uow:
        return (await import_config(uow, text)).changed


async def export(db: Database, org: OrgId) -> str:
    async with db.unit_of_work(Actor.system(org, Channel.CLI)) as uow:
        return to_yaml(await read_config(uow))


async def audit_actions(db: Database, org: OrgId) -> list[str]:
    async with db.read() as s:
        return list((await s.scalars(select(AuditEntry.action).where(
            AuditEntry.organization_id == org).order_by(AuditEntry.seq))).all())


async def test_the_example_file_sets_up_a_new_garage_through_the_services_and_is_audited(
    db: Database, org: OrgId,
) -> None:
    changed = await apply(db, org, EXAMPLE)
    assert changed == ("billing", "qc_items", "templates", "whatsapp_templates")
    async with db.read() as s:
        templates = (await s.scalars(select(ServiceTemplate).where(
            ServiceTemplate.organization_id == org).order_by(ServiceTemplate.id))).all()
        steps = (await s.scalars(select(TemplateStep).where(TemplateStep.organization_id == org))).all()
        garage = await s.get(Organization, org)
    assert [t.code for t in templates] == ["oil_service", "brake_pads"]
    assert len(steps) == 7
    assert {s.parallel_group for s in steps} == {None, 1}
    assert garage is not None
    assert qc_items_of(garage)[0][0] == "Road test done, no new noises"
    async with db.unit_of_work(Actor.system(org)) as uow:
        billing = await load_settings(uow)
    assert [(f.name_en, str(f.amount)) for f in billing.fees] == [("Shop supplies", "1.500")]
    actions = await audit_actions(db, org)
    assert actions[-1] == "config_import"
    assert {"configure_billing", "qc_items", "create", "whatsapp_template"} <= set(actions)


async def test_importing_the_same_file_twice_changes_nothing_and_writes_no_audit_the_second_time(
    db: Database, org: OrgId,
) -> None:
    await apply(db, org, EXAMPLE)
    before = await audit_actions(db, org)
    assert await apply(db, org, EXAMPLE) == ()
    assert await audit_actions(db, org) == before


async def test_export_then_import_into_another_garage_gives_the_same_file(db: Database, org: OrgId) -> None:
    await apply(db, org, EXAMPLE)
    changed = EXAMPLE.replace("client_step_updates: false", "client_step_updates: true").replace(
        "repair_minutes: 1440", "repair_minutes: 960").replace("active: true", "active: false")
    assert set(await apply(db, org, changed)) == {"sla", "notifications", "templates"}
    first = await export(db, org)
    other = await new_garage(db)
    await apply(db, other, first)
    assert await export(db, other) == first
    assert await apply(db, org, first) == ()  # the garage already is what it exported
    assert "client_step_updates: true" in first
    assert "repair_minutes: 960" in first
    assert "active: false" in first


BAD = """\
version: 1
billing:
  labour_rate: "-5"
  billing_mode: hourly
  quote_valid_days: 400
sla:
  diagnose_minutes: 3000
  repair_minutes: 60
colour: blue
qc_items:
  - en: Road test
notifications:
  client_step_updates: maybe
templates:
  - code: Bad Code!
    name_en: X
    name_ar: س
    steps:
      - name_en: One
        name_ar: واحد
        minutes: 0
  - code: fine
    name_en: Fine
    name_ar: جيد
    steps:
      - name_en: A
        name_ar: أ
        minutes: ten
        skill: welding
  - code: parallel
    name_en: Parallel
    name_ar: متوازي
    steps:
      - {name_en: A, name_ar: أ, parallel_group: 1}
      - {name_en: B, name_ar: ب}
      - {name_en: C, name_ar: ج, parallel_group: 1}
      - {name_en: D, name_ar: د, attachments: 99}
whatsapp_templates:
  "*":
    en: {name: generic}
"""

EXPECTED = [
    (3, "error.amount_negative"),
    (4, "config.unknown_choice"),
    (5, "error.quote_valid_days"),
    (7, "error.sla_diagnose_after_repair"),
    (9, "config.unknown_key"),
    (11, "config.missing_key"),
    (13, "config.expected_yes_no"),
    (15, "error.template_code_invalid"),
    (28, "config.expected_whole_number"),
    (29, "config.unknown_choice"),
    (36, "error.parallel_group_not_contiguous"),
    (40, "config.missing_key"),
]


async def test_every_mistake_is_reported_with_its_line_in_one_run_and_nothing_changes(
    db: Database, org: OrgId,
) -> None:
    await apply(db, org, EXAMPLE)
    before, audit = await export(db, org), await audit_actions(db, org)
    with pytest.raises(ConfigInvalid) as refused:
        await apply(db, org, EXAMPLE.replace("version: 1\n", "") + BAD.replace("version: 1\n", "", 1))
    assert refused.value.problems  # a file with sections twice is refused too
    with pytest.raises(ConfigInvalid) as refused:
        await apply(db, org, BAD)
    found = [(p.line, p.key) for p in refused.value.problems]
    assert found == EXPECTED
    assert refused.value.params == {"count": len(EXPECTED)}
    assert await export(db, org) == before
    assert await audit_actions(db, org) == audit


@pytest.mark.parametrize(("text", "line", "key"), [
    ("templates:\n  - code: x\n   name_en: y\n", 3, "config.yaml_syntax"),
    ("", 1, "config.empty"),
    ("- a list\n", 1, "config.expected_mapping"),
    ("version: 2\n", 1, "config.unknown_version"),
    ("sla: {diagnose_minutes: 0, repair_minutes: 60}\n", 1, "error.sla_minutes_invalid"),
    ("billing:\n  tax_rates: {labour: \"150\"}\n", 2, "error.billing_percent_out_of_range"),
    ("qc_items: []\n", 1, "error.qc_items_invalid"),
    ("sla: &t {diagnose_minutes: 60, repair_minutes: 90}\nx: *t\n", 2, "config.alias_not_allowed"),
    ("#" * 1_000_001, 1, "config.too_large"),
])
async def test_one_mistake_of_each_kind_is_named_at_its_line(
    db: Database, org: OrgId, text: str, line: int, key: str,
) -> None:
    with pytest.raises(ConfigInvalid) as refused:
        await apply(db, org, text)
    assert [(p.line, p.key) for p in refused.value.problems] == [(line, key)]
    async with db.read() as s:
        templates = (await s.execute(select(func.count(ServiceTemplate.id)).where(
            ServiceTemplate.organization_id == org))).scalar_one()
    assert templates == 0

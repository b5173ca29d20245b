"""The garage configuration in the console: service templates (steps in
order, skills, checklists, attachments), billing, notifications (quiet
hours, WhatsApp template names) and the configuration file (export; import
checked by a dry run that lists every problem by line and changes nothing,
then applied). Errors beside the field with what was typed kept; Arabic-Indic
digits accepted; every change audited; in English and Arabic."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from garagebot.core.billing.settings import billing_settings
from garagebot.core.models import AuditEntry, Organization, ServiceTemplate
from garagebot.core.uow import Database
from garagebot.core.work.templates import StepSpec, template_step_specs
from tests.admin_web.harness import Browser, give_password
from tests.admin_web.htmlcheck import html_problems
from tests.conftest import Staff

LANGS = ["en", "ar"]
STEP_TEXT = {"en": "Fill this in", "ar": "املأ هذا الحقل"}
WHOLE = {"en": "whole number", "ar": "عدداً صحيحاً"}


async def audits(db: Database, org: int, action: str) -> int:
    async with db.read() as s:
        return int((await s.execute(select(func.count(AuditEntry.id)).where(
            AuditEntry.organization_id == org, AuditEntry.action == action))).scalar_one())


async def garage(db: Database, staff: Staff) -> Organization:
    async with db.read() as s:
        org = await s.get(Organization, staff.org)
    assert org is not None
    return org


async def steps_of(db: Database, staff: Staff, code: str) -> tuple[int, list[StepSpec]]:
    async with db.unit_of_work(staff.owner) as uow:
        t = (await uow.session.execute(select(ServiceTemplate).where(
            ServiceTemplate.organization_id == staff.org, ServiceTemplate.code == code))).scalar_one()
        return t.id, await template_step_specs(uow, t.id)


def step(row: int, order: str, en: str, ar: str, **more: str) -> dict[str, str]:
    return {f"s{row}_order": order, f"s{row}_name_en": en, f"s{row}_name_ar": ar,
            **{f"s{row}_{k}": v for k, v in more.items()}}


@pytest.mark.parametrize("lang", LANGS)
async def test_a_manager_makes_a_template_fixing_mistakes_shown_beside_each_step(
    browser: Browser, db: Database, staff: Staff, lang: str
) -> None:
    await browser.sign_in(await give_password(db, staff.manager))
    await browser.post("/lang", {"lang": lang, "next": "/"})
    status, body = await browser.get("/settings/templates/new")
    assert status == 200
    assert html_problems(body) == []
    form = {"rows": "3", "code": "ac_service", "name_en": "AC service", "name_ar": "صيانة المكيف",
            "active": "1",
            **step(0, "2", "Recharge the gas", "تعبئة الغاز", skill="ac", minutes="abc", attachments="1",
                   checklist="Pressure checked | تم فحص الضغط"),
            **step(1, "1", "Check for leaks", "", minutes="20")}
    status, body, _ = await browser.post("/settings/templates/new", form)
    assert status == 400
    assert 'id="e-s0_minutes"' in body
    assert WHOLE[lang] in body
    assert 'value="abc"' in body
    form["s0_minutes"] = "٤٥"
    status, body, _ = await browser.post("/settings/templates/new", form)
    assert status == 400
    assert 'id="e-s1_name_ar"' in body
    assert STEP_TEXT[lang] in body
    assert "Pressure checked | تم فحص الضغط" in body
    form["s1_name_ar"] = "فحص التسريب"
    status, _, location = await browser.post("/settings/templates/new", form)
    assert status == 303
    template_id, steps = await steps_of(db, staff, "ac_service")
    assert location == f"/settings/templates/{template_id}?notice=saved"
    assert [s.name_en for s in steps] == ["Check for leaks", "Recharge the gas"]
    assert (steps[1].estimated_minutes, steps[1].required_attachments) == (45, 1)
    assert str(steps[1].required_skill) == "ac"
    assert [(c.text_en, c.text_ar) for c in steps[1].checklist] == [("Pressure checked", "تم فحص الضغط")]
    assert await audits(db, staff.org, "create") >= 1
    status, body = await browser.get(f"/settings/templates/{template_id}")
    assert status == 200
    assert html_problems(body) == []
    assert 'value="Check for leaks"' in body


async def test_editing_a_template_reorders_its_steps_and_is_audited(browser: Browser, db: Database,
                                                                    staff: Staff) -> None:
    await browser.sign_in(await give_password(db, staff.lead))
    base = {"rows": "3", "code": "wheels", "name_en": "Wheels", "name_ar": "العجلات", "active": "1",
            **step(0, "1", "Loosen", "فك", minutes="10"), **step(1, "2", "Swap", "تبديل", minutes="20")}
    assert (await browser.post("/settings/templates/new", base))[0] == 303
    template_id, _ = await steps_of(db, staff, "wheels")
    before = await audits(db, staff.org, "update")
    status, _, _ = await browser.post(f"/settings/templates/{template_id}",
                                      {**base, "s0_order": "3", "s1_group": "1", "active": ""})
    assert status == 303
    _, steps = await steps_of(db, staff, "wheels")
    assert [s.name_en for s in steps] == ["Swap", "Loosen"]
    assert steps[0].parallel_group == 1
    async with db.read() as s:
        assert (await s.get(ServiceTemplate, template_id)).active is False  # type: ignore[union-attr]
    assert await audits(db, staff.org, "update") == before + 1


@pytest.mark.parametrize("lang", LANGS)
async def test_the_owner_sets_billing_and_a_wrong_rate_keeps_everything_as_it_was(
    browser: Browser, db: Database, staff: Staff, lang: str
) -> None:
    await browser.sign_in(await give_password(db, staff.owner))
    await browser.post("/lang", {"lang": lang, "next": "/"})
    status, body = await browser.get("/settings/billing")
    assert status == 200
    assert html_problems(body) == []
    form = {"labour_rate": "٢٥٫٥٠٠", "billing_mode": "actual", "quote_valid_days": "٣٠", "tax_labour": "150",
            "tax_parts": "16", "tax_fees": "16", "tax_surcharges": "16", "limit_advisor": "5",
            "limit_accountant": "5", "fees": "2", "fee0_kind": "fee", "fee0_name_en": "Shop supplies",
            "fee0_name_ar": "مستلزمات الورشة", "fee0_amount": "1.500"}
    status, body, _ = await browser.post("/settings/billing", form)
    assert status == 400
    assert 'id="e-tax_labour"' in body
    assert 'value="٢٥٫٥٠٠"' in body
    assert billing_settings(await garage(db, staff)).labour_rate.amount == 20
    status, _, _ = await browser.post("/settings/billing", {**form, "tax_labour": "16"})
    assert status == 303
    bs = billing_settings(await garage(db, staff))
    assert (str(bs.labour_rate.amount), bs.mode.value, bs.quote_valid_days) == ("25.500", "actual", 30)
    assert [(f.name_en, str(f.amount)) for f in bs.fees] == [("Shop supplies", "1.500")]
    assert await audits(db, staff.org, "configure_billing") == 4  # rate, mode, validity, fees


@pytest.mark.parametrize("lang", LANGS)
async def test_the_owner_sets_quiet_hours_and_a_whatsapp_template(
    browser: Browser, db: Database, staff: Staff, lang: str
) -> None:
    await browser.sign_in(await give_password(db, staff.owner))
    await browser.post("/lang", {"lang": lang, "next": "/"})
    status, body = await browser.get("/settings/notifications")
    assert status == 200
    assert html_problems(body) == []
    status, body, _ = await browser.post("/settings/notifications",
                                         {"quiet": "1", "quiet_start": "25:00", "quiet_end": "07:00"})
    assert status == 400
    assert 'id="e-quiet_start"' in body
    assert 'value="25:00"' in body
    assert (await browser.post("/settings/notifications",
                               {"quiet": "1", "quiet_start": "٢١:٠٠", "quiet_end": "07:00"}))[0] == 303
    assert (await garage(db, staff)).settings["staff_quiet_hours"] == {"start": "21:00", "end": "07:00"}
    assert (await browser.post("/settings/whatsapp", {"key": "*", "locale": "ar", "name": "garage_message_ar",
                                                      "language": "ar", "params": "garage"}))[0] == 303
    status, body = await browser.get("/settings/notifications")
    assert "garage_message_ar" in body
    assert await audits(db, staff.org, "staff_quiet_hours") == 1
    assert await audits(db, staff.org, "whatsapp_template") == 1


BAD = """version: 1
sla:
  diagnose_minutes: 90
  repair_minutes: soon
billing:
  labour_rate: "22.000"
  quote_valid_days: 500
"""


@pytest.mark.parametrize("lang", LANGS)
async def test_a_configuration_file_is_exported_then_checked_with_errors_by_line_then_fixed_and_applied(
    browser: Browser, db: Database, staff: Staff, lang: str
) -> None:
    await browser.sign_in(await give_password(db, staff.owner))
    await browser.post("/lang", {"lang": lang, "next": "/"})
    status, body = await browser.get("/settings/config")
    assert status == 200
    assert html_problems(body) == []
    resp = await browser.client.get("/settings/config/export")
    assert resp.status == 200
    assert "attachment" in resp.headers["Content-Disposition"]
    exported = await resp.text()
    assert "version: 1" in exported
    assert "sla:" in exported
    status, body, _ = await browser.post("/settings/config/check", {"text": BAD})
    assert status == 400
    assert 'id="config-problems"' in body
    at = {"en": "Line {}:", "ar": "السطر \u2068{}\u2069:"}[lang]
    assert at.format(4) in body
    assert at.format(7) in body
    assert "repair_minutes: soon" in body
    assert "quote_valid_days: 500" in body
    assert html_problems(body) == []
    fixed = BAD.replace("soon", "600").replace("500", "30")
    status, body, _ = await browser.post("/settings/config/check", {"text": fixed})
    assert status == 200
    assert 'id="config-apply"' in body
    org = await garage(db, staff)
    assert org.sla_diagnose_minutes == 120  # a check changes nothing
    assert await audits(db, staff.org, "config_import") == 0
    status, body, _ = await browser.post("/settings/config/import", {"text": fixed})
    assert status == 200
    assert 'id="config-applied"' in body
    org = await garage(db, staff)
    assert (org.sla_diagnose_minutes, org.sla_repair_minutes) == (90, 600)
    assert billing_settings(org).quote_valid_days == 30
    assert await audits(db, staff.org, "config_import") == 1


@pytest.mark.parametrize("role", ["manager", "lead", "advisor", "tech", "accountant"])
async def test_settings_pages_follow_the_permissions_of_their_services(
    browser: Browser, db: Database, staff: Staff, role: str
) -> None:
    await browser.sign_in(await give_password(db, getattr(staff, role)))
    await browser.get("/")
    templates = role in ("manager", "lead")
    assert (await browser.get("/settings/templates"))[0] == (200 if templates else 403)
    assert (await browser.get("/settings/config"))[0] == (200 if role == "manager" else 403)
    assert (await browser.client.get("/settings/config/export")).status == (200 if role == "manager" else 403)
    before = await audits(db, staff.org, "configure_billing")
    for path, data in (("/settings/billing", {"labour_rate": "30"}),
                       ("/settings/notifications", {"quiet": ""}),
                       ("/settings/whatsapp", {"key": "*", "name": "x", "language": "en", "locale": "en"}),
                       ("/settings/config/check", {"text": BAD}), ("/settings/config/import", {"text": BAD})):
        assert (await browser.post(path, data))[0] == 403, path
    assert await audits(db, staff.org, "configure_billing") == before


async def test_another_garages_template_is_not_found_and_stays_as_it_was(browser: Browser, db: Database,
                                                                          staff: Staff) -> None:
    from tests.conftest import make_staff, new_garage

    await browser.sign_in(await give_password(db, staff.manager))
    form = {"rows": "3", "code": "brakes", "name_en": "Brakes", "name_ar": "الفرامل", "active": "1",
            **step(0, "1", "Pads", "الفحمات", minutes="30")}
    assert (await browser.post("/settings/templates/new", form))[0] == 303
    template_id, steps = await steps_of(db, staff, "brakes")
    other = await make_staff(db, await new_garage(db))
    await browser.sign_in(await give_password(db, other.owner))
    assert (await browser.get(f"/settings/templates/{template_id}"))[0] == 404
    status, _, _ = await browser.post(f"/settings/templates/{template_id}", {**form, "name_en": "Taken over"})
    assert status == 404
    status, body = await browser.get("/settings/templates")
    assert "Brakes" not in body
    assert await steps_of(db, staff, "brakes") == (template_id, steps)
    async with db.read() as s:
        assert (await s.get(ServiceTemplate, template_id)).name_en == "Brakes"  # type: ignore[union-attr]

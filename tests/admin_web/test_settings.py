"""Settings in the console: the owner changes the garage's numbers, time zone
and step updates; a manager the time targets and the QC list; errors show
beside the field with what was typed; other roles are refused."""

from __future__ import annotations

import pytest

from garagebot.core.models import Organization
from garagebot.core.repair.qc import qc_items_of
from garagebot.core.uow import Database
from tests.admin_web.harness import Browser, give_password
from tests.admin_web.htmlcheck import html_problems
from tests.conftest import Staff


async def garage(db: Database, staff: Staff) -> Organization:
    async with db.read() as s:
        org = await s.get(Organization, staff.org)
    assert org is not None
    return org


async def test_a_manager_sets_the_time_targets_and_the_qc_list(browser: Browser, db: Database,
                                                               staff: Staff) -> None:
    await browser.sign_in(await give_password(db, staff.manager))
    status, body = await browser.get("/settings")
    assert status == 200
    assert html_problems(body) == []
    assert 'id="garage-settings"' not in body  # the owner's part
    status, body, _ = await browser.post("/settings/sla", {"diagnose": "600", "repair": "300"})
    assert status == 400
    assert 'id="e-diagnose"' in body
    assert 'value="600"' in body
    assert (await browser.post("/settings/sla", {"diagnose": "90", "repair": "600"}))[0] == 303
    org = await garage(db, staff)
    assert (org.sla_diagnose_minutes, org.sla_repair_minutes) == (90, 600)
    status, _, _ = await browser.post("/settings/qc",
                                      {"qc": "Road test | تجربة على الطريق\nLights | الأضواء"})
    assert status == 303
    assert qc_items_of(await garage(db, staff)) == [("Road test", "تجربة على الطريق"), ("Lights", "الأضواء")]
    assert (await browser.post("/settings/garage", {"timezone": "Asia/Dubai"}))[0] == 403


async def test_the_owner_sets_the_time_zone_and_a_wrong_one_is_shown_beside_the_field(
    browser: Browser, db: Database, staff: Staff
) -> None:
    await browser.sign_in(await give_password(db, staff.owner))
    await browser.get("/settings")
    status, body, _ = await browser.post("/settings/garage", {"timezone": "Mars/Base", "step_updates": "1"})
    assert status == 400
    assert 'id="e-timezone"' in body
    assert 'value="Mars/Base"' in body
    assert (await browser.post("/settings/garage", {"timezone": "Asia/Dubai", "step_updates": "1"}))[0] == 303
    org = await garage(db, staff)
    assert org.timezone == "Asia/Dubai"
    assert org.settings.get("client_step_updates") is True


@pytest.mark.parametrize("role", ["advisor", "lead", "tech", "assistant", "inventory", "accountant"])
async def test_other_roles_cannot_see_or_change_settings(browser: Browser, db: Database, staff: Staff,
                                                         role: str) -> None:
    await browser.sign_in(await give_password(db, getattr(staff, role)))
    assert (await browser.get("/settings"))[0] == 403
    for path, data in (("/settings/sla", {"diagnose": "1", "repair": "2"}), ("/settings/qc", {"qc": "A | ب"}),
                       ("/settings/garage", {"timezone": "Asia/Dubai"})):
        assert (await browser.post(path, data))[0] == 403
    org = await garage(db, staff)
    assert (org.timezone, org.sla_diagnose_minutes) == ("Asia/Amman", 120)

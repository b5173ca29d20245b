"""Clients, vehicles and the garage configuration in a real headless
Chromium (Debian's package) on a phone-sized screen, in English and Arabic:
a client found by plate, a vehicle edited with a wrong VIN then a right one,
its history, a service template edited, the configuration file exported then
imported with a mistake and then fixed; billing and notifications pages.
A screenshot of each page is kept (GARAGEBOT_SCREENSHOTS=<dir>)."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, Page

from garagebot.core.models import Organization, Vehicle
from garagebot.core.uow import Database
from tests.admin_web.harness import give_password
from tests.admin_web.records_scene import BAD_VIN, GOOD_VIN, car_with_history
from tests.browser.test_approval_page import browser, keep, phone_page
from tests.browser.test_console import console, sign_in, to_language
from tests.conftest import Staff

pytestmark = pytest.mark.browser
__all__ = ["browser", "console"]  # the fixtures, imported for these tests
LANGS = ["en", "ar"]


async def shoot(page: Page, tmp_path: Path, name: str) -> None:
    shot = tmp_path / f"records-{name}.png"
    await page.screenshot(path=str(shot), full_page=True)
    keep(shot)


async def submit(page: Page, selector: str) -> None:
    async with page.expect_navigation():
        await page.click(selector)


@pytest.mark.parametrize("lang", LANGS)
async def test_an_advisor_finds_a_client_by_plate_and_fixes_the_vin_of_their_car(
    browser: Browser, console: TestServer, db: Database, staff: Staff, tmp_path: Path, lang: str
) -> None:
    car = await car_with_history(db, staff)
    page = await phone_page(browser)
    await sign_in(page, console, await give_password(db, staff.advisor))
    await to_language(page, lang)
    await page.goto(str(console.make_url("/clients")))
    await page.fill("#f-q", "٢٢ ٣٣٤٤٥" if lang == "ar" else "22 33445")
    await submit(page, "#client-search")
    assert await page.locator("#clients tbody tr").count() == 1
    await shoot(page, tmp_path, f"clients-{lang}")
    await submit(page, "#clients tbody a")
    assert await page.locator("#client-vehicles li").count() == 1
    await shoot(page, tmp_path, f"client-{lang}")
    await submit(page, "#client-vehicles a")
    assert await page.locator("ol.history > li").count() == 2
    await page.fill("#f-vin", BAD_VIN)
    await submit(page, "#vehicle-save")
    assert await page.locator("#e-vin").is_visible()
    assert await page.input_value("#f-vin") == BAD_VIN
    await shoot(page, tmp_path, f"vehicle-bad-vin-{lang}")
    await page.fill("#f-vin", GOOD_VIN)
    await submit(page, "#vehicle-save")
    assert await page.locator(".notice").is_visible()
    assert GOOD_VIN in await page.locator("#vehicle-facts").inner_text()
    async with db.read() as s:
        vehicle = await s.get(Vehicle, car.vehicle_id)
    assert vehicle is not None
    assert vehicle.vin == GOOD_VIN
    await shoot(page, tmp_path, f"vehicle-{lang}")


@pytest.mark.parametrize("lang", LANGS)
async def test_a_vehicle_history_is_reached_from_the_session_page(
    browser: Browser, console: TestServer, db: Database, staff: Staff, tmp_path: Path, lang: str
) -> None:
    car = await car_with_history(db, staff, phone="0791112299", plate="31-77441")
    page = await phone_page(browser)
    await sign_in(page, console, await give_password(db, staff.tech))
    await to_language(page, lang)
    await page.goto(str(console.make_url(f"/sessions/{car.second}")))
    await submit(page, "#vehicle-link")
    rows = page.locator("ol.history > li")
    assert await rows.count() == 2
    assert car.second_number in await rows.first.inner_text()
    assert car.first_number in await rows.nth(1).inner_text()
    assert await page.locator("#vehicle-edit").count() == 0  # a technician reads, never edits


@pytest.mark.parametrize("lang", LANGS)
async def test_a_manager_makes_and_edits_a_service_template(
    browser: Browser, console: TestServer, db: Database, staff: Staff, tmp_path: Path, lang: str
) -> None:
    page = await phone_page(browser)
    await sign_in(page, console, await give_password(db, staff.manager))
    await to_language(page, lang)
    await page.goto(str(console.make_url("/settings/templates")))
    await submit(page, "#new-template")
    await page.fill("#f-code", "ac_service")
    await page.fill("#f-name_en", "AC service")
    await page.fill("#f-name_ar", "صيانة المكيف")
    await page.fill("#f-s0_name_en", "Recharge the gas")
    await page.fill("#f-s0_name_ar", "تعبئة الغاز")
    await page.select_option("#f-s0_skill", "ac")
    await page.fill("#f-s0_minutes", "٩٠٠٠٠")
    await page.fill("#f-s0_checklist", "Pressure checked | تم فحص الضغط")
    await submit(page, "#template-save")
    assert await page.locator("#e-s0_minutes").is_visible()
    assert await page.input_value("#f-s0_checklist") == "Pressure checked | تم فحص الضغط"
    await shoot(page, tmp_path, f"template-error-{lang}")
    await page.fill("#f-s0_minutes", "٤٥")
    await page.fill("#f-s1_name_en", "Check for leaks")
    await page.fill("#f-s1_name_ar", "فحص التسريب")
    await page.fill("#f-s1_order", "0")
    await submit(page, "#template-save")
    assert await page.locator(".notice").is_visible()
    assert await page.input_value("#f-s0_name_en") == "Check for leaks"
    assert await page.input_value("#f-s1_minutes") == "45"
    await shoot(page, tmp_path, f"template-{lang}")
    await page.goto(str(console.make_url("/settings/templates")))
    assert await page.locator("#templates tbody tr").count() == 1
    await shoot(page, tmp_path, f"templates-{lang}")


@pytest.mark.parametrize("lang", LANGS)
async def test_an_owner_exports_the_configuration_then_imports_it_with_a_mistake_then_fixed(
    browser: Browser, console: TestServer, db: Database, staff: Staff, tmp_path: Path, lang: str
) -> None:
    page = await phone_page(browser)
    await sign_in(page, console, await give_password(db, staff.owner))
    await to_language(page, lang)
    for path, name in (("/settings/billing", "billing"), ("/settings/notifications", "notifications")):
        await page.goto(str(console.make_url(path)))
        await shoot(page, tmp_path, f"{name}-{lang}")
    await page.goto(str(console.make_url("/settings/config")))
    async with page.expect_download() as download_info:
        await page.click("#config-download")
    exported = tmp_path / "garage.yaml"
    await (await download_info.value).save_as(exported)
    text = exported.read_text(encoding="utf-8")
    assert "repair_minutes: 1440" in text
    broken = tmp_path / "broken.yaml"
    broken.write_text(text.replace("repair_minutes: 1440", "repair_minutes: tomorrow"), encoding="utf-8")
    await page.set_input_files("#f-file", str(broken))
    await submit(page, "#config-check")
    problems = page.locator("#config-problems li")
    assert await problems.count() == 1
    assert "repair_minutes: tomorrow" in await problems.first.inner_text()
    await shoot(page, tmp_path, f"config-problems-{lang}")
    await page.fill("#f-text", text.replace("repair_minutes: 1440", "repair_minutes: 600"))
    await submit(page, "#config-check")
    assert await page.locator("#config-checked").is_visible()
    async with db.read() as s:
        assert (await s.get(Organization, staff.org)).sla_repair_minutes == 1440  # type: ignore[union-attr]
    await submit(page, "#config-apply")
    assert await page.locator("#config-applied").is_visible()
    async with db.read() as s:
        assert (await s.get(Organization, staff.org)).sla_repair_minutes == 600  # type: ignore[union-attr]
    await shoot(page, tmp_path, f"config-{lang}")

"""The staff console in a real headless Chromium (Debian's package, driven by
Playwright) on a phone-sized screen, in English and Arabic: password sign-in,
Telegram-link sign-in, lockout, the dashboard, moving a card (refused by a
guard, then allowed), a session page with a signed quote, staff (link code
QR) and audit. A screenshot of each page is kept (GARAGEBOT_SCREENSHOTS=<dir>
keeps them after the run)."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, Page
from sqlalchemy import select

from garagebot.app.storage import LocalFileStorage
from garagebot.app.web import create_app
from garagebot.core.models import RepairSession
from garagebot.core.uow import Database
from tests.admin_web.harness import PASSWORD, give_password, link_telegram, sent_to
from tests.admin_web.scene import signed_visit
from tests.app.conftest import app_settings
from tests.browser.test_approval_page import MakeServer, browser, keep, phone_page
from tests.conftest import Staff
from tests.fakes import FakeClock

pytestmark = pytest.mark.browser
__all__ = ["browser"]  # the fixture, imported for these tests
LANGS = ["en", "ar"]
TITLES = {"en": "Today in the garage", "ar": "الكراج اليوم"}


@pytest.fixture
async def console(aiohttp_server: MakeServer, db_url: str, tmp_path: Path, clock: FakeClock) -> TestServer:
    settings = app_settings(db_url, tmp_path, host="127.0.0.1", telegram_bot_username="nour_garage_bot")
    server: TestServer = await aiohttp_server(create_app(settings, clock=clock))
    return server


async def shoot(page: Page, tmp_path: Path, name: str) -> None:
    shot = tmp_path / f"console-{name}.png"
    await page.screenshot(path=str(shot), full_page=True)
    keep(shot)


async def to_language(page: Page, lang: str) -> None:
    if await page.get_attribute("html", "lang") != lang:
        async with page.expect_navigation():
            await page.click(".lang button")
    assert await page.get_attribute("html", "lang") == lang
    direction = await page.evaluate("getComputedStyle(document.documentElement).direction")
    assert direction == ("rtl" if lang == "ar" else "ltr")


async def sign_in(page: Page, server: TestServer, login: str, password: str = PASSWORD) -> None:
    await page.goto(str(server.make_url("/signin")))
    await page.fill("#f-login", login)
    await page.fill("#f-password", password)
    async with page.expect_navigation():
        await page.click("#signin-password")


@pytest.mark.parametrize("lang", LANGS)
async def test_an_owner_signs_in_with_a_password_and_reads_the_dashboard(
    browser: Browser, console: TestServer, db: Database, staff: Staff, tmp_path: Path, lang: str
) -> None:
    await signed_visit(db, staff, LocalFileStorage(tmp_path / "media"))
    login = await give_password(db, staff.owner)
    page = await phone_page(browser)
    await page.goto(str(console.make_url("/")))
    assert page.url.endswith("/signin")
    await to_language(page, lang)
    await shoot(page, tmp_path, f"signin-{lang}")
    await sign_in(page, console, login)
    await to_language(page, lang)
    assert await page.locator("h1").inner_text() == TITLES[lang]
    assert await page.locator(".tile").count() == 9  # with inspections in progress
    await shoot(page, tmp_path, f"dashboard-{lang}")


@pytest.mark.parametrize("lang", LANGS)
async def test_a_manager_signs_in_with_the_link_sent_to_their_telegram_chat(
    browser: Browser, console: TestServer, db: Database, staff: Staff, tmp_path: Path, lang: str
) -> None:
    assert staff.manager.id is not None
    chat = 8_000_000 + staff.manager.id
    await link_telegram(db, staff.manager, chat)
    login = await give_password(db, staff.manager)
    page = await phone_page(browser)
    await page.goto(str(console.make_url("/signin")))
    await to_language(page, lang)
    await page.locator("form[action='/signin/telegram'] input[name='login']").fill(login)
    async with page.expect_navigation():
        await page.click("#signin-telegram")
    assert await page.locator(".notice").is_visible()
    await shoot(page, tmp_path, f"link-sent-{lang}")
    [params] = await sent_to(db, str(chat), "console.telegram.signin_link")
    path = "/signin/" + str(params["url"]).split("/signin/", 1)[1]
    await page.goto(str(console.make_url(path)))
    await shoot(page, tmp_path, f"link-page-{lang}")
    async with page.expect_navigation():
        await page.click("#signin-link")
    assert page.url.endswith("/")
    assert await page.locator(".tile").count() == 9  # with inspections in progress


@pytest.mark.parametrize("lang", LANGS)
async def test_five_wrong_passwords_lock_the_account(
    browser: Browser, console: TestServer, db: Database, staff: Staff, tmp_path: Path, lang: str,
    clock: FakeClock,
) -> None:
    clock.advance(days=100 + len(LANGS[0]) * LANGS.index(lang))  # away from the other tests' attempts
    login = await give_password(db, staff.advisor)
    page = await phone_page(browser)
    await page.goto(str(console.make_url("/signin")))
    await to_language(page, lang)
    for _ in range(5):
        await sign_in(page, console, login, "not-my-password")
    await sign_in(page, console, login)
    banner = await page.locator(".error.banner").inner_text()
    assert ("locked" in banner) if lang == "en" else ("مقفل" in banner)
    assert await page.input_value("#f-login") == login
    await shoot(page, tmp_path, f"locked-{lang}")


@pytest.mark.parametrize("lang", LANGS)
async def test_moving_a_card_is_refused_by_the_guard_then_allowed(
    browser: Browser, console: TestServer, db: Database, staff: Staff, tmp_path: Path, lang: str
) -> None:
    v = await signed_visit(db, staff, LocalFileStorage(tmp_path / "media"))
    page = await phone_page(browser)
    await sign_in(page, console, await give_password(db, staff.advisor))
    await to_language(page, lang)
    await page.goto(str(console.make_url("/board")))
    card = page.locator(f"#card-{v.session_id}")
    await card.locator("select").select_option("ON_HOLD")
    async with page.expect_navigation():
        await card.locator("button").click()
    error = await page.locator("#board-error").inner_text()
    assert error
    await shoot(page, tmp_path, f"board-refused-{lang}")
    async with db.read() as s:
        assert (await s.get(RepairSession, v.session_id)).status != "ON_HOLD"  # type: ignore[union-attr]
    card = page.locator(f"#card-{v.session_id}")
    await card.locator("select").select_option("ON_HOLD")
    await card.locator("input[name='note']").fill("waiting for the owner's call")
    async with page.expect_navigation():
        await card.locator("button").click()
    assert await page.locator(".notice").is_visible()
    assert await page.locator(f"#col-on_hold ~ #card-{v.session_id}").count() == 1
    async with db.read() as s:
        status = (await s.execute(
            select(RepairSession.status).where(RepairSession.id == v.session_id))).scalar()
    assert status == "ON_HOLD"
    await shoot(page, tmp_path, f"board-moved-{lang}")


@pytest.mark.parametrize("lang", LANGS)
async def test_a_session_page_shows_the_quote_its_decisions_and_the_signature(
    browser: Browser, console: TestServer, db: Database, staff: Staff, tmp_path: Path, lang: str
) -> None:
    v = await signed_visit(db, staff, LocalFileStorage(tmp_path / "media"))
    page = await phone_page(browser)
    await sign_in(page, console, await give_password(db, staff.manager))
    await to_language(page, lang)
    await page.goto(str(console.make_url("/sessions")))
    await page.fill("#f-q", v.number)
    async with page.expect_navigation():
        await page.click("form.filters button")
    await shoot(page, tmp_path, f"sessions-{lang}")
    async with page.expect_navigation():
        await page.click(f"a[href='/sessions/{v.session_id}']")
    image = page.locator("img.signature")
    assert await image.evaluate("img => img.complete && img.naturalWidth > 0")
    assert await page.locator(".quote tbody tr").count() == len(v.lines)
    await shoot(page, tmp_path, f"session-{lang}")


@pytest.mark.parametrize("lang", LANGS)
async def test_staff_with_a_link_code_qr_and_the_audit_chain(
    browser: Browser, console: TestServer, db: Database, staff: Staff, tmp_path: Path, lang: str
) -> None:
    page = await phone_page(browser)
    await sign_in(page, console, await give_password(db, staff.owner))
    await to_language(page, lang)
    await page.goto(str(console.make_url("/staff")))
    await shoot(page, tmp_path, f"staff-{lang}")
    await page.goto(str(console.make_url(f"/staff/{staff.id(staff.tech)}")))
    async with page.expect_navigation():
        await page.click("#make-code")
    assert await page.locator("img.qr").evaluate("img => img.complete && img.naturalWidth > 0")
    await shoot(page, tmp_path, f"member-code-{lang}")
    await page.goto(str(console.make_url("/audit")))
    async with page.expect_navigation():
        await page.click("#verify")
    assert await page.locator("#chain .notice").is_visible()
    await shoot(page, tmp_path, f"audit-{lang}")


@pytest.mark.parametrize("lang", LANGS)
async def test_a_manager_changes_a_setting_and_reads_the_booking_requests(
    browser: Browser, console: TestServer, db: Database, staff: Staff, tmp_path: Path, lang: str
) -> None:
    from tests.admin_web.test_requests import a_request

    await a_request(db, staff, plate=f"5{len(lang)}-12345")
    page = await phone_page(browser)
    await sign_in(page, console, await give_password(db, staff.manager))
    await to_language(page, lang)
    await page.goto(str(console.make_url("/requests")))
    assert await page.locator("article.card").count() == 1
    await shoot(page, tmp_path, f"requests-{lang}")
    await page.goto(str(console.make_url("/settings")))
    await page.fill("#f-diagnose", "90")
    async with page.expect_navigation():
        await page.click("#sla-settings button")
    assert await page.locator(".notice").is_visible()
    assert await page.input_value("#f-diagnose") == "90"
    await page.fill("#f-repair", "30")
    async with page.expect_navigation():
        await page.click("#sla-settings button")
    assert await page.locator("#e-diagnose").is_visible()
    await shoot(page, tmp_path, f"settings-{lang}")


@pytest.mark.parametrize("lang", LANGS)
async def test_an_owner_tries_the_bot_as_a_technician(
    browser: Browser, aiohttp_server: MakeServer, db_url: str, tmp_path: Path, clock: FakeClock,
    db: Database, staff: Staff, lang: str
) -> None:
    settings = app_settings(db_url, tmp_path, host="127.0.0.1", console_simulator=True)
    server: TestServer = await aiohttp_server(create_app(settings, clock=clock))
    assert staff.tech.id is not None
    await link_telegram(db, staff.tech, 9_900_000 + staff.tech.id)
    page = await phone_page(browser)
    await sign_in(page, server, await give_password(db, staff.owner))
    await to_language(page, lang)
    await page.goto(str(server.make_url(f"/simulator?as={staff.tech.id}")))
    await page.fill("#f-text", "hello")
    async with page.expect_navigation():
        await page.click("#sim-send")
    buttons = page.locator("#chat .choices button")
    assert await buttons.count() > 0
    clock.advance(seconds=5)
    async with page.expect_navigation():
        await buttons.first.click()
    assert await page.locator("#chat .msg.in").count() >= 2
    await shoot(page, tmp_path, f"simulator-{lang}")

"""The session page's actions and the simulator in a real headless Chromium
(Debian's package) on a phone-sized screen, in English and Arabic: assigning
a step, a QC tick then "ready", a quote previewed and sent, an invoice issued
and paid, and a technician finishing a step with a photo in the simulator
while the lead's and the client's notices appear in the live outbox. A
screenshot of each state is kept (GARAGEBOT_SCREENSHOTS=<dir>)."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, FilePayload, Page
from sqlalchemy import select, update

from garagebot.app.storage import LocalFileStorage
from garagebot.app.web import create_app
from garagebot.core.models import Client, Invoice, Organization, Quote, RepairSession, Step
from garagebot.core.notify.garage import STEP_UPDATES
from garagebot.core.uow import Database
from garagebot.core.work.templates import StepSpec
from tests.admin_web.harness import give_password, link_telegram
from tests.admin_web.test_requests import a_request
from tests.app.conftest import app_settings
from tests.browser.test_approval_page import MakeServer, browser, keep, phone_page
from tests.browser.test_console import sign_in, to_language
from tests.conftest import Staff
from tests.conversations.staff.support import assigned_card
from tests.core.billing.helpers import add_job, invoiced_visit, open_visit
from tests.core.repair.helpers import S, move, open_direct
from tests.fakes import FakeClock
from tests.webhooks.pages.scene import png, quoted_visit

pytestmark = pytest.mark.browser
__all__ = ["browser"]  # the fixture, imported for these tests
LANGS = ["en", "ar"]
NOTICE_WAIT = 15_000


@pytest.fixture
async def console(aiohttp_server: MakeServer, db_url: str, tmp_path: Path, clock: FakeClock) -> TestServer:
    settings = app_settings(db_url, tmp_path, host="127.0.0.1", console_simulator=True)
    server: TestServer = await aiohttp_server(create_app(settings, clock=clock))
    return server


async def shoot(page: Page, tmp_path: Path, name: str) -> None:
    shot = tmp_path / f"floor-{name}.png"
    await page.screenshot(path=str(shot), full_page=True)
    keep(shot)


async def open_as(page: Page, console: TestServer, db: Database, staff: Staff, role: str, lang: str,
                  path: str) -> None:
    await sign_in(page, console, await give_password(db, getattr(staff, role)))
    await to_language(page, lang)
    await page.goto(str(console.make_url(path)))


async def press(page: Page, selector: str) -> None:
    """Press a button of the actions and wait for the page it leads to (swapped in by htmx)."""
    async with page.expect_response(lambda r: "notice=" in r.url, timeout=NOTICE_WAIT):
        await page.click(selector)
    await page.wait_for_selector(".notice", timeout=NOTICE_WAIT)
    await page.wait_for_load_state()


@pytest.mark.parametrize("lang", LANGS)
async def test_an_advisor_assigns_a_step_on_the_session_page(
    browser: Browser, console: TestServer, db: Database, staff: Staff, tmp_path: Path, lang: str
) -> None:
    visit = await open_visit(db, staff)
    await add_job(db, staff, visit, "Brakes", [(60, None)])
    page = await phone_page(browser)
    await open_as(page, console, db, staff, "advisor", lang, f"/sessions/{visit.session_id}")
    await page.locator("#act-assign").scroll_into_view_if_needed()
    await shoot(page, tmp_path, f"session-actions-{lang}")
    steps = await page.locator("#a-work option").all()
    await page.select_option("#a-work", await steps[-1].get_attribute("value") or "")
    await page.select_option("#a-person", str(staff.tech.id))
    await press(page, "#do-assign")
    async with db.read() as s:
        step = (await s.scalars(select(Step).where(Step.session_id == visit.session_id))).first()
    assert step is not None
    assert step.assignee_id == staff.tech.id
    assert await page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
    await shoot(page, tmp_path, f"assigned-{lang}")
    await quoted_visit(db, staff, LocalFileStorage(tmp_path / "media"))  # waiting for the client's approval
    await a_request(db, staff)
    await page.goto(str(console.make_url("/alerts")))
    assert await page.locator("#alerts-requests li").count() == 1
    assert await page.locator("#alerts-approval li").count() == 1
    await shoot(page, tmp_path, f"alerts-{lang}")
    async with page.expect_navigation():
        await page.click("#alerts-requests a")
    assert await page.locator("form[action$='/confirm']").count() == 1
    await shoot(page, tmp_path, f"requests-times-{lang}")


@pytest.mark.parametrize("lang", LANGS)
async def test_a_lead_ticks_the_qc_list_then_marks_the_car_ready(
    browser: Browser, console: TestServer, db: Database, staff: Staff, tmp_path: Path, lang: str
) -> None:
    sid = await open_direct(db, staff.advisor, 81 + LANGS.index(lang))
    await move(db, staff.advisor, sid, S.IN_PROGRESS, S.QA_CHECK)
    page = await phone_page(browser)
    await open_as(page, console, db, staff, "lead", lang, f"/sessions/{sid}")
    await page.locator("#act-qc").scroll_into_view_if_needed()
    await shoot(page, tmp_path, f"qc-{lang}")
    while await page.locator("#act-qc button.tick:not(.done)").count():
        item = await page.locator("#act-qc button.tick:not(.done)").first.get_attribute("id")
        await page.click(f"#{item}")
        await page.wait_for_selector(f"#{item}.done", timeout=NOTICE_WAIT)  # swapped in by htmx
    await page.locator("#do-ready").scroll_into_view_if_needed()
    await shoot(page, tmp_path, f"qc-ticked-{lang}")
    await press(page, "#do-ready")
    async with db.read() as s:
        assert (await s.get(RepairSession, sid)).status == "READY_FOR_PICKUP"  # type: ignore[union-attr]
    await shoot(page, tmp_path, f"ready-{lang}")


@pytest.mark.parametrize("lang", LANGS)
async def test_an_advisor_adds_a_fee_previews_and_sends_the_quote(
    browser: Browser, console: TestServer, db: Database, staff: Staff, tmp_path: Path, lang: str
) -> None:
    v = await quoted_visit(db, staff, LocalFileStorage(tmp_path / "media"), send=False)
    page = await phone_page(browser)
    await open_as(page, console, db, staff, "advisor", lang, f"/sessions/{v.session_id}")
    await page.select_option("#q-kind", "fee")
    await page.fill("#q-description", "Diagnostic fee" if lang == "en" else "رسوم الفحص")
    await page.fill("#q-amount", "5")
    await press(page, "#do-quote-line")
    await page.locator("#act-quote").scroll_into_view_if_needed()
    await shoot(page, tmp_path, f"quote-draft-{lang}")
    async with page.expect_navigation():
        await page.click("#do-quote-preview")
    assert await page.locator("#quote-preview").is_visible()
    await shoot(page, tmp_path, f"quote-preview-{lang}")
    async with page.expect_navigation():
        await page.click("#do-quote-send")
    assert await page.locator(".notice").is_visible()
    async with db.read() as s:
        assert (await s.get(Quote, v.quote_id)).status == "SENT"  # type: ignore[union-attr]
    await shoot(page, tmp_path, f"quote-sent-{lang}")


@pytest.mark.parametrize("lang", LANGS)
async def test_an_accountant_issues_the_invoice_and_records_a_payment(
    browser: Browser, console: TestServer, db: Database, staff: Staff, tmp_path: Path, lang: str
) -> None:
    visit, invoice_id = await invoiced_visit(db, staff, issue=False)
    await move(db, staff.advisor, visit.session_id, S.IN_PROGRESS, S.QA_CHECK)
    page = await phone_page(browser)
    await open_as(page, console, db, staff, "accountant", lang, f"/sessions/{visit.session_id}")
    await press(page, "#do-invoice-issue")
    async with db.read() as s:
        total = (await s.get(Invoice, invoice_id)).total  # type: ignore[union-attr]
    await page.select_option("#p-method", "CARD")
    await page.fill("#p-amount", "abc")
    await page.click("#do-payment")
    await page.wait_for_selector("#act-payment .error", timeout=NOTICE_WAIT)
    assert await page.input_value("#p-amount") == "abc"
    await page.locator("#act-payment").scroll_into_view_if_needed()
    await shoot(page, tmp_path, f"payment-refused-{lang}")
    await page.fill("#p-amount", f"{total}")
    await press(page, "#do-payment")
    async with db.read() as s:
        assert (await s.get(Invoice, invoice_id)).status == "PAID"  # type: ignore[union-attr]
    await page.locator("#act-invoice").scroll_into_view_if_needed()
    await shoot(page, tmp_path, f"paid-{lang}")


@pytest.mark.parametrize("lang", LANGS)
async def test_a_technician_finishes_a_step_with_a_photo_in_the_simulator_and_the_notices_appear(
    browser: Browser, console: TestServer, db: Database, staff: Staff, tmp_path: Path, lang: str,
    clock: FakeClock,
) -> None:
    assert staff.tech.id is not None
    assert staff.lead.id is not None
    await link_telegram(db, staff.tech, 9_400_000 + staff.tech.id)
    await link_telegram(db, staff.lead, 9_400_000 + staff.lead.id)
    async with db.raw_transaction() as s:
        await s.execute(update(Organization).where(Organization.id == staff.org)
                        .values(settings={STEP_UPDATES: True}))
    step = StepSpec(name_en="Inspect brakes", name_ar="فحص الفرامل", required_attachments=1)
    card = await assigned_card(db, staff.advisor, staff.lead, staff.id(staff.tech), [step])
    page = await phone_page(browser)
    await open_as(page, console, db, staff, "owner", lang, f"/simulator?as={staff.tech.id}")
    for said in (("my jobs", "start 1") if lang == "en" else ("شغلي", "ابدأ ١")):
        clock.advance(seconds=5)
        await page.fill("#f-text", said)
        async with page.expect_navigation():
            await page.click("#sim-send")
    clock.advance(seconds=5)
    photo: FilePayload = {"name": "brakes.png", "mimeType": "image/png", "buffer": png(120, 80)}
    await page.set_input_files("#f-photo", files=[photo])
    async with page.expect_navigation():
        await page.click("#sim-send")
    await shoot(page, tmp_path, f"sim-photo-{lang}")
    clock.advance(seconds=5)
    await page.fill("#f-text", "done" if lang == "en" else "تم")
    async with page.expect_navigation():
        await page.click("#sim-send")
    async with db.read() as s:
        assert (await s.get(Step, card.step_ids[0])).status == "DONE"  # type: ignore[union-attr]
    async with db.read() as s:
        phone = (await s.execute(select(Client.phone).join(
            RepairSession, RepairSession.client_id == Client.id)
            .where(RepairSession.id == card.session_id))).scalar_one()
    others = page.locator("#others")  # refreshed by htmx polling, no reload
    await others.get_by_text("Lead", exact=False).first.wait_for(timeout=20_000)
    await others.get_by_text(phone, exact=False).first.wait_for(timeout=20_000)
    await others.scroll_into_view_if_needed()
    await shoot(page, tmp_path, f"sim-notices-{lang}")

"""The approval page in a real headless Chromium (Debian's package, driven by
Playwright), against the whole app served on 127.0.0.1: open the link,
decline one line, approve the others, draw a signature with the mouse, type
the name, send — then the quote's decisions and the invoice's lines are
exactly the approved ones, the signature is stored, and the link cannot
decide again (a second visit shows the used page; a replayed POST changes
nothing). Screenshots in English and Arabic are kept for a look at the
layout (GARAGEBOT_SCREENSHOTS=<dir> keeps them after the run)."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, Page, Request, async_playwright
from sqlalchemy import func, select

from garagebot.app.storage import LocalFileStorage
from garagebot.app.web import create_app
from garagebot.core.billing.invoices import create_invoice
from garagebot.core.links import approval_url, timeline_url
from garagebot.core.models import InvoiceLine, MediaFile, QuoteApproval, QuoteDecision, QuoteLine
from garagebot.core.uow import Database
from garagebot.webhooks.pages.render import PageText
from tests.app.conftest import SECRET, app_settings
from tests.conftest import Staff
from tests.fakes import FakeClock
from tests.infra import unavailable
from tests.webhooks.pages.scene import QuotedVisit, quoted_visit

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
MakeServer = Callable[[web.Application], Awaitable[TestServer]]


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    if shutil.which(CHROMIUM) is None:
        unavailable(f"Debian's chromium at {CHROMIUM}", "apt-get install -y chromium")
    async with async_playwright() as pw:
        launched = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def served(
    aiohttp_server: MakeServer, db_url: str, tmp_path: Path, clock: FakeClock
) -> tuple[TestServer, LocalFileStorage]:
    """The whole app (runtime, rooms, in-process outbox) on 127.0.0.1, on the test's
    database and clock; its media directory is returned as a file store."""
    settings = app_settings(db_url, tmp_path, host="127.0.0.1")
    server = await aiohttp_server(create_app(settings, clock=clock))
    return server, LocalFileStorage(settings.media_dir)


def link(server: TestServer, v: QuotedVisit, db: Database) -> str:
    return str(server.make_url(approval_url("", SECRET, v.quote_id, now=db.clock.now())))


async def phone_page(browser: Browser) -> Page:
    context = await browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    return await context.new_page()


async def draw_signature(page: Page) -> None:
    pad = page.locator("#signature-pad")
    await pad.scroll_into_view_if_needed()
    box = await pad.bounding_box()  # in the viewport's coordinates, as the mouse moves
    assert box is not None
    x, y = box["x"], box["y"]
    await page.mouse.move(x + 20, y + box["height"] * 0.7)
    await page.mouse.down()
    for step in range(1, 25):
        await page.mouse.move(x + 20 + step * 12, y + box["height"] * (0.7 - 0.4 * ((step % 6) / 6)))
    await page.mouse.up()


def keep(shot: Path) -> None:
    keep_dir = os.environ.get("GARAGEBOT_SCREENSHOTS")
    if keep_dir:
        Path(keep_dir).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep_dir) / shot.name)


async def count(db: Database, model: type[Any], **where: object) -> int:
    async with db.read() as s:
        stmt = select(func.count()).select_from(model)
        for column, value in where.items():
            stmt = stmt.where(getattr(model, column) == value)
        return int((await s.execute(stmt)).scalar_one())


async def test_a_client_declines_one_line_approves_the_rest_signs_and_the_link_is_then_spent(
    browser: Browser, served: tuple[TestServer, LocalFileStorage], db: Database, staff: Staff, tmp_path: Path
) -> None:
    server, storage = served
    v = await quoted_visit(db, staff, storage)
    url = link(server, v, db)
    page = await phone_page(browser)
    opened = await page.goto(url)
    assert opened is not None
    assert opened.status == 200
    assert await page.locator("h1").first.inner_text() == f"Quote for job {PageText.unbroken(v.number)}"
    declined, approved = v.lines[0], v.lines[1:]
    await page.locator(f"#line-{declined} .opt-declined").click()
    for line in approved:
        await page.locator(f"#line-{line} .opt-approved").click()
    await draw_signature(page)
    await page.fill("#signer-name", "Lina Haddad")
    shot = tmp_path / "approval-en.png"
    await page.screenshot(path=str(shot), full_page=True)
    keep(shot)
    posted: list[Request] = []
    page.on("request", lambda r: posted.append(r) if r.method == "POST" else None)
    async with page.expect_navigation():
        await page.click("#submit")
    assert await page.locator("#message h1").inner_text() == "Thank you"

    async with db.read() as s:
        decided = dict((await s.execute(select(QuoteLine.id, QuoteLine.decision).where(
            QuoteLine.quote_id == v.quote_id))).tuples().all())
        approval = (await s.execute(select(QuoteApproval).where(
            QuoteApproval.quote_id == v.quote_id))).scalar_one()
        signature = await s.get(MediaFile, approval.signature_media_id)
    assert decided == {declined: "DECLINED", **{line: "APPROVED" for line in approved}}
    assert approval.signer_name == "Lina Haddad"
    assert "Chrome" in approval.user_agent
    assert signature is not None
    assert signature.kind == "signature"
    assert (await storage.get(signature.storage_key)).startswith(b"\x89PNG")
    async with db.unit_of_work(staff.advisor) as uow:
        invoice_id = await create_invoice(uow, v.session_id)
    async with db.read() as s:
        invoiced = set((await s.scalars(select(InvoiceLine.quote_line_id).where(
            InvoiceLine.invoice_id == invoice_id))).all())
    assert invoiced == set(approved)

    again = await page.goto(url)
    assert again is not None
    assert again.status == 410
    assert await page.locator("#message h1").inner_text() == "This link has already been used"
    shot = tmp_path / "approval-used-en.png"
    await page.screenshot(path=str(shot), full_page=True)
    keep(shot)
    (submitted,) = posted
    replay = await page.request.post(url, data=submitted.post_data or "", headers={
        "Content-Type": submitted.headers["content-type"]})
    assert replay.status == 410
    assert await count(db, QuoteApproval, quote_id=v.quote_id) == 1
    assert await count(db, QuoteDecision, quote_id=v.quote_id) == len(v.lines)
    assert await count(db, MediaFile, session_id=v.session_id, kind="signature") == 1


async def test_the_page_lays_out_right_to_left_in_arabic_and_left_to_right_in_english(
    browser: Browser, served: tuple[TestServer, LocalFileStorage], db: Database, staff: Staff, tmp_path: Path
) -> None:
    server, storage = served
    v = await quoted_visit(db, staff, storage, locale="ar")
    page = await phone_page(browser)
    url = link(server, v, db)
    await page.goto(url)
    first = f"#line-{v.lines[0]}"
    assert await page.evaluate("getComputedStyle(document.documentElement).direction") == "rtl"
    assert await page.locator(".topbar .garage").inner_text() == "كراج التجربة"
    await page.locator("#approve-all").click()
    assert await page.locator(f"{first} .opt-approved input").is_checked()
    shot = tmp_path / "approval-ar.png"
    await page.screenshot(path=str(shot), full_page=True)
    keep(shot)
    totals_ar = await page.locator(f"{first} .line-total").bounding_box()
    quantity_ar = await page.locator(f"{first} .line-qty").bounding_box()
    assert totals_ar is not None
    assert quantity_ar is not None
    assert totals_ar["x"] < quantity_ar["x"]  # the amount sits at the left edge in Arabic

    await page.click(".lang-switch")
    assert await page.evaluate("getComputedStyle(document.documentElement).direction") == "ltr"
    totals_en = await page.locator(f"{first} .line-total").bounding_box()
    quantity_en = await page.locator(f"{first} .line-qty").bounding_box()
    assert totals_en is not None
    assert quantity_en is not None
    assert totals_en["x"] > quantity_en["x"]
    await page.click("#submit")  # nothing chosen but the lines: the page itself asks for a signature
    assert await page.locator("#signature-error").is_visible()
    assert await count(db, QuoteDecision, quote_id=v.quote_id) == 0


async def test_the_timeline_reads_right_to_left_in_arabic_with_the_garages_times(
    browser: Browser, served: tuple[TestServer, LocalFileStorage], db: Database, staff: Staff, tmp_path: Path
) -> None:
    server, storage = served
    v = await quoted_visit(db, staff, storage, locale="ar")
    page = await phone_page(browser)
    path = timeline_url("", SECRET, v.session_id, now=db.clock.now())
    timeline = await page.goto(str(server.make_url(path)))
    assert timeline is not None
    assert timeline.status == 200
    assert await page.evaluate("getComputedStyle(document.documentElement).direction") == "rtl"
    history = await page.locator("#history time").all_inner_texts()
    assert history == ["22 نوفمبر 2026، 09:00"] * 3  # opened, diagnosing, awaiting approval: 09:00 in Amman
    assert await page.locator("#photos img").count() == 2
    shot = tmp_path / "timeline-ar.png"
    await page.screenshot(path=str(shot), full_page=True)
    keep(shot)
    async with page.expect_navigation():
        await page.click("a.button")
    assert await page.locator("#signature-pad").count() == 1

"""The inspection report in a real headless Chromium (Debian's package,
driven by Playwright), against the whole app on 127.0.0.1, phone-sized: red,
amber and green groups in that order, the measured pads against their
limits, the photo and the video; the client approves one line, declines
another, defers the third and sends — the quote's decisions are exactly
those, from the web. In Arabic the page reads right to left. Screenshots in
both languages (GARAGEBOT_SCREENSHOTS=<dir> keeps them)."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser
from sqlalchemy import select

from garagebot.app.storage import LocalFileStorage
from garagebot.core.links import inspection_url
from garagebot.core.models import QuoteLine
from garagebot.core.uow import Database
from tests.app.conftest import SECRET
from tests.browser.test_approval_page import browser, keep, phone_page, served
from tests.conftest import Staff
from tests.core.inspections.scene import Published, published

pytestmark = pytest.mark.browser
__all__ = ["browser", "served"]  # the fixtures, shared with the approval page's tests


def link(server: TestServer, p: Published, db: Database) -> str:
    return str(server.make_url(inspection_url("", SECRET, p.inspection_id, now=db.clock.now())))


async def test_the_client_reads_the_report_and_answers_each_line_in_english(
    browser: Browser, served: tuple[TestServer, LocalFileStorage], db: Database, staff: Staff, tmp_path: Path,
) -> None:
    server, storage = served
    p = await published(db, staff.advisor, staff.tech, storage)
    page = await phone_page(browser)
    opened = await page.goto(link(server, p, db))
    assert opened is not None
    assert opened.status == 200
    assert await page.locator("h1").first.inner_text() == "Inspection report"
    groups = await page.locator("section.group h2").all_inner_texts()
    assert groups == ["Needs attention now", "Keep an eye on", "Checked and OK"]
    measure = await page.locator(".sev-critical .measure").first.inner_text()
    assert measure == "Measured 1.5 mm · advisory below 4, critical below 2"
    assert await page.locator(".group-critical img").count() == 1
    assert await page.locator(".group-critical video").count() == 1
    colour = await page.evaluate(
        "getComputedStyle(document.querySelector('.group-critical')).borderInlineStartColor")
    assert colour == "rgb(198, 40, 40)"
    first, second, third = p.lines
    await page.locator(f"#line-{first} .opt-approved").click()
    await page.locator(f"#line-{second} .opt-declined").click()
    await page.locator(f"#line-{third} .opt-deferred").click()
    shot = tmp_path / "inspection-en.png"
    await page.screenshot(path=str(shot), full_page=True)
    keep(shot)
    async with page.expect_navigation():
        await page.click("#submit")
    assert await page.locator("#message h1").inner_text() == "Thank you"
    async with db.read() as s:
        decided = dict((await s.execute(select(QuoteLine.id, QuoteLine.decision).where(
            QuoteLine.quote_id == p.quote_id))).tuples().all())
        channels = set((await s.scalars(select(QuoteLine.decided_channel).where(
            QuoteLine.quote_id == p.quote_id))).all())
    assert decided == {first: "APPROVED", second: "DECLINED", third: "DEFERRED"}
    assert channels == {"web"}


async def test_the_report_reads_right_to_left_in_arabic(
    browser: Browser, served: tuple[TestServer, LocalFileStorage], db: Database, staff: Staff, tmp_path: Path,
) -> None:
    server, storage = served
    p = await published(db, staff.advisor, staff.tech, storage, locale="ar")
    page = await phone_page(browser)
    await page.goto(link(server, p, db))
    assert await page.evaluate("getComputedStyle(document.documentElement).direction") == "rtl"
    assert await page.locator("h1").first.inner_text() == "تقرير الفحص"
    line = f"#line-{p.lines[0]}"
    total = await page.locator(f"{line} .line-total").bounding_box()
    title = await page.locator(f"{line} h4").bounding_box()
    assert total is not None
    assert title is not None
    assert total["x"] < title["x"]  # the price sits at the left edge in Arabic
    shot = tmp_path / "inspection-ar.png"
    await page.screenshot(path=str(shot), full_page=True)
    keep(shot)

"""The appointments calendar in a real headless Chromium on a phone-sized
screen, in English and Arabic: the week with the bays as columns, booking a
request into a taken bay (the collision named beside the time field), then
into a free one, and cancelling it. Screenshots kept (GARAGEBOT_SCREENSHOTS)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser
from sqlalchemy import select

from garagebot.core.appointments.booking import Slot, book_appointment
from garagebot.core.models import Appointment
from garagebot.core.uow import Database
from tests.admin_web.harness import give_password, sent_to
from tests.browser.test_approval_page import browser, phone_page
from tests.browser.test_console import console, shoot, sign_in, to_language
from tests.conftest import START, Staff
from tests.core.appointments.helpers import add_bays, local, new_request

pytestmark = pytest.mark.browser
__all__ = ["browser", "console"]  # the fixtures, imported for these tests
MONDAY = (START + dt.timedelta(days=1)).date()
TAKEN = {"en": "That bay is already booked at that time", "ar": "هذه الرافعة محجوزة في هذا الوقت"}


@pytest.mark.parametrize("lang", ["en", "ar"])
async def test_an_advisor_books_and_cancels_on_the_calendar_of_a_phone(
    browser: Browser, console: TestServer, db: Database, staff: Staff, tmp_path: Path, lang: str,
) -> None:
    bays = await add_bays(db, staff.org)
    booked = await new_request(db, staff, f"+96277{staff.org % 10_000_000:07d}", "70-7001", locale=lang)
    phone = f"+96278{staff.org % 10_000_000:07d}"
    waiting = await new_request(db, staff, phone, "70-7002", locale=lang)
    async with db.unit_of_work(staff.advisor) as uow:
        await book_appointment(uow, booked, Slot(bays[0], local(MONDAY, 10), 90))
    page = await phone_page(browser)
    await sign_in(page, console, await give_password(db, staff.advisor))
    await to_language(page, lang)
    await page.goto(str(console.make_url(f"/calendar?day={MONDAY.isoformat()}&view=week")))
    assert await page.locator(".cal thead th").count() == 1 + len(bays)
    assert await page.locator(".appt").count() == 1
    await shoot(page, tmp_path, f"calendar-week-{lang}")

    await page.goto(str(console.make_url(f"/calendar?day={MONDAY.isoformat()}")))
    await page.select_option("#bk-request", str(waiting))
    await page.select_option("#bk-bay", str(bays[0]))
    await page.fill("#bk-starts", f"{MONDAY.isoformat()}T11:00")
    async with page.expect_navigation():
        await page.click("#book button[type=submit]")
    assert TAKEN[lang] in await page.locator("#e-starts").inner_text()
    assert await page.input_value("#bk-starts") == f"{MONDAY.isoformat()}T11:00"
    await page.locator("#e-starts").scroll_into_view_if_needed()
    await shoot(page, tmp_path, f"calendar-collision-{lang}")

    await page.select_option("#bk-bay", str(bays[1]))
    async with page.expect_navigation():
        await page.click("#book button[type=submit]")
    assert await page.locator(".notice").is_visible()
    assert await page.locator(".appt").count() == 2
    assert len(await sent_to(db, phone, "appointment.offer")) == 1
    await shoot(page, tmp_path, f"calendar-day-{lang}")

    async with db.read() as s:
        new = (await s.scalars(select(Appointment).where(Appointment.request_id == waiting))).one()
    card = page.locator(f"#appointment-{new.id}")
    await card.locator("summary").click()
    reason = "lift under repair" if lang == "en" else "الرافعة قيد الصيانة"
    await card.locator("input[name=reason]").fill(reason)
    async with page.expect_navigation():
        await card.locator("form[action*='/cancel'] button").click()
    assert len(await sent_to(db, phone, "appointment.cancelled")) == 1
    assert await page.locator(".appt").count() == 1

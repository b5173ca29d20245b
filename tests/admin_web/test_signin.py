"""Signing in to the console: password, Telegram link, lockout, sessions."""

from __future__ import annotations

from garagebot.core.uow import Database
from tests.admin_web.harness import Browser, give_password
from tests.conftest import Staff


async def test_signed_out_the_console_is_the_sign_in_page(browser: Browser) -> None:
    status, _ = await browser.get("/")
    assert status == 303
    status, body = await browser.get("/signin")
    assert status == 200
    assert "Sign in to the console" in body


async def test_an_owner_signs_in_with_a_password_and_sees_the_dashboard(
    browser: Browser, db: Database, staff: Staff
) -> None:
    login = await give_password(db, staff.owner)
    status, _, location = await browser.sign_in(login)
    assert (status, location) == (303, "/")
    status, body = await browser.get("/")
    assert status == 200
    assert "Today in the garage" in body

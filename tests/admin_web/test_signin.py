"""Signing in to the console: password, Telegram link, invite, lockout with
back-off, the per-address limit, new-device notices, and sessions that end."""

from __future__ import annotations

import re

from sqlalchemy import select

from garagebot.core.actor import Actor
from garagebot.core.console import staff_admin
from garagebot.core.console.signin import PER_IP_FAILURES
from garagebot.core.enums import Role
from garagebot.core.ids import UserId
from garagebot.core.models import ConsoleSession
from garagebot.core.uow import Database
from tests.admin_web.harness import PASSWORD, Browser, give_password, link_telegram, sent_to
from tests.conftest import Staff
from tests.fakes import FakeClock


def tg(actor: Actor) -> int:
    """A Telegram id for ``actor`` (unique across the tests' garages)."""
    assert actor.id is not None
    return 7_000_000 + actor.id


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


async def test_a_wrong_password_says_so_beside_the_form_and_keeps_the_login(
    browser: Browser, db: Database, staff: Staff
) -> None:
    login = await give_password(db, staff.manager)
    status, body, _ = await browser.sign_in(login, "not-the-password")
    assert status == 401
    assert "The login or the password is wrong." in body
    assert f'value="{login}"' in body
    assert "not-the-password" not in body


async def test_five_failures_lock_the_account_with_back_off_and_the_owner_is_told(
    browser: Browser, db: Database, staff: Staff, clock: FakeClock
) -> None:
    clock.advance(days=50)  # its failures stay away from the other tests' (one address for all)
    await link_telegram(db, staff.owner, tg(staff.owner))
    login = await give_password(db, staff.manager)
    for _ in range(5):
        assert (await browser.sign_in(login, "wrong-password-x"))[0] == 401
    status, body, _ = await browser.sign_in(login)  # the right password, but locked
    assert status == 401
    assert "this account is locked. Try again in 1 minute." in body
    assert await sent_to(db, str(tg(staff.owner)), "console.telegram.locked") == [
        {"name": "Manager", "ip": "127.0.0.1", "failures": 5}]
    clock.advance(seconds=61)
    assert (await browser.sign_in(login, "wrong-password-x"))[0] == 401  # 6th failure: 2 minutes
    clock.advance(seconds=61)
    _, body, _ = await browser.sign_in(login)
    assert "Try again in 1 minute." in body
    clock.advance(seconds=61)
    assert (await browser.sign_in(login))[0] == 303
    assert len(await sent_to(db, str(tg(staff.owner)), "console.telegram.locked")) == 1


async def test_an_address_with_too_many_failures_is_refused_whatever_the_login(
    browser: Browser, db: Database, staff: Staff, clock: FakeClock
) -> None:
    clock.advance(days=40)  # away from the other tests' attempts from the same address
    login = await give_password(db, staff.advisor)
    for n in range(PER_IP_FAILURES):
        await browser.sign_in(f"nobody-{n}", "wrong-password-x")
    status, body, _ = await browser.sign_in(login)
    assert status == 401
    assert "Too many attempts from this address" in body
    clock.advance(minutes=16)
    assert (await browser.sign_in(login))[0] == 303


async def test_a_telegram_link_signs_in_once_within_ten_minutes(
    browser: Browser, other_browser: Browser, db: Database, staff: Staff, clock: FakeClock
) -> None:
    await link_telegram(db, staff.manager, tg(staff.manager))
    login = await give_password(db, staff.manager)
    await browser.get("/signin")
    status, _, location = await browser.post("/signin/telegram", {"login": login})
    assert (status, location) == (303, "/signin?notice=link_sent")
    [params] = await sent_to(db, str(tg(staff.manager)), "console.telegram.signin_link")
    path = "/signin/" + str(params["url"]).split("/signin/", 1)[1]
    status, body = await browser.get(path)  # a GET (a link preview) does not spend it
    assert status == 200
    status, _, location = await browser.post(path)
    assert (status, location) == (303, "/")
    assert (await browser.get("/"))[0] == 200
    await other_browser.get(path)
    status, body, _ = await other_browser.post(path)
    assert status == 400
    assert "This link is not valid" in body
    # A new link expires after 10 minutes.
    await browser.post("/signin/telegram", {"login": login})
    params = (await sent_to(db, str(tg(staff.manager)), "console.telegram.signin_link"))[-1]
    clock.advance(minutes=10, seconds=1)
    path = "/signin/" + str(params["url"]).split("/signin/", 1)[1]
    await other_browser.get(path)
    assert (await other_browser.post(path))[0] == 400


async def test_asking_a_link_for_an_unknown_login_answers_the_same_and_sends_nothing(
    browser: Browser, db: Database, staff: Staff
) -> None:
    await browser.get("/signin")
    status, _, location = await browser.post("/signin/telegram", {"login": "nobody-here"})
    assert (status, location) == (303, "/signin?notice=link_sent")


async def test_a_sign_in_from_a_new_device_tells_the_owner_once(
    browser: Browser, other_browser: Browser, db: Database, staff: Staff
) -> None:
    await link_telegram(db, staff.owner, tg(staff.owner))
    login = await give_password(db, staff.advisor)
    await browser.sign_in(login)
    await browser.post("/signout")
    await browser.sign_in(login)  # the same browser: a known device
    assert len(await sent_to(db, str(tg(staff.owner)), "console.telegram.new_device")) == 1
    await other_browser.sign_in(login)
    notices = await sent_to(db, str(tg(staff.owner)), "console.telegram.new_device")
    assert len(notices) == 2
    assert notices[0]["name"] == "Advisor"


async def test_an_invite_link_lets_the_member_set_a_password_with_the_rules_shown(
    browser: Browser, other_browser: Browser, db: Database, staff: Staff
) -> None:
    from garagebot.core.console.accounts import create_invite

    async with db.unit_of_work(staff.manager) as uow:
        token = await create_invite(uow, staff.id(staff.tech))
    path = f"/invite/{token}"
    await other_browser.get(path)
    status, body, _ = await other_browser.post(path, {"login": "tech.one", "password": "password123",
                                                      "password2": "password123"})
    assert status == 400
    assert "one of the most common" in body
    assert 'value="tech.one"' in body
    _, body, _ = await other_browser.post(path, {"login": "tech.one", "password": "short",
                                                 "password2": "short"})
    assert "at least 10 characters" in body
    status, _, location = await other_browser.post(
        path, {"login": "tech.one", "password": PASSWORD, "password2": PASSWORD})
    assert (status, location) == (303, "/signin?notice=invite_accepted")
    assert (await browser.sign_in("tech.one"))[0] == 303
    assert (await other_browser.get(path))[0] == 400  # used


async def live_sessions(db: Database, actor: Actor) -> int:
    async with db.read() as s:
        return len((await s.scalars(select(ConsoleSession.id).where(
            ConsoleSession.user_id == actor.id, ConsoleSession.revoked_at.is_(None)))).all())


async def test_deactivating_or_changing_the_role_ends_the_members_sessions(
    browser: Browser, other_browser: Browser, db: Database, staff: Staff
) -> None:
    login = await give_password(db, staff.advisor)
    await browser.sign_in(login)
    async with db.unit_of_work(staff.owner) as uow:
        await staff_admin.change_role(uow, UserId(staff.id(staff.advisor)), Role.LEAD_TECHNICIAN)
    assert await live_sessions(db, staff.advisor) == 0
    assert (await browser.get("/"))[0] == 303  # signed out
    await browser.sign_in(login)
    assert (await browser.get("/"))[0] == 200
    async with db.unit_of_work(staff.owner) as uow:
        await staff_admin.set_active(uow, UserId(staff.id(staff.advisor)), False)
    assert (await browser.get("/"))[0] == 303
    status, body, _ = await browser.sign_in(login)
    assert status == 401
    assert "The login or the password is wrong." in body


async def test_sign_out_everywhere_ends_every_session_and_idle_sessions_expire(
    browser: Browser, other_browser: Browser, db: Database, staff: Staff, clock: FakeClock
) -> None:
    login = await give_password(db, staff.owner)
    await browser.sign_in(login)
    await other_browser.sign_in(login)
    status, body = await browser.get("/account")
    assert status == 200
    assert len(re.findall(r"<tr><td class=\"ltr\">", body)) == 2
    await browser.post("/account/signout-everywhere")
    assert (await other_browser.get("/"))[0] == 303
    assert (await browser.get("/"))[0] == 303
    await browser.sign_in(login)
    clock.advance(minutes=61)
    assert (await browser.get("/"))[0] == 303


async def test_asking_for_links_again_and_again_is_limited_per_address(
    browser: Browser, db: Database, staff: Staff, clock: FakeClock
) -> None:
    clock.advance(days=80)  # away from the other tests' attempts from the same address
    await link_telegram(db, staff.manager, tg(staff.manager))
    login = await give_password(db, staff.manager)
    await browser.get("/signin")
    for _ in range(PER_IP_FAILURES):
        assert (await browser.post("/signin/telegram", {"login": login}))[0] == 303
    status, body, _ = await browser.post("/signin/telegram", {"login": login})
    assert status == 429
    assert "Too many attempts from this address" in body
    assert len(await sent_to(db, str(tg(staff.manager)), "console.telegram.signin_link")) == PER_IP_FAILURES

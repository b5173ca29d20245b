"""Staff and audit pages: a manager changes a member through the console's
forms, and the owner verifies the audit chain (intact, then broken)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select, update

from garagebot.app.web import create_app
from garagebot.core.models import AuditEntry, User, UserSkill
from garagebot.core.uow import Database
from tests.admin_web.harness import Browser, MakeClient, give_password
from tests.app.conftest import app_settings
from tests.conftest import Staff
from tests.fakes import FakeClock


async def user_row(db: Database, user_id: int) -> User:
    async with db.read() as s:
        row = await s.get(User, user_id)
    assert row is not None
    return row


async def test_a_manager_changes_role_skills_and_language_and_deactivates_a_member(
    browser: Browser, other_browser: Browser, db: Database, staff: Staff
) -> None:
    await other_browser.sign_in(await give_password(db, staff.tech))
    await browser.sign_in(await give_password(db, staff.manager))
    tech = staff.id(staff.tech)
    await browser.get(f"/staff/{tech}")
    assert (await browser.post(f"/staff/{tech}/role", {"role": "lead_technician"}))[2] == \
        f"/staff/{tech}?notice=saved"
    assert (await user_row(db, tech)).role == "lead_technician"
    assert (await other_browser.get("/"))[0] == 303  # the role change signed them out
    await browser.client.post(f"/staff/{tech}/skills", data=[("skill", "ac"), ("skill", "electrical"),
                                                            ("_csrf", browser.csrf)])
    async with db.read() as s:
        skills = set((await s.scalars(select(UserSkill.skill).where(UserSkill.user_id == tech))).all())
    assert skills == {"ac", "electrical"}
    await browser.post(f"/staff/{tech}/language", {"locale": "ar"})
    assert (await user_row(db, tech)).locale == "ar"
    status, body = await browser.get(f"/staff/{tech}")
    assert status == 200
    assert "Lead technician" in body
    await browser.post(f"/staff/{tech}/active", {"active": "0"})
    assert (await user_row(db, tech)).active is False
    _status, body = await browser.get("/staff")
    assert "Deactivated" in body


async def test_setting_a_password_shows_the_rule_beside_the_field_and_keeps_the_login(
    browser: Browser, db: Database, staff: Staff
) -> None:
    await browser.sign_in(await give_password(db, staff.owner))
    member = staff.id(staff.accountant)
    await browser.get(f"/staff/{member}")
    status, body, _ = await browser.post(f"/staff/{member}/password",
                                         {"login": "acc.one", "password": "password123"})
    assert status == 400
    assert '<p class="error" id="e-password">This password is one of the most common ones.' in body
    assert 'value="acc.one"' in body
    status, _, location = await browser.post(f"/staff/{member}/password",
                                             {"login": "acc.one", "password": "ledger-and-till-7"})
    assert location == f"/staff/{member}?notice=password_set"
    other = Browser(browser.client)
    await browser.post("/signout")
    assert (await other.sign_in("acc.one", "ledger-and-till-7"))[0] == 303


async def test_the_link_code_is_shown_once_with_a_qr_code_of_the_bots_deep_link(
    aiohttp_client: MakeClient, db_url: str, tmp_path: Path, clock: FakeClock, db: Database, staff: Staff
) -> None:
    settings = app_settings(db_url, tmp_path, telegram_bot_username="nour_garage_bot")
    browser = Browser(await aiohttp_client(create_app(settings, clock=clock)))
    await browser.sign_in(await give_password(db, staff.manager))
    await browser.get(f"/staff/{staff.id(staff.tech2)}")
    status, body, _ = await browser.post(f"/staff/{staff.id(staff.tech2)}/link-code")
    assert status == 200
    assert 'src="data:image/svg+xml' in body
    assert "https://t.me/nour_garage_bot?start=" in body
    status, body, _ = await browser.post(f"/staff/{staff.id(staff.tech2)}/invite")
    assert "/invite/" in body


async def test_the_owner_verifies_the_audit_chain_and_sees_where_it_breaks(
    browser: Browser, db: Database, staff: Staff
) -> None:
    await browser.sign_in(await give_password(db, staff.owner))
    status, body = await browser.get("/audit?verify=1")
    assert status == 200
    assert "The chain is intact" in body
    assert "Signed in to the console" in body
    async with db.raw_transaction() as s:
        await s.execute(update(AuditEntry).where(AuditEntry.organization_id == staff.org,
                                                 AuditEntry.seq == 2).values(action="tampered"))
    status, body = await browser.get("/audit?verify=1")
    assert "The chain is broken at entry 2: its content was changed." in body


async def test_a_manager_cannot_take_over_the_owners_account(browser: Browser, db: Database,
                                                             staff: Staff) -> None:
    await browser.sign_in(await give_password(db, staff.manager))
    owner = staff.id(staff.owner)
    assert (await browser.get(f"/staff/{owner}"))[0] == 200
    attempts: list[tuple[str, dict[str, str]]] = [
        (f"/staff/{owner}/password", {"login": "taken.over", "password": "a-long-enough-one"}),
        (f"/staff/{owner}/invite", {}), (f"/staff/{owner}/link-code", {}),
        (f"/staff/{owner}/role", {"role": "technician"}), (f"/staff/{owner}/active", {"active": "0"})]
    for path, data in attempts:
        status, body, _ = await browser.post(path, data)
        assert status == 403, path
        assert "/invite/" not in body
    owner_row = await user_row(db, owner)
    assert (owner_row.role, owner_row.active) == ("owner", True)

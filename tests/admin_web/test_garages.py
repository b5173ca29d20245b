"""An owner of two garages links their accounts and switches between them;
nobody else can switch, and a wrong password counts towards the lockout."""

from __future__ import annotations

from sqlalchemy import select, update

from garagebot.core.models import ConsoleCredential, ConsoleLink, Organization
from garagebot.core.uow import Database
from tests.admin_web.harness import PASSWORD, Browser, give_password
from tests.conftest import Staff, make_staff, new_garage


async def rename(db: Database, org: int, name_en: str) -> None:
    async with db.raw_transaction() as s:
        await s.execute(update(Organization).where(Organization.id == org).values(name_en=name_en))


async def test_an_owner_links_their_other_garage_and_switches_to_it(
    browser: Browser, db: Database, staff: Staff
) -> None:
    other = await make_staff(db, await new_garage(db))
    await rename(db, other.org, "Second Garage")
    there = await give_password(db, other.owner)
    await browser.sign_in(await give_password(db, staff.owner))
    await browser.get("/account")
    status, body, _ = await browser.post("/account/garages", {"login": there, "password": "wrong-password-1"})
    assert status == 400
    assert "The login or the password is wrong." in body
    async with db.read() as s:
        failures = (await s.execute(select(ConsoleCredential.failed_count).where(
            ConsoleCredential.user_id == other.owner.id))).scalar_one()
    assert failures == 1
    status, _, location = await browser.post("/account/garages", {"login": there, "password": PASSWORD})
    assert (status, location) == (303, "/account?notice=saved")
    status, body = await browser.get("/account")
    assert "Second Garage" in body
    status, _, location = await browser.post(f"/account/garages/{other.owner.id}/switch")
    assert (status, location) == (303, "/")
    status, body = await browser.get("/")
    assert '<span class="garage">Second Garage</span>' in body
    status, body = await browser.get("/account")
    assert "Test Garage" in body  # and back again
    await browser.post(f"/account/garages/{staff.owner.id}/switch")
    assert '<span class="garage">Test Garage</span>' in (await browser.get("/"))[1]


async def test_only_a_linked_owner_switches_and_a_manager_cannot_link(
    browser: Browser, db: Database, staff: Staff
) -> None:
    other = await make_staff(db, await new_garage(db))
    there = await give_password(db, other.owner)
    await browser.sign_in(await give_password(db, staff.owner))
    await browser.get("/account")
    status, _, _ = await browser.post(f"/account/garages/{other.owner.id}/switch")
    assert status == 404
    manager = Browser(browser.client)
    await browser.post("/signout")
    await manager.sign_in(await give_password(db, staff.manager))
    await manager.get("/account")
    status, _, _ = await manager.post("/account/garages", {"login": there, "password": PASSWORD})
    assert status == 403
    mgr_there = await give_password(db, other.manager)
    await manager.post("/signout")
    await browser.sign_in(await give_password(db, staff.owner))
    await browser.get("/account")
    status, body, _ = await browser.post("/account/garages", {"login": mgr_there, "password": PASSWORD})
    assert status == 400
    assert "not an owner of another garage" in body
    async with db.read() as s:
        links = (await s.scalars(select(ConsoleLink.id).where(ConsoleLink.user_id == staff.owner.id))).all()
    assert links == []

"""Every console route with every role and with another garage's member:
the role check answers 403, another garage's record 404, nothing changes;
and every page is valid HTML with every field labelled, in both languages."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from garagebot.app.storage import LocalFileStorage
from garagebot.core.actor import Actor
from garagebot.core.models import AuditEntry, RepairSession
from garagebot.core.uow import Database
from tests.admin_web.harness import Browser, give_password
from tests.admin_web.htmlcheck import html_problems
from tests.admin_web.scene import signed_visit
from tests.conftest import Staff, make_staff, new_garage

ROLES = ("owner", "manager", "advisor", "lead", "tech", "assistant", "inventory", "accountant")
# Which roles may (core/permissions.py): change a session's status, manage staff, manage the garage.
MOVERS = {"owner", "manager", "advisor", "lead"}
MANAGERS = {"owner", "manager"}
OWNERS = {"owner"}


def pages(session_id: int, media_id: int) -> list[str]:
    return ["/", "/board", "/sessions", "/sessions?q=SES&status=DIAGNOSING", f"/sessions/{session_id}",
            f"/sessions/{session_id}/signature/{media_id}", "/account", "/alerts"]


def managed_pages(member_id: int) -> list[tuple[str, set[str]]]:
    """Pages only some roles may see, with those roles."""
    return [("/staff", MANAGERS), (f"/staff/{member_id}", MANAGERS), ("/audit", OWNERS),
            ("/requests", MANAGERS | {"advisor"}), ("/settings", MANAGERS),
            ("/audit?verify=1&entity=user", OWNERS)]


def staff_posts(member_id: int) -> list[tuple[str, dict[str, str]]]:
    return [(f"/staff/{member_id}/role", {"role": "technician"}),
            (f"/staff/{member_id}/skills", {"skill": "ac"}),
            (f"/staff/{member_id}/language", {"locale": "ar"}),
            (f"/staff/{member_id}/active", {"active": "0"}),
            (f"/staff/{member_id}/password", {"login": "x.y.z", "password": "a-long-enough-one"}),
            (f"/staff/{member_id}/invite", {}), (f"/staff/{member_id}/link-code", {})]


async def audit_count(db: Database, org: int) -> int:
    async with db.read() as s:
        return len((await s.scalars(select(AuditEntry.id).where(AuditEntry.organization_id == org))).all())


async def media_of(db: Database, session_id: int) -> int:
    from garagebot.core.models import QuoteApproval

    async with db.read() as s:
        return int((await s.execute(select(QuoteApproval.signature_media_id).where(
            QuoteApproval.session_id == session_id))).scalar_one())


@pytest.mark.parametrize("role", ROLES)
async def test_every_role_sees_every_page_it_may_and_valid_html(
    browser: Browser, db: Database, staff: Staff, tmp_path: Path, role: str
) -> None:
    v = await signed_visit(db, staff, LocalFileStorage(tmp_path / "media"))
    media = await media_of(db, v.session_id)
    actor: Actor = getattr(staff, role)
    assert (await browser.sign_in(await give_password(db, actor)))[0] == 303
    for lang in ("en", "ar"):
        await browser.post("/lang", {"lang": lang, "next": "/"})
        for path in pages(v.session_id, media):
            status, body = await browser.get(path)
            assert status == 200, (path, status)
            if not path.endswith(str(media)):
                assert html_problems(body) == [], (path, lang)
                assert f'lang="{lang}"' in body
                assert ('dir="rtl"' in body) == (lang == "ar")
                assert "{" not in body.split("<body>", 1)[1].replace("{}", ""), path
        for path, roles in managed_pages(staff.id(staff.assistant)):
            status, body = await browser.get(path)
            assert status == (200 if role in roles else 403), (path, status)
            assert html_problems(body) == [], (path, lang)


@pytest.mark.parametrize("role", ROLES)
async def test_moving_a_card_is_refused_to_roles_without_the_permission_and_changes_nothing(
    browser: Browser, db: Database, staff: Staff, tmp_path: Path, role: str
) -> None:
    v = await signed_visit(db, staff, LocalFileStorage(tmp_path / "media"))
    await browser.sign_in(await give_password(db, getattr(staff, role)))
    await browser.get("/board")
    before = await audit_count(db, staff.org)
    status, _, _ = await browser.post(f"/board/{v.session_id}/move", {"to": "ON_HOLD", "note": "waiting"})
    async with db.read() as s:
        now = (await s.get(RepairSession, v.session_id))
    assert now is not None
    if role in MOVERS:
        assert status == 303
        assert now.status == "ON_HOLD"
    else:
        assert status == 403
        assert now.status != "ON_HOLD"
        assert await audit_count(db, staff.org) == before


async def test_another_garages_member_gets_404_for_every_record_and_changes_nothing(
    browser: Browser, db: Database, staff: Staff, tmp_path: Path
) -> None:
    v = await signed_visit(db, staff, LocalFileStorage(tmp_path / "media"))
    media = await media_of(db, v.session_id)
    other = await make_staff(db, await new_garage(db))
    await browser.sign_in(await give_password(db, other.owner))
    before = await audit_count(db, staff.org)
    for path in pages(v.session_id, media)[4:6]:
        status, body = await browser.get(path)
        assert status == 404, path
        assert v.number not in body
    status, _, _ = await browser.post(f"/board/{v.session_id}/move", {"to": "ON_HOLD", "note": "x"})
    assert status == 404
    status, body = await browser.get("/sessions")
    assert v.number not in body
    for path, _ in managed_pages(staff.id(staff.assistant))[1:2]:
        assert (await browser.get(path))[0] == 404
    for path, data in staff_posts(staff.id(staff.assistant)):
        assert (await browser.post(path, data))[0] == 404, path
    assert await audit_count(db, staff.org) == before


@pytest.mark.parametrize("role", [r for r in ROLES if r not in MANAGERS])
async def test_staff_changes_are_refused_to_other_roles_and_change_nothing(
    browser: Browser, db: Database, staff: Staff, role: str
) -> None:
    await browser.sign_in(await give_password(db, getattr(staff, role)))
    await browser.get("/")
    before = await audit_count(db, staff.org)
    for path, data in staff_posts(staff.id(staff.assistant)):
        assert (await browser.post(path, data))[0] == 403, path
    assert await audit_count(db, staff.org) == before


async def test_a_post_without_the_csrf_field_is_refused(browser: Browser, db: Database, staff: Staff,
                                                        tmp_path: Path) -> None:
    v = await signed_visit(db, staff, LocalFileStorage(tmp_path / "media"))
    await browser.sign_in(await give_password(db, staff.owner))
    status, _, _ = await browser.post(f"/board/{v.session_id}/move", {"to": "ON_HOLD", "note": "x"},
                                      csrf=False)
    assert status == 403
    async with db.read() as s:
        row = await s.get(RepairSession, v.session_id)
    assert row is not None
    assert row.status != "ON_HOLD"


async def test_every_page_carries_the_security_headers(browser: Browser) -> None:
    resp = await browser.client.get("/signin")
    csp = resp.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["Referrer-Policy"] == "same-origin"
    assert "HttpOnly" in resp.headers["Set-Cookie"]
    assert "SameSite=Lax" in resp.headers["Set-Cookie"]


async def test_healthz_is_unchanged(browser: Browser) -> None:
    resp = await browser.client.get("/healthz")
    assert (resp.status, await resp.json()) == (200, {"status": "ok"})

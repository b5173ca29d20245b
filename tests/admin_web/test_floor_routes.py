"""Every route of the session actions, the alerts and the booking times, with
every role and with another garage's member (the matrix of test_routes,
extended): a role without the permission gets 403, another garage's record
404, and neither changes anything; the alerts page and the booking times in
English and Arabic (the client told on their channel)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from garagebot.app.storage import LocalFileStorage
from garagebot.core.models import Request, SessionQcItem, Step
from garagebot.core.normalize import phone_e164
from garagebot.core.uow import Database
from tests.admin_web.harness import Browser, give_password, sent_to
from tests.admin_web.htmlcheck import html_problems
from tests.admin_web.test_requests import a_request
from tests.admin_web.test_routes import ROLES, audit_count
from tests.conftest import Staff, make_staff, new_garage
from tests.core.repair.helpers import S, move, open_direct
from tests.webhooks.pages.scene import QuotedVisit, quoted_visit

ADVISORS = {"owner", "manager", "advisor"}
STEERS = ADVISORS | {"lead"}
BILLING = ADVISORS | {"accountant"}


def routes(v: QuotedVisit, step: int, qc_session: int, qc_item: int, request: int, tech: int
           ) -> list[tuple[str, dict[str, str], set[str]]]:
    """Each route, a form for it, and the roles core/permissions.py allows."""
    sid, line = v.session_id, v.lines[0]
    when = (dt.datetime(2030, 1, 1, 10, 0)).strftime("%Y-%m-%dT%H:%M")
    return [
        (f"/sessions/{sid}/assign", {"work": f"step:{step}", "person": str(tech)}, STEERS),
        (f"/sessions/{sid}/eta", {"eta": when}, STEERS),
        (f"/sessions/{sid}/hold", {"reason": "x"}, STEERS),
        (f"/sessions/{sid}/resume", {}, STEERS),
        (f"/sessions/{sid}/cancel", {"reason": "x"}, STEERS),
        (f"/sessions/{sid}/checkin", {}, STEERS),
        (f"/sessions/{sid}/complete", {}, STEERS),
        (f"/sessions/{qc_session}/qc/{qc_item}", {"done": "1"}, STEERS),
        (f"/sessions/{qc_session}/ready", {}, STEERS),
        (f"/sessions/{sid}/quote", {}, BILLING),
        (f"/sessions/{sid}/quote/lines", {"kind": "fee", "description": "Fee", "amount": "1"}, BILLING),
        (f"/sessions/{sid}/quote/lines/{line}/remove", {}, BILLING),
        (f"/sessions/{sid}/quote/discount", {"discount": "1"}, BILLING),
        (f"/sessions/{sid}/quote/discount/approve", {}, {"owner", "manager"}),
        (f"/sessions/{sid}/quote/send", {"confirm": "1"}, BILLING),
        (f"/sessions/{sid}/invoice", {}, BILLING),
        (f"/sessions/{sid}/invoice/issue", {}, BILLING),
        (f"/sessions/{sid}/invoice/payment", {"method": "CASH", "amount": "1"}, BILLING),
        (f"/sessions/{sid}/deliver", {"pin": "0000"}, ADVISORS),
        (f"/requests/{request}/confirm", {"when": when}, ADVISORS),
        (f"/requests/{request}/propose", {"when": when}, ADVISORS),
    ]


async def scene(db: Database, staff: Staff, tmp_path: Path) -> list[tuple[str, dict[str, str], set[str]]]:
    v = await quoted_visit(db, staff, LocalFileStorage(tmp_path / "media"), send=False)
    qc_session = await open_direct(db, staff.advisor, 91)
    await move(db, staff.advisor, qc_session, S.IN_PROGRESS, S.QA_CHECK)
    async with db.read() as s:
        step = (await s.scalars(select(Step.id).where(Step.session_id == v.session_id))).first()
        item = (await s.scalars(select(SessionQcItem.id).where(
            SessionQcItem.session_id == qc_session))).first()
    assert step is not None
    assert item is not None
    return routes(v, step, qc_session, item, await a_request(db, staff), staff.id(staff.tech))


@pytest.mark.parametrize("role", ROLES)
async def test_each_action_is_refused_to_roles_without_its_permission_and_changes_nothing(
    browser: Browser, db: Database, staff: Staff, tmp_path: Path, role: str
) -> None:
    table = await scene(db, staff, tmp_path)
    await browser.sign_in(await give_password(db, getattr(staff, role)))
    await browser.get("/")
    for path, data, roles in table:
        if role in roles:
            continue
        before = await audit_count(db, staff.org)
        status, _, _ = await browser.post(path, data)
        assert status == 403, (path, role)
        assert await audit_count(db, staff.org) == before, path
    for path, data, roles in table:
        if role in roles:  # allowed: done, or refused by a rule in words (never a 403 or 404)
            status, body, _ = await browser.post(path, data)
            assert status in (200, 303, 400, 409), (path, role, status)
            if status != 303:
                assert html_problems(body) == [], path


async def test_another_garages_member_gets_404_for_every_action_and_changes_nothing(
    browser: Browser, db: Database, staff: Staff, tmp_path: Path
) -> None:
    table = await scene(db, staff, tmp_path)
    other = await make_staff(db, await new_garage(db))
    await browser.sign_in(await give_password(db, other.owner))
    before = await audit_count(db, staff.org)
    for path, data, _ in table:
        status, body, _ = await browser.post(path, data)
        assert status == 404, path
        assert html_problems(body) == []
    assert await audit_count(db, staff.org) == before


async def test_a_record_of_another_session_of_the_garage_is_not_found(
    browser: Browser, db: Database, staff: Staff, tmp_path: Path
) -> None:
    table = await scene(db, staff, tmp_path)
    other = await open_direct(db, staff.advisor, 92)
    await browser.sign_in(await give_password(db, staff.owner))
    await browser.get("/")
    before = await audit_count(db, staff.org)
    qc_path = next(p for p, _, _ in table if "/qc/" in p)
    item = qc_path.rsplit("/", 1)[1]
    assert (await browser.post(f"/sessions/{other}/qc/{item}", {"done": "1"}))[0] == 404
    step = next(d["work"] for p, d, _ in table if p.endswith("/assign"))
    tech = str(staff.id(staff.tech))
    assert (await browser.post(f"/sessions/{other}/assign", {"work": step, "person": tech}))[0] == 404
    line = next(p for p, _, _ in table if p.endswith("/remove")).split("/lines/")[1]
    assert (await browser.post(f"/sessions/{other}/quote/lines/{line}"))[0] == 404
    assert await audit_count(db, staff.org) == before


@pytest.mark.parametrize("lang", ["en", "ar"])
async def test_the_alerts_list_links_each_item(browser: Browser, db: Database, staff: Staff, lang: str,
                                               tmp_path: Path) -> None:
    v = await quoted_visit(db, staff, LocalFileStorage(tmp_path / "media"))
    rid = await a_request(db, staff)
    await browser.sign_in(await give_password(db, staff.manager))
    await browser.post("/lang", {"lang": lang, "next": "/"})
    status, body = await browser.get("/alerts")
    assert status == 200
    assert html_problems(body) == []
    assert f'href="/requests#request-{rid}"' in body
    assert f'href="/sessions/{v.session_id}"' in body  # waiting for the client's approval
    assert ("Waiting for the client" if lang == "en" else "بانتظار موافقة العميل") in body
    _, dashboard = await browser.get("/")
    assert 'href="/alerts"' in dashboard


@pytest.mark.parametrize(("lang", "words"), [("en", "Booked for"), ("ar", "محجوز في")])
async def test_a_booking_time_is_confirmed_or_another_proposed_and_the_client_told(
    browser: Browser, db: Database, staff: Staff, lang: str, words: str
) -> None:
    rid = await a_request(db, staff)
    await browser.sign_in(await give_password(db, staff.advisor))
    await browser.post("/lang", {"lang": lang, "next": "/"})
    await browser.get("/requests")
    status, body, _ = await browser.post(f"/requests/{rid}/confirm", {"when": "soon"})
    assert status == 400
    assert html_problems(body) == []
    past = (db.clock.now() - dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    status, body, _ = await browser.post(f"/requests/{rid}/propose", {"when": past})
    assert status == 400
    assert f'value="{past}"' in body
    later = (db.clock.now() + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    status, _, location = await browser.post(f"/requests/{rid}/propose", {"when": later})
    assert (status, location) == (303, "/requests?notice=time_proposed")
    status, _, location = await browser.post(f"/requests/{rid}/confirm", {"when": later})
    assert (status, location) == (303, "/requests?notice=booking_confirmed")
    phone = phone_e164("0791234567")
    assert await sent_to(db, phone, "booking.proposed")
    assert await sent_to(db, phone, "booking.confirmed")
    async with db.read() as s:
        row = await s.get(Request, rid)
    assert row is not None
    assert row.confirmed_at is not None
    _, body = await browser.get("/requests")
    assert words in body

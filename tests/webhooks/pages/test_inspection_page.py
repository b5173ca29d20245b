"""GET and POST /i/{token}: the client's inspection report — findings by
severity with their measurements against the limits, photo and video, the
recommended work with prices; the client's answers recorded as quote
decisions on the web channel and the advisor told; forged, expired, other
kinds of token and unpublished inspections refused."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from garagebot.core.billing.enums import LineDecision
from garagebot.core.billing.quote_flow import decide_quote_lines
from garagebot.core.enums import Role, SessionStatus
from garagebot.core.ids import OrgId
from garagebot.core.inspections.enums import Severity
from garagebot.core.inspections.recommend import recommend
from garagebot.core.links import make_token
from garagebot.core.models import Quote, QuoteDecision, QuoteLine
from garagebot.core.repair.sessions import change_status
from garagebot.core.uow import Database
from tests.conftest import Staff, make_staff, new_garage
from tests.conversations.staff.support import staff_chat
from tests.conversations.staff.told import drain, told
from tests.core.inspections.scene import inspect, open_car, published
from tests.fakes import FakeClock, MemoryFileStorage
from tests.webhooks.pages.conftest import Client, form_of
from tests.webhooks.pages.scene import SECRET


@pytest.mark.parametrize("locale", ["en", "ar"])
async def test_the_report_groups_findings_by_severity_with_limits_media_and_prices(
    client: Client, db: Database, staff: Staff, storage: MemoryFileStorage, locale: str,
) -> None:
    p = await published(db, staff.advisor, staff.tech, storage, locale=locale)
    page = await client.get(p.path(db))
    html = await page.text()
    assert page.status == 200
    assert ('dir="rtl"' in html) == (locale == "ar")
    order = [html.index(f'id="group-{g}"') for g in ("critical", "advisory", "ok")]
    assert order == sorted(order)
    if locale == "en":
        assert "Front brake pads" in html
        assert "Needs attention now" in html
        assert re.sub(r"<[^>]+>", "", html).count("Measured 1.5 mm · advisory below 4, critical below 2") == 1
        assert "Replace front brake pads" in html
        assert "Pads worn to the metal" in html
    else:
        assert "فحمات الفرامل الأمامية" in html
        assert "يحتاج إلى عناية فورية" in html
        assert "تبديل فحمات الفرامل الأمامية" in html
    assert len(re.findall(r'<video src="/m/', html)) == 1
    assert len(re.findall(r'<img src="/m/', html)) == 1
    video = re.search(r'<video src="(/m/[^"]+)"', html)
    assert video is not None
    got = await client.get(video.group(1))
    assert (got.status, got.headers["Content-Type"]) == (200, "video/mp4")
    assert form_of(html).lines == [f"line-{i}" for i in p.lines]


async def test_the_clients_answers_are_quote_decisions_and_the_advisor_is_told(
    client: Client, db: Database, org: OrgId, staff: Staff, storage: MemoryFileStorage,
) -> None:
    advisor = await staff_chat(db, org, Role.ADVISOR, "ar", name="Dana")
    p = await published(db, advisor.actor, staff.tech, storage)
    html = await (await client.get(p.path(db))).text()
    form = form_of(html)
    first, second, third = form.lines  # front pads (critical), front left tyre, wipers
    answers = {**form.fields, first: "APPROVED", second: "DECLINED", third: "DEFERRED"}
    done = await client.post(p.path(db), data=answers)
    assert done.status == 200
    assert "Your answers are recorded" in await done.text()
    again = await client.post(p.path(db), data=answers)  # the same answers again: already decided, no change
    assert again.status in (200, 400)
    async with db.read() as s:
        decided = (await s.execute(select(QuoteDecision.line_id, QuoteDecision.decision,
                                          QuoteDecision.channel, QuoteDecision.actor_kind)
                                   .where(QuoteDecision.quote_id == p.quote_id)
                                   .order_by(QuoteDecision.line_id))).all()
        status = (await s.execute(select(Quote.status).where(Quote.id == p.quote_id))).scalar_one()
    assert [tuple(d) for d in decided] == [(p.lines[0], "APPROVED", "web", "client"),
                                           (p.lines[1], "DECLINED", "web", "client"),
                                           (p.lines[2], "DEFERRED", "web", "client")]
    assert status == "PARTIALLY_APPROVED"
    await drain(db)
    assert [m.key for m in await told(db, advisor, "floor.told_quote")] == ["floor.told_quote_decided"]
    shown = await (await client.get(p.path(db))).text()
    assert 'name="line-' not in shown  # nothing left to answer


async def test_a_declined_critical_finding_is_offered_again_at_the_next_visit(
    client: Client, db: Database, staff: Staff, storage: MemoryFileStorage,
) -> None:
    p = await published(db, staff.advisor, staff.tech, storage)
    async with db.unit_of_work(p.client) as uow:
        await decide_quote_lines(uow, p.quote_id, {p.lines[0]: LineDecision.DECLINED,
                                                   p.lines[1]: LineDecision.APPROVED,
                                                   p.lines[2]: LineDecision.APPROVED}, key="k1")
    async with db.unit_of_work(staff.manager) as uow:
        await change_status(uow, p.session_id, SessionStatus.CANCELLED, note="the client took the car")
    sid, _, _ = await open_car(db, staff.advisor, plate=p.vehicle_plate, phone=p.phone)
    insp = await inspect(db, staff.tech, sid, storage, values={}, taps={"wipers": Severity.OK}, media=False)
    async with db.unit_of_work(staff.advisor) as uow:
        quote = await recommend(uow, insp)
    async with db.read() as s:
        lines = (await s.scalars(select(QuoteLine.description_en).where(QuoteLine.quote_id == quote))).all()
    assert lines == ["Replace front brake pads"]  # nothing new was found: only the declined work, again


async def test_forged_foreign_expired_and_unpublished_links_are_refused(
    client: Client, db: Database, staff: Staff, storage: MemoryFileStorage, clock: FakeClock,
) -> None:
    p = await published(db, staff.advisor, staff.tech, storage)
    good = p.path(db)
    html = await (await client.get(good)).text()
    forged = good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB")
    timeline_kind = make_token(SECRET, "timeline", p.inspection_id, now=db.clock.now())
    approval_kind = make_token(SECRET, "approval", p.inspection_id, now=db.clock.now())
    other_secret = make_token("another-secret-" + "y" * 30, "inspection", p.inspection_id, now=db.clock.now())
    sid, _, _ = await open_car(db, staff.advisor)
    unpublished = await inspect(db, staff.tech, sid, storage, media=False)  # complete, not sent
    draft = make_token(SECRET, "inspection", unpublished, now=db.clock.now())
    for path in (forged, "/i/" + timeline_kind, "/i/" + approval_kind, "/i/" + other_secret,
                 "/i/" + draft, "/i/not-a-token"):
        page = await client.get(path)
        body = await page.text()
        assert page.status == 404, path
        assert "This link is not valid" in body
        assert "Traceback" not in body
    stolen = await client.post("/i/" + draft, data=form_of(html).fields)  # another report's form
    assert stolen.status == 404
    clock.advance(days=30, seconds=1)
    late = await client.post(good, data={**form_of(html).fields, form_of(html).lines[0]: "APPROVED"})
    assert late.status == 410
    async with db.read() as s:
        found = (await s.execute(
            select(QuoteDecision.id).where(QuoteDecision.quote_id == p.quote_id))).first()
    assert found is None


async def test_a_report_shows_only_its_own_garages_data_and_a_form_of_one_report_fails_on_another(
    client: Client, db: Database, staff: Staff, storage: MemoryFileStorage,
) -> None:
    mine = await published(db, staff.advisor, staff.tech, storage)
    other_org = await new_garage(db)
    theirs_staff = await make_staff(db, other_org)
    theirs = await published(db, theirs_staff.advisor, theirs_staff.tech, storage)
    html = await (await client.get(theirs.path(db))).text()
    assert theirs.vehicle_plate.replace("-", "\u2011") in html
    assert mine.vehicle_plate.replace("-", "\u2011") not in html
    mine_form = form_of(await (await client.get(mine.path(db))).text())
    crossed = await client.post(theirs.path(db), data={**mine_form.fields, mine_form.lines[0]: "APPROVED"})
    assert crossed.status == 403  # the nonce is bound to the other link
    async with db.read() as s:
        assert (await s.execute(select(QuoteDecision.id).where(
            QuoteDecision.quote_id.in_([mine.quote_id, theirs.quote_id])))).first() is None


async def test_the_timeline_links_to_the_published_report(
    client: Client, db: Database, staff: Staff, storage: MemoryFileStorage,
) -> None:
    p = await published(db, staff.advisor, staff.tech, storage)
    path = "/t/" + make_token(SECRET, "timeline", p.session_id, now=db.clock.now())
    html = await (await client.get(path)).text()
    (link,) = re.findall(r'<a class="button" href="(/i/[^"]+)" id="report-link"', html)
    assert (await client.get(link)).status == 200
    assert "Your car&#39;s inspection report is ready." in html

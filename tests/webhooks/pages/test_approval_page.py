"""GET and POST /a/{token}: what the client sees and what a submission records;
forged, expired, used and superseded links; the form's anti-forgery field."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from garagebot.core.billing.quote_flow import send_quote
from garagebot.core.billing.quotes import revise_quote
from garagebot.core.links import TIMELINE, make_token
from garagebot.core.models import AuditEntry, MediaFile, Quote, QuoteApproval, QuoteDecision, QuoteLine
from garagebot.core.uow import Database
from garagebot.webhooks.pages.render import PageText
from tests.conftest import Staff
from tests.fakes import FakeClock, MemoryFileStorage
from tests.webhooks.pages.conftest import Client, form_of
from tests.webhooks.pages.scene import SECRET, QuotedVisit, png, png_data_url, quoted_visit

unbroken = PageText.unbroken


def submission(html: str, *, decline_first: bool = True, **changes: str) -> dict[str, str]:
    """The form as a client fills it: line 1 declined (or approved), the others approved, signed."""
    form = form_of(html)
    data = dict(form.fields)
    for n, name in enumerate(form.lines):
        data[name] = "DECLINED" if n == 0 and decline_first else "APPROVED"
    data.update(name="Lina Haddad", signature=png_data_url())
    data.update(changes)
    return data


async def decisions(db: Database, v: QuotedVisit) -> dict[int, str]:
    async with db.read() as s:
        rows = (await s.execute(select(QuoteLine.id, QuoteLine.decision).where(
            QuoteLine.quote_id == v.quote_id))).all()
    return {int(i): str(d) for i, d in rows}


async def rows(db: Database, model: type[object], **where: object) -> int:
    async with db.read() as s:
        stmt = select(func.count()).select_from(model)
        for column, value in where.items():
            stmt = stmt.where(getattr(model, column) == value)
        return int((await s.execute(stmt)).scalar_one())


async def test_the_page_shows_the_garage_the_car_the_lines_with_photos_and_the_totals_in_jod(
    client: Client, db: Database, staff: Staff, storage: MemoryFileStorage
) -> None:
    v = await quoted_visit(db, staff, storage)
    page = await client.get(v.approval_path(db))
    html = await page.text()
    assert page.status == 200
    assert '<html lang="en" dir="ltr">' in html
    for text in ("Test Garage", f"Quote for job {unbroken(v.number)}", "Toyota Corolla 2018", "Brakes",
                 "Oil change", "Pads", "Total of all items", "JOD\xa0", "Worn pads", "Car on arrival",
                 "Your signature"):
        assert text in html, text
    assert len(form_of(html).lines) == len(v.lines)
    async with db.read() as s:
        total = (await s.execute(select(Quote.total).where(Quote.id == v.quote_id))).scalar_one()
    assert f"JOD\xa0{total:,.3f}" in html
    photos = re.findall(r'<img src="(/m/[^"]+)"', html)
    assert len(photos) == 2
    served = await client.get(photos[0])
    assert served.status == 200
    assert served.headers["Content-Type"] == "image/png"
    assert await served.read() == png(8, 8)
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["Referrer-Policy"] == "no-referrer"


async def test_an_arabic_client_gets_the_page_in_arabic_right_to_left_and_may_switch(
    client: Client, db: Database, staff: Staff, storage: MemoryFileStorage
) -> None:
    v = await quoted_visit(db, staff, storage, locale="ar")
    html = await (await client.get(v.approval_path(db))).text()
    assert '<html lang="ar" dir="rtl">' in html
    assert "توقيعك" in html
    assert "كراج التجربة" in html
    assert "د.أ." in html
    switched = await (await client.get(v.approval_path(db) + "?lang=en")).text()
    assert '<html lang="en" dir="ltr">' in switched
    assert "Your signature" in switched


async def test_a_signed_submission_records_the_decision_and_the_link_is_then_used(
    client: Client, db: Database, staff: Staff, storage: MemoryFileStorage
) -> None:
    v = await quoted_visit(db, staff, storage)
    path = v.approval_path(db)
    data = submission(await (await client.get(path)).text())
    done = await client.post(path, data=data, headers={"User-Agent": "PagesTest/1.0"})
    assert done.status == 200
    assert "Thank you" in await done.text()
    assert await decisions(db, v) == {v.lines[0]: "DECLINED", **{ln: "APPROVED" for ln in v.lines[1:]}}
    async with db.read() as s:
        approval = (await s.execute(
            select(QuoteApproval).where(QuoteApproval.quote_id == v.quote_id))).scalar_one()
        digest = (await s.execute(select(Quote.content_hash).where(Quote.id == v.quote_id))).scalar_one()
    assert (approval.signer_name, approval.user_agent, approval.content_hash) == (
        "Lina Haddad", "PagesTest/1.0", digest)
    assert approval.ip == "127.0.0.1"
    assert await rows(db, MediaFile, session_id=v.session_id, kind="signature") == 1

    again = await client.get(path)
    assert again.status == 410
    assert "Lina Haddad signed the decision on this quote" in await again.text()
    replay = await client.post(path, data={**data, "name": "Replayed"})
    assert replay.status == 410
    assert await rows(db, QuoteApproval, quote_id=v.quote_id) == 1
    assert await rows(db, QuoteDecision, quote_id=v.quote_id) == len(v.lines)
    assert await rows(db, AuditEntry, organization_id=v.org, entity="quote_approval") == 1


async def test_a_forged_or_foreign_token_gets_a_clear_page_and_no_stack_trace(
    client: Client, db: Database, staff: Staff, storage: MemoryFileStorage
) -> None:
    v = await quoted_visit(db, staff, storage)
    good = v.approval_path(db)
    forged = good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB")
    timeline_token = make_token(SECRET, TIMELINE, v.quote_id, now=db.clock.now())
    other_secret = make_token("another-secret-" + "y" * 30, "approval", v.quote_id, now=db.clock.now())
    for path in (forged, "/a/" + timeline_token, "/a/" + other_secret, "/a/not-a-token", "/a/" + "x" * 3000):
        page = await client.get(path)
        body = await page.text()
        assert page.status == 404, path
        assert "This link is not valid" in body
        assert "Traceback" not in body
    arabic = await client.get(forged, headers={"Accept-Language": "ar-JO,ar;q=0.9"})
    assert "هذا الرابط غير صالح" in await arabic.text()


async def test_an_expired_link_gets_the_expired_page(
    client: Client, db: Database, staff: Staff, storage: MemoryFileStorage, clock: FakeClock
) -> None:
    v = await quoted_visit(db, staff, storage)
    path = v.approval_path(db)
    html = await (await client.get(path)).text()
    clock.advance(hours=72, seconds=1)
    page = await client.get(path)
    assert page.status == 410
    assert "This link has expired" in await page.text()
    late = await client.post(path, data=submission(html))
    assert late.status == 410
    assert await rows(db, QuoteDecision, quote_id=v.quote_id) == 0


async def test_a_superseded_version_tells_the_client_a_new_link_was_sent(
    client: Client, db: Database, staff: Staff, storage: MemoryFileStorage
) -> None:
    v = await quoted_visit(db, staff, storage)
    path = v.approval_path(db)
    html = await (await client.get(path)).text()
    async with db.unit_of_work(staff.advisor) as uow:
        await send_quote(uow, await revise_quote(uow, v.quote_id))
    page = await client.get(path)
    assert page.status == 409
    assert "We have sent you a new link with the latest version." in await page.text()
    posted = await client.post(path, data=submission(html))
    assert posted.status == 409
    assert await rows(db, QuoteDecision, quote_id=v.quote_id) == 0
    assert await rows(db, MediaFile, session_id=v.session_id, kind="signature") == 0


async def test_a_form_without_its_signed_nonce_is_refused(
    client: Client, db: Database, staff: Staff, storage: MemoryFileStorage
) -> None:
    v = await quoted_visit(db, staff, storage)
    other = await quoted_visit(db, staff, storage)
    path = v.approval_path(db)
    data = submission(await (await client.get(path)).text())
    foreign = form_of(await (await client.get(other.approval_path(db))).text()).fields["nonce"]
    for nonce in ("", "made-up", foreign):
        refused = await client.post(path, data={**data, "nonce": nonce})
        assert refused.status == 403
        assert "This form has expired" in await refused.text()
    assert await rows(db, QuoteDecision, quote_id=v.quote_id) == 0


async def test_a_missing_signature_or_choice_shows_the_form_again_with_what_to_fix(
    client: Client, db: Database, staff: Staff, storage: MemoryFileStorage
) -> None:
    v = await quoted_visit(db, staff, storage)
    path = v.approval_path(db)
    html = await (await client.get(path)).text()
    unsigned = await client.post(path, data=submission(html, signature=png_data_url(png(ink=False))))
    body = await unsigned.text()
    assert unsigned.status == 400
    assert "Please sign in the box before sending." in body
    first = form_of(html).lines[0]
    assert re.search(rf'name="{first}" value="DECLINED" required checked', body)
    partial = submission(html)
    partial.pop(form_of(html).lines[-1])
    missing = await client.post(path, data=partial)
    assert missing.status == 400
    assert "Please choose approve, decline or later for every item." in await missing.text()
    nameless = await client.post(path, data=submission(html, name=" "))
    assert "Please type your full name." in await nameless.text()
    assert await rows(db, QuoteDecision, quote_id=v.quote_id) == 0
    assert await rows(db, MediaFile, session_id=v.session_id, kind="signature") == 0

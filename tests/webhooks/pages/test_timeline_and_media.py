"""GET /t/{token} (the read-only timeline) and GET /m/{token} (the photos the
pages show): times in the garage's zone, only client-visible photos, signed
and expiring paths, and failures as pages, never stack traces."""

from __future__ import annotations

import re

from garagebot.core.billing.invoices import create_invoice, issue_invoice
from garagebot.core.enums import SessionStatus
from garagebot.core.links import make_token
from garagebot.core.repair.sessions import change_status
from garagebot.core.uow import Database
from garagebot.webhooks.pages.render import PageText
from garagebot.webhooks.pages.room import MEDIA
from tests.conftest import Staff
from tests.core.billing.helpers import add_job, approved_quote
from tests.fakes import FakeClock, MemoryFileStorage
from tests.webhooks.pages.conftest import Client, MakeClient, pages_app
from tests.webhooks.pages.scene import SECRET, add_photo, open_visit, quoted_visit


async def test_the_timeline_lists_the_status_history_in_the_garages_time_zone(
    client: Client, db: Database, staff: Staff, storage: MemoryFileStorage, clock: FakeClock
) -> None:
    visit = await open_visit(db, staff, locale="en")  # 09:00 in Amman
    clock.advance(hours=2, minutes=30)
    async with db.unit_of_work(staff.advisor) as uow:
        await change_status(uow, visit.session_id, SessionStatus.IN_PROGRESS)
    path = "/t/" + make_token(SECRET, "timeline", visit.session_id, now=clock.now())
    page = await client.get(path)
    html = await page.text()
    assert page.status == 200
    history = re.findall(
        r'<span class="event-status">([^<]+)</span> <time datetime="[^"]+">([^<]+)</time>', html)
    assert history == [("In progress", "22 Nov 2026, 11:30"), ("Diagnosing", "22 Nov 2026, 09:00"),
                       ("New", "22 Nov 2026, 09:00")]
    assert '<dd class="status" id="current-status">In progress</dd>' in html
    assert f"Job {PageText.unbroken(visit.number)}" in html
    arabic = await (await client.get(path + "?lang=ar")).text()
    assert 'dir="rtl"' in arabic
    assert '<dd class="status" id="current-status">قيد الإصلاح</dd>' in arabic


async def test_the_timeline_shows_only_photos_marked_for_the_client_and_the_waiting_quote(
    client: Client, db: Database, staff: Staff, storage: MemoryFileStorage
) -> None:
    v = await quoted_visit(db, staff, storage)
    hidden = await add_photo(db, storage, v.org, v.session_id, None, visible=False, caption="Internal note")
    html = await (await client.get(v.timeline_path(db))).text()
    assert "Car on arrival" in html
    assert "Worn pads" in html
    assert "Internal note" not in html
    assert "A quote is waiting for your decision." in html
    (link,) = re.findall(r'<a class="button" href="(/a/[^"]+)"', html)
    assert (await client.get(link)).status == 200
    hidden_path = "/m/" + make_token(SECRET, MEDIA, hidden, now=db.clock.now())
    refused = await client.get(hidden_path)
    assert refused.status == 404
    assert refused.headers["Content-Type"].startswith("text/html")


async def test_the_timeline_shows_the_issued_invoice(
    client: Client, db: Database, staff: Staff, storage: MemoryFileStorage
) -> None:
    visit = await open_visit(db, staff)
    await add_job(db, staff, visit, "Brakes", [(60, None)])
    await approved_quote(db, staff, visit)
    async with db.unit_of_work(staff.advisor) as uow:
        await issue_invoice(uow, await create_invoice(uow, visit.session_id))
    path = "/t/" + make_token(SECRET, "timeline", visit.session_id, now=db.clock.now())
    html = await (await client.get(path)).text()
    assert re.search(r"Invoice INV-2026-\d{6}: JOD\xa0[\d,.]+\. Balance due: JOD\xa0[\d,.]+\.", html)
    assert "A quote is waiting" not in html


async def test_media_links_expire_and_forged_ones_are_refused(
    client: Client, db: Database, staff: Staff, storage: MemoryFileStorage, clock: FakeClock
) -> None:
    v = await quoted_visit(db, staff, storage)
    path = "/m/" + make_token(SECRET, MEDIA, v.step_photo_id, now=clock.now())
    assert (await client.get(path)).status == 200
    assert (await client.get(path[:-2] + "zz")).status == 404
    clock.advance(hours=24, seconds=1)
    expired = await client.get(path)
    assert expired.status == 410
    assert "This link has expired" in await expired.text()


class BrokenStorage(MemoryFileStorage):
    async def get(self, key: str) -> bytes:
        raise RuntimeError("disk on fire at /srv/media")


async def test_an_unexpected_failure_is_a_plain_page_without_a_stack_trace(
    aiohttp_client: MakeClient, db: Database, staff: Staff
) -> None:
    storage = BrokenStorage()
    client = await aiohttp_client(pages_app(db, storage))
    v = await quoted_visit(db, staff, storage)
    page = await client.get("/m/" + make_token(SECRET, MEDIA, v.step_photo_id, now=db.clock.now()))
    body = await page.text()
    assert page.status == 500
    assert "Something went wrong" in body
    assert "disk on fire" not in body
    assert "Traceback" not in body

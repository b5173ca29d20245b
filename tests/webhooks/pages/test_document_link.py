"""GET /d/{token}: the client's invoice message links to the invoice's PDF,
in the client's language; a forged, expired or other kind of token, a draft
invoice and a flood of requests are refused with a page, never the PDF."""

from __future__ import annotations

from aiohttp import web

from garagebot.core.documents.links import DOCUMENT_LINK_DAYS, DOCUMENT_PATH, INVOICE_PDF
from garagebot.core.links import TIMELINE, make_token
from garagebot.core.uow import Database
from garagebot.webhooks.pages import RateLimit
from tests.conftest import Staff
from tests.core.documents.pdf import pdf_text
from tests.core.documents.scene import CLIENT_AR, build
from tests.core.notify.harness import dispatcher, sent_to, token_of
from tests.fakes import FakeClock, MemoryFileStorage
from tests.webhooks.pages.conftest import Client, MakeClient, pages_app
from tests.webhooks.pages.scene import SECRET


async def test_the_invoice_message_links_to_its_pdf_in_the_clients_language(
    client: Client, db: Database, staff: Staff
) -> None:
    scene = await build(db, staff)
    await dispatcher(db).drain()
    issued = [m for m in await sent_to(db, staff.org, scene.client_id) if m.key == "notify.invoice_issued"]
    assert len(issued) == 1
    assert issued[0].locale == "ar"
    token = token_of(issued[0].text, DOCUMENT_PATH)
    response = await client.get(DOCUMENT_PATH + token)
    assert response.status == 200
    assert response.content_type == "application/pdf"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert f'filename="{scene.invoice_number}-ar.pdf"' in response.headers["Content-Disposition"]
    text = pdf_text(await response.read())
    assert "فاتورة ضريبية" in text
    assert scene.invoice_number in text
    assert CLIENT_AR in text
    english = await client.get(DOCUMENT_PATH + token + "?lang=en")
    assert "Tax invoice" in pdf_text(await english.read())


async def test_forged_expired_foreign_and_draft_links_are_refused(
    client: Client, db: Database, staff: Staff, clock: FakeClock
) -> None:
    scene = await build(db, staff)
    good = make_token(SECRET, INVOICE_PDF, scene.invoice_id, now=clock.now())
    assert (await client.get(DOCUMENT_PATH + good)).status == 200
    forged = await client.get(DOCUMENT_PATH + good[:-3] + "abc")
    assert forged.status == 404
    assert forged.content_type == "text/html"
    timeline = make_token(SECRET, TIMELINE, scene.invoice_id, now=clock.now())
    assert (await client.get(DOCUMENT_PATH + timeline)).status == 404
    draft = make_token(SECRET, INVOICE_PDF, scene.draft_invoice_id, now=clock.now())
    assert (await client.get(DOCUMENT_PATH + draft)).status == 404
    other_key = make_token("another-secret-key", INVOICE_PDF, scene.invoice_id, now=clock.now())
    assert (await client.get(DOCUMENT_PATH + other_key)).status == 404
    clock.advance(days=DOCUMENT_LINK_DAYS, seconds=1)
    expired = await client.get(DOCUMENT_PATH + good)
    assert expired.status == 410
    assert "%PDF" not in await expired.text()


async def test_a_flood_on_one_link_is_slowed_down(
    aiohttp_client: MakeClient, db: Database, staff: Staff, storage: MemoryFileStorage
) -> None:
    scene = await build(db, staff)
    app: web.Application = pages_app(db, storage, per_link=RateLimit(burst=2, per_minute=1))
    limited = await aiohttp_client(app)
    path = DOCUMENT_PATH + make_token(SECRET, INVOICE_PDF, scene.invoice_id, now=db.clock.now())
    assert [(await limited.get(path)).status for _ in range(3)] == [200, 200, 429]

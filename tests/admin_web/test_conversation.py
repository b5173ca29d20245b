"""The session page shows the conversation with the client both ways: a
signed SMS the client sends through the Twilio webhook, and the messages
queued to them, with their delivery status."""

from __future__ import annotations

from pathlib import Path

from pytest_aiohttp import AiohttpServer
from sqlalchemy import select

from garagebot.app.storage import LocalFileStorage
from garagebot.app.web import create_app
from garagebot.core.models import Client
from garagebot.core.uow import Database
from tests.admin_web.harness import Browser, MakeClient, give_password
from tests.app.conftest import fake_twilio_settings
from tests.conftest import Staff
from tests.conversations.client.harness import PUBLIC_URL, scene
from tests.fakes import FakeClock
from tests.webhooks.pages.scene import quoted_visit
from tests.webhooks.twilio.conftest import form, new_sid, twilio_signature
from tests.webhooks.twilio.fake_api import AUTH_TOKEN


async def test_the_session_page_shows_what_the_client_wrote_and_what_they_were_sent(
    aiohttp_client: MakeClient, aiohttp_server: AiohttpServer, db_url: str, tmp_path: Path,
    clock: FakeClock, db: Database, staff: Staff, browser: Browser,
) -> None:
    """(The webhook app has an https PUBLIC_URL, so its cookies are Secure: the
    console is read through a plain-http app on the same database.)"""
    _, settings = await fake_twilio_settings(aiohttp_server, db_url, tmp_path)
    client = await aiohttp_client(create_app(settings, clock=clock))
    garage = await scene(db, staff.org)
    v = await quoted_visit(db, staff, LocalFileStorage(tmp_path / "media"))
    async with db.read() as s:
        phone = (await s.execute(select(Client.phone).where(Client.id == v.client_id))).scalar_one()
    clock.advance(minutes=5)
    params = form("sms_text", From=phone, To=garage.sms, Body="Is my car ready?", MessageSid=new_sid())
    path = "/webhooks/twilio/sms"
    resp = await client.post(path, data=params, headers={
        "X-Twilio-Signature": twilio_signature(AUTH_TOKEN, f"{PUBLIC_URL}{path}", params)})
    assert resp.status == 200, await resp.text()
    await browser.sign_in(await give_password(db, staff.advisor))
    status, body = await browser.get(f"/sessions/{v.session_id}")
    assert status == 200
    thread = body.split('id="conversation"', 1)[1]
    assert "Is my car ready?" in thread
    assert "From the client · SMS" in thread
    assert "To the client · SMS" in thread
    assert "the quote for job" in thread

"""Issue 11 findings on the Twilio webhooks, through the real aiohttp app
with correctly signed forms: text the database cannot store (1.5), the
database failing at the garage lookup or entirely (1.6), forms that are not
UTF-8 (1.9), and where media is fetched with our credentials (1.11)."""

from __future__ import annotations

import io
import json
import logging
from urllib.parse import quote_plus, unquote_plus

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from garagebot.app.logs import configure_logging
from garagebot.core import logcontext
from garagebot.core.enums import SessionStatus
from garagebot.core.models import InboundEvent
from garagebot.core.uow import Database
from garagebot.webhooks.common import ChannelDeps, retry_unprocessed
from garagebot.webhooks.twilio.parse import PROVIDER, garage_number, inbound_from_payload
from garagebot.webhooks.twilio.webhook import TWILIO_ROOM, TwilioConfig, setup_twilio
from tests.conftest import Staff
from tests.conversations.client.harness import PUBLIC_URL, SECRET, outbox_to, translator, visit
from tests.fakes import FakeClock
from tests.webhooks.rawhttp import raw_request
from tests.webhooks.twilio.conftest import MakeClient, MakeServer, TwilioHarness, form, twilio_signature
from tests.webhooks.twilio.fake_api import ACCOUNT_SID, AUTH_TOKEN

S = SessionStatus
SMS = "/webhooks/twilio/sms"


async def recorded(db: Database, sid: str) -> InboundEvent | None:
    async with db.read() as session:
        return (await session.scalars(select(InboundEvent).where(
            InboundEvent.provider == PROVIDER, InboundEvent.event_id == sid))).one_or_none()


async def test_nul_and_lone_surrogates_in_an_sms_are_recorded_and_answered(
    twilio: TwilioHarness, staff: Staff
) -> None:
    v = await visit(twilio.db, staff, path=(S.DIAGNOSING,))
    # NUL, and a lone surrogate as the bytes a broken encoder sends (ED A0 BD), percent-encoded
    for encoded in ("where%00+is+my+car", "where+%ED%A0%BD+is+my+car", "%00%ED%B0%80"):
        params = form("sms_text", From=v.phone, To=twilio.scene.sms, Body=unquote_plus(encoded))
        body = "&".join(f"{k}={quote_plus(val)}" for k, val in params.items() if k != "Body")
        headers = {b"Content-Type": b"application/x-www-form-urlencoded", b"X-Twilio-Signature":
                   twilio_signature(AUTH_TOKEN, f"{PUBLIC_URL}{SMS}", params).encode()}
        status = await raw_request(twilio.client, "POST", SMS.encode(), headers,
                                   f"{body}&Body={encoded}".encode())
        assert status == 200, encoded
        event = await recorded(twilio.db, params["MessageSid"])
        assert event is not None, encoded
        assert event.processed_at is not None, encoded
        assert "\x00" not in str(event.payload["Body"])
    assert len(await outbox_to(twilio.db, v.phone)) == 3


async def test_a_form_that_is_not_utf8_is_refused_not_a_500(twilio: TwilioHarness) -> None:
    for body in (b"Body=\xff\xfe&From=%2B962790000001", b"\xc3\x28=1", b"a=" + b"%FF" * 10):
        status = await raw_request(twilio.client, "POST", SMS.encode(), {
            b"Content-Type": b"application/x-www-form-urlencoded", b"X-Twilio-Signature": b"\xff"}, body)
        assert status == 403, body


async def test_a_failed_garage_lookup_records_the_message_and_the_retry_answers_it(
    twilio: TwilioHarness, staff: Staff, monkeypatch: pytest.MonkeyPatch, clock: FakeClock
) -> None:
    v = await visit(twilio.db, staff, path=(S.DIAGNOSING,))
    room = twilio.client.app[TWILIO_ROOM]

    async def lookup_fails(*_args: object) -> None:
        raise ConnectionResetError("the database restarted")

    monkeypatch.setattr(room.garages, "find", lookup_fails)
    status, params = await twilio.sms(v.phone, "where is my car?")
    monkeypatch.undo()

    assert status == 200  # Twilio would not deliver it again: it is ours to retry
    event = await recorded(twilio.db, params["MessageSid"])
    assert event is not None
    assert event.processed_at is None
    assert await outbox_to(twilio.db, v.phone) == []

    clock.advance(minutes=2)
    assert await retry_unprocessed(room.engine, PROVIDER, inbound_from_payload, route=garage_number) >= 1
    event = await recorded(twilio.db, params["MessageSid"])
    assert event is not None
    assert event.processed_at is not None
    assert len(await outbox_to(twilio.db, v.phone)) == 1


async def test_with_the_database_down_the_loss_is_logged_with_the_sid_and_the_answer_is_503(
    aiohttp_client: MakeClient, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    down = Database("postgresql+asyncpg://postgres@127.0.0.1:9/closed_port", clock=clock)
    deps = ChannelDeps(down, translator(), clock, SECRET, PUBLIC_URL)
    app = web.Application()
    config = TwilioConfig(ACCOUNT_SID, AUTH_TOKEN, "http://127.0.0.1:9", PUBLIC_URL)
    setup_twilio(app, config, lambda _app: deps)
    client = await aiohttp_client(app)
    params = form("sms_text", From="+962790000001", To="+962790000002", Body="hello")
    headers = {"X-Twilio-Signature": twilio_signature(AUTH_TOKEN, f"{PUBLIC_URL}{SMS}", params)}
    try:
        with caplog.at_level(logging.WARNING):
            resp = await client.post(SMS, data=params, headers=headers)
    finally:
        await down.dispose()

    assert resp.status == 503
    [lost] = [r for r in caplog.records if r.levelno == logging.ERROR and "LOST" in r.getMessage()]
    assert params["MessageSid"] in lost.getMessage()


async def test_media_is_fetched_with_credentials_only_from_twilio(
    twilio: TwilioHarness, staff: Staff, aiohttp_server: MakeServer
) -> None:
    seen: list[tuple[str, str | None]] = []

    async def elsewhere(request: web.Request) -> web.Response:
        seen.append((request.path, request.headers.get("Authorization")))
        return web.Response(body=b"stolen?", content_type="image/jpeg")

    other = web.Application()
    other.router.add_get("/{tail:.*}", elsewhere)
    server: TestServer = await aiohttp_server(other)
    v = await visit(twilio.db, staff, path=(S.DIAGNOSING,))
    twilio.fake.media["ME1"] = (b"\xff\xd8\xff jpeg bytes", "image/jpeg")

    for url in (str(server.make_url("/media/ME1")), f"http://api.twilio.com:{server.port}/x",
                "http://127.0.0.1:1/media/ME1"):
        status, params = await twilio.whatsapp("whatsapp_image", v.phone, MediaUrl0=url)
        assert status == 200
        assert await recorded(twilio.db, params["MessageSid"]) is not None
    assert seen == []
    assert twilio.fake.media_requests == []

    status, _ = await twilio.whatsapp("whatsapp_image", v.phone, MediaUrl0=f"{twilio.api_url}/media/ME1")
    assert status == 200
    assert twilio.fake.media_requests == ["ME1"]  # the configured API (here the local fake) is Twilio


async def test_a_message_recorded_without_a_garage_that_none_has_is_not_retried_forever(
    twilio: TwilioHarness, monkeypatch: pytest.MonkeyPatch, clock: FakeClock
) -> None:
    room = twilio.client.app[TWILIO_ROOM]

    async def lookup_fails(*_args: object) -> None:
        raise ConnectionResetError("the database restarted")

    monkeypatch.setattr(room.garages, "find", lookup_fails)
    params = form("sms_text", From="+962790000125", To="+962799999999", Body="hello")
    assert await twilio.post(SMS, params) == 200
    monkeypatch.undo()

    clock.advance(minutes=2)
    await retry_unprocessed(room.engine, PROVIDER, inbound_from_payload, route=garage_number)
    event = await recorded(twilio.db, params["MessageSid"])
    assert event is not None
    assert event.processed_at is not None  # settled: the next minute's retry does not pick it up


async def test_json_log_lines_of_a_failed_message_name_its_garage_chat_and_message(
    twilio: TwilioHarness, staff: Staff, monkeypatch: pytest.MonkeyPatch, clock: FakeClock
) -> None:
    v = await visit(twilio.db, staff, path=(S.DIAGNOSING,))
    room = twilio.client.app[TWILIO_ROOM]

    async def turn_fails(*_args: object) -> None:
        raise RuntimeError("the turn failed")

    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    stream = io.StringIO()
    configure_logging(logging.INFO, "json", [AUTH_TOKEN], stream=stream)
    try:
        monkeypatch.setattr(room.engine, "handle", turn_fails)
        status, params = await twilio.sms(v.phone, "hello")
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in before:
            root.addHandler(handler)
        root.setLevel(level)

    assert status == 200  # recorded, so retried here
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    [failed] = [line for line in lines if line["level"] == "ERROR"]
    assert failed["message_id"] == params["MessageSid"]
    assert failed["garage_id"] == str(twilio.org)
    assert failed["chat_id"] == logcontext.masked_address(v.phone)
    assert v.phone not in stream.getvalue()
    assert "RuntimeError: the turn failed" in failed["exception"]

    monkeypatch.undo()  # the recorded message is answered by the retry (and leaves nothing behind)
    clock.advance(minutes=2)
    await retry_unprocessed(room.engine, PROVIDER, inbound_from_payload, route=garage_number)
    event = await recorded(twilio.db, params["MessageSid"])
    assert event is not None
    assert event.processed_at is not None

"""Issue 11 findings on POST /webhooks/meta/whatsapp, through the real aiohttp
app with correctly signed bodies: bodies in several reads and large bodies
(1.3), the default API URL (1.4), text the database cannot store (1.5), and
input that used to answer 500 (1.9)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import select

from garagebot.app.settings import Settings
from garagebot.core.enums import SessionStatus
from garagebot.core.models import InboundEvent
from garagebot.core.uow import Database
from garagebot.webhooks.common import ChannelDeps, retry_unprocessed
from garagebot.webhooks.meta.api import MetaApi
from garagebot.webhooks.meta.parse import PROVIDER, garage_number, inbound_from_payload
from garagebot.webhooks.meta.webhook import MAX_BODY, META_ROOM, MetaConfig, setup_meta
from tests.conftest import Staff
from tests.conversations.client.harness import PUBLIC_URL, SECRET, outbox_to, translator, visit
from tests.fakes import FakeClock
from tests.webhooks.meta.conftest import (
    APP_SECRET,
    PATH,
    VERIFY_TOKEN,
    MakeClient,
    MetaHarness,
    first_message_id,
    meta_signature,
    payload,
)
from tests.webhooks.meta.fake_api import ACCESS_TOKEN, FakeGraphApi
from tests.webhooks.rawhttp import raw_request

S = SessionStatus


async def recorded(meta: MetaHarness, wamid: str) -> InboundEvent | None:
    async with meta.db.read() as session:
        return (await session.scalars(select(InboundEvent).where(
            InboundEvent.provider == "meta", InboundEvent.event_id == wamid))).one_or_none()


def padded(raw: dict[str, Any], size: int) -> bytes:
    """``raw`` as JSON of exactly ``size`` bytes (white space after it, as JSON allows)."""
    body = json.dumps(raw).encode()
    assert len(body) <= size
    return body + b" " * (size - len(body))


def signed(body: bytes) -> dict[str, str]:
    return {"Content-Type": "application/json", "X-Hub-Signature-256": meta_signature(APP_SECRET, body)}


async def test_a_signed_body_that_arrives_in_two_writes_is_accepted(meta: MetaHarness, staff: Staff) -> None:
    v = await visit(meta.db, staff, path=(S.DIAGNOSING,))
    raw = payload("text", meta.phone_number_id, v.phone)
    body = padded(raw, 600)

    async def two_writes() -> AsyncIterator[bytes]:
        yield body[:300]
        await meta.entered.wait()  # the handler runs, and has only the first write to read
        yield body[300:]

    resp = await meta.client.post(PATH, data=two_writes(), headers=signed(body))

    assert resp.status == 200
    assert await recorded(meta, first_message_id(raw)) is not None
    assert await outbox_to(meta.db, v.phone)


async def test_large_signed_bodies_are_accepted_and_only_an_oversized_one_is_413(
    meta: MetaHarness, staff: Staff
) -> None:
    v = await visit(meta.db, staff, path=(S.DIAGNOSING,))
    for size in (600_000, 1_000_000, MAX_BODY):
        raw = payload("text", meta.phone_number_id, v.phone)
        body = padded(raw, size)
        assert (await meta.client.post(PATH, data=body, headers=signed(body))).status == 200, size
        assert await recorded(meta, first_message_id(raw)) is not None

    raw = payload("text", meta.phone_number_id, v.phone)
    body = padded(raw, MAX_BODY + 1)
    assert (await meta.client.post(PATH, data=body, headers=signed(body))).status == 413
    assert await recorded(meta, first_message_id(raw)) is None


async def test_the_default_api_url_sends_to_one_version_segment(
    fake_graph: tuple[FakeGraphApi, str], http: aiohttp.ClientSession
) -> None:
    fake, url = fake_graph
    default = Settings.model_fields["meta_api_url"].default
    api = MetaApi(http, ACCESS_TOKEN, url + urlsplit(default).path)  # the fake at the default's path

    wamid = await api.send("1234567890", {"messaging_product": "whatsapp", "to": "962790000001",
                                          "type": "text", "text": {"body": "hi"}})

    assert wamid.startswith("wamid.")
    assert [s.phone_number_id for s in fake.sent] == ["1234567890"]


async def test_nul_and_lone_surrogates_are_recorded_and_answered(meta: MetaHarness, staff: Staff) -> None:
    v = await visit(meta.db, staff, path=(S.DIAGNOSING,))
    for text in ("where\x00 is my car", "where \ud800 is my car", "\udfff"):
        raw = payload("text", meta.phone_number_id, v.phone, text={"body": text})
        body = json.dumps(raw).encode()  # ASCII escapes: what Meta's JSON may carry
        assert (await meta.client.post(PATH, data=body, headers=signed(body))).status == 200, repr(text)
        event = await recorded(meta, first_message_id(raw))
        assert event is not None, repr(text)
        assert event.processed_at is not None, repr(text)
        assert "\x00" not in json.dumps(event.payload, ensure_ascii=False)


async def test_a_non_utf8_signature_header_is_refused_politely(
    meta: MetaHarness, staff: Staff
) -> None:
    v = await visit(meta.db, staff, path=(S.DIAGNOSING,))
    raw = payload("text", meta.phone_number_id, v.phone)
    body = json.dumps(raw).encode()
    signature = meta_signature(APP_SECRET, body).encode()
    for header in (signature + b"\xff", b"sha256=\xc3\x28", b"\xff" * 71):
        status = await raw_request(meta.client, "POST", PATH.encode(), {
            b"Content-Type": b"application/json", b"X-Hub-Signature-256": header}, body)
        assert status == 403, header
    assert await recorded(meta, first_message_id(raw)) is None


async def test_authentic_but_strange_json_is_never_a_500(meta: MetaHarness, staff: Staff) -> None:
    v = await visit(meta.db, staff, path=(S.DIAGNOSING,))
    strings = {"metadata": {"phone_number_id": meta.phone_number_id}, "messages": "hello"}
    bodies = [
        b"[" * 200_000 + b"]" * 200_000,
        json.dumps({"object": "whatsapp_business_account",
                    "entry": [{"changes": [{"field": "messages", "value": strings}]}]}).encode(),
        json.dumps({"object": "whatsapp_business_account", "entry": "x"}).encode(),
        json.dumps({"object": "whatsapp_business_account", "entry": ["x", 1, None]}).encode(),
        json.dumps(payload("text", meta.phone_number_id, v.phone, timestamp=str(2**80))).encode(),
        json.dumps(payload("text", meta.phone_number_id, "+" + "9" * 40)).encode(),
        json.dumps(payload("location", meta.phone_number_id, v.phone,
                           location={"latitude": "1e999", "longitude": "nan"})).encode(),
        json.dumps(payload("text", str(2**80), v.phone)).encode(),
        b'{"object": "whatsapp_business_account", "entry": [\xff]}',
    ]
    for body in bodies:
        resp = await meta.client.post(PATH, data=body, headers=signed(body))
        assert resp.status < 500, body[:120]


async def test_with_the_database_down_the_answer_is_a_503_so_meta_delivers_again(
    aiohttp_client: MakeClient, clock: FakeClock
) -> None:
    down = Database("postgresql+asyncpg://postgres@127.0.0.1:9/closed_port", clock=clock)
    deps = ChannelDeps(down, translator(), clock, SECRET, PUBLIC_URL)
    app = web.Application()
    config = MetaConfig(APP_SECRET, VERIFY_TOKEN, ACCESS_TOKEN, "http://127.0.0.1:9")
    setup_meta(app, config, lambda _app: deps)
    client = await aiohttp_client(app)
    body = json.dumps(payload("text", "123456789012345", "+962790000126")).encode()
    try:
        resp = await client.post(PATH, data=body, headers=signed(body))
    finally:
        await down.dispose()
    assert resp.status == 503


async def test_a_failed_garage_lookup_records_the_message_and_the_retry_answers_it(
    meta: MetaHarness, staff: Staff, monkeypatch: pytest.MonkeyPatch, clock: FakeClock
) -> None:
    v = await visit(meta.db, staff, path=(S.DIAGNOSING,))
    room = meta.client.app[META_ROOM]

    async def lookup_fails(*_args: object) -> None:
        raise ConnectionResetError("the database restarted")

    monkeypatch.setattr(room.garages, "find", lookup_fails)
    status, raw = await meta.send("text", v.phone)
    monkeypatch.undo()

    assert status == 200  # recorded first: nothing for Meta to deliver again
    event = await recorded(meta, first_message_id(raw))
    assert event is not None
    assert (event.organization_id, event.processed_at) == (None, None)
    assert await outbox_to(meta.db, v.phone) == []

    clock.advance(minutes=2)
    assert await retry_unprocessed(room.engine, PROVIDER, inbound_from_payload, route=garage_number) >= 1
    event = await recorded(meta, first_message_id(raw))
    assert event is not None
    assert event.processed_at is not None
    assert len(await outbox_to(meta.db, v.phone)) == 1

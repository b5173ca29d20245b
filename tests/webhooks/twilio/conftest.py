"""Fixtures for the Twilio adapter: the fake Twilio API, the app with the
webhooks mounted through ``setup_twilio``, captured forms signed the way
Twilio signs them, and a dispatcher sending through the Twilio sender."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from garagebot.core.dispatch import Dispatcher, Subscribers, Transports
from garagebot.core.enums import Channel
from garagebot.core.ids import OrgId
from garagebot.core.models import InboundEvent
from garagebot.core.ports import OutboundMessage, SendResult
from garagebot.core.uow import Database
from garagebot.webhooks.common import ChannelDeps, ClientTransport
from garagebot.webhooks.shortlinks import setup_short_links, shortener
from garagebot.webhooks.twilio.api import TwilioApi
from garagebot.webhooks.twilio.sender import TwilioSender
from garagebot.webhooks.twilio.webhook import TwilioConfig, setup_twilio
from tests.conversations.client.harness import PUBLIC_URL, SECRET, Scene, scene, translator
from tests.fakes import virtual_pacer
from tests.webhooks.twilio.fake_api import ACCOUNT_SID, AUTH_TOKEN, FakeTwilioApi

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "twilio"

Client = TestClient[web.Request, web.Application]
MakeServer = Callable[[web.Application], Awaitable[TestServer]]
MakeClient = Callable[[web.Application], Awaitable[Client]]


class OtherChannels:
    """Other tests' messages on other channels (the databases are shared by the run)."""

    async def send(self, message: OutboundMessage) -> SendResult:
        return SendResult(f"elsewhere-{message.outbox_id}")


def twilio_signature(token: str, url: str, params: Mapping[str, str]) -> str:
    """What Twilio puts in X-Twilio-Signature: base64 HMAC-SHA1 of the URL
    followed by every parameter's name and value, sorted by name."""
    data = url + "".join(name + params[name] for name in sorted(params))
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def new_sid(prefix: str = "SM") -> str:
    return prefix + uuid.uuid4().hex


def form(name: str, **changes: str) -> dict[str, str]:
    """A captured form from tests/fixtures/twilio with a fresh MessageSid, our
    AccountSid, and ``changes`` applied."""
    raw: dict[str, str] = copy.deepcopy(json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8")))
    sid = new_sid(raw["MessageSid"][:2])
    for key in ("MessageSid", "SmsSid", "SmsMessageSid"):
        if key in raw:
            raw[key] = sid
    raw["AccountSid"] = ACCOUNT_SID
    raw.update(changes)
    return raw


@pytest.fixture
async def fake_twilio(aiohttp_server: MakeServer) -> tuple[FakeTwilioApi, str]:
    fake = FakeTwilioApi()
    server = await aiohttp_server(fake.app())
    return fake, str(server.make_url("")).rstrip("/")


@dataclass
class TwilioHarness:
    client: Client
    fake: FakeTwilioApi
    api_url: str
    db: Database
    scene: Scene
    dispatcher: Dispatcher

    @property
    def org(self) -> OrgId:
        return self.scene.org

    async def post(self, path: str, params: Mapping[str, str], *, signature: str | None = "sign",
                   signed_url: str | None = None) -> int:
        """POST a form the way Twilio does; ``signature`` "sign" signs it properly."""
        headers: dict[str, str] = {}
        if signature == "sign":
            signature = twilio_signature(AUTH_TOKEN, signed_url or f"{PUBLIC_URL}{path}", params)
        if signature is not None:
            headers["X-Twilio-Signature"] = signature
        resp = await self.client.post(path, data=dict(params), headers=headers)
        return resp.status

    async def sms(self, sender: str, body: str, **changes: str) -> tuple[int, dict[str, str]]:
        params = form("sms_text", From=sender, To=self.scene.sms, Body=body, **changes)
        return await self.post("/webhooks/twilio/sms", params), params

    async def whatsapp(self, name: str, sender: str, **changes: str) -> tuple[int, dict[str, str]]:
        params = form(name, From=f"whatsapp:{sender}", To=f"whatsapp:{self.scene.whatsapp}",
                      WaId=sender.lstrip("+"), **changes)
        return await self.post("/webhooks/twilio/whatsapp", params), params

    async def inbound_count(self, sid: str) -> int:
        async with self.db.read() as session:
            return int(await session.scalar(
                select(func.count()).select_from(InboundEvent)
                .where(InboundEvent.provider == "twilio", InboundEvent.event_id == sid)) or 0)

    async def deliver(self) -> None:
        await self.dispatcher.drain()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def twilio(
    db: Database, org: OrgId, aiohttp_client: MakeClient, fake_twilio: tuple[FakeTwilioApi, str],
    http: aiohttp.ClientSession,
) -> TwilioHarness:
    fake, url = fake_twilio
    sc = await scene(db, org)
    deps = ChannelDeps(db, translator(), db.clock, SECRET, PUBLIC_URL, sc.storage)
    app = web.Application()
    setup_twilio(app, TwilioConfig(ACCOUNT_SID, AUTH_TOKEN, url, PUBLIC_URL), lambda _app: deps)
    setup_short_links(app, lambda _app: db)
    client = await aiohttp_client(app)
    sender = TwilioSender(TwilioApi(http, ACCOUNT_SID, AUTH_TOKEN, url), translator(), db.clock,
                          public_url=PUBLIC_URL, shortener=shortener(db, PUBLIC_URL), pacer=virtual_pacer())
    transports = Transports(OtherChannels())
    client_transport = ClientTransport(db, db.clock, twilio=sender)
    transports.set(Channel.SMS, client_transport)
    transports.set(Channel.WHATSAPP, client_transport)
    dispatcher = Dispatcher(db, translator(), transports, Subscribers())
    return TwilioHarness(client, fake, url, db, sc, dispatcher)

"""Fixtures for the Meta adapter: the fake Graph API, the app with the
webhook mounted through ``setup_meta``, captured payloads signed the way Meta
signs them (HMAC-SHA256 of the raw body), and a dispatcher sending through
the Meta sender."""

from __future__ import annotations

import asyncio
import base64
import copy
import hashlib
import hmac
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from aiohttp.typedefs import Handler
from sqlalchemy import func, select

from garagebot.core.actor import Actor
from garagebot.core.dispatch import Dispatcher, Subscribers, Transports
from garagebot.core.enums import Channel
from garagebot.core.garage import set_garage_settings
from garagebot.core.ids import OrgId
from garagebot.core.models import InboundEvent
from garagebot.core.uow import Database
from garagebot.webhooks.common import ChannelDeps, ClientTransport
from garagebot.webhooks.meta.api import MetaApi
from garagebot.webhooks.meta.sender import MetaSender
from garagebot.webhooks.meta.webhook import MetaConfig, setup_meta
from tests.conversations.client.harness import PUBLIC_URL, SECRET, Scene, scene, translator
from tests.fakes import virtual_pacer
from tests.webhooks.meta.fake_api import ACCESS_TOKEN, FakeGraphApi
from tests.webhooks.twilio.conftest import OtherChannels

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "meta"
APP_SECRET = "meta-app-secret-for-tests"  # noqa: S105 (a test value)
VERIFY_TOKEN = "meta-verify-token-for-tests"  # noqa: S105 (a test value)
PATH = "/webhooks/meta/whatsapp"

Client = TestClient[web.Request, web.Application]
MakeServer = Callable[[web.Application], Awaitable[TestServer]]
MakeClient = Callable[[web.Application], Awaitable[Client]]


def meta_signature(secret: str, body: bytes) -> str:
    """What Meta puts in X-Hub-Signature-256."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def new_wamid() -> str:
    return "wamid." + base64.b64encode(uuid.uuid4().bytes + uuid.uuid4().bytes).decode()


def payload(name: str, phone_number_id: str, sender: str | None = None, **changes: Any) -> dict[str, Any]:
    """A captured payload from tests/fixtures/meta for our number and ``sender``
    with a fresh message id; ``changes`` are applied to its first message (or status)."""
    raw: dict[str, Any] = copy.deepcopy(json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8")))
    value = raw["entry"][0]["changes"][0]["value"]
    value["metadata"]["phone_number_id"] = phone_number_id
    wa_id = sender.lstrip("+") if sender else None
    for contact in value.get("contacts") or []:
        contact["wa_id"] = wa_id
    for message in value.get("messages") or []:
        message.update({"from": wa_id, "id": new_wamid(), **changes})
    for status in value.get("statuses") or []:
        status.update(changes)
    return raw


@pytest.fixture
async def fake_graph(aiohttp_server: MakeServer) -> tuple[FakeGraphApi, str]:
    fake = FakeGraphApi()
    server = await aiohttp_server(fake.app())
    return fake, str(server.make_url("")).rstrip("/")


@dataclass
class MetaHarness:
    client: Client
    fake: FakeGraphApi
    db: Database
    scene: Scene
    phone_number_id: str
    dispatcher: Dispatcher
    entered: asyncio.Event = field(default_factory=asyncio.Event)  # a request reached the handler

    @property
    def org(self) -> OrgId:
        return self.scene.org

    async def post_raw(self, body: bytes, signature: str | None) -> int:
        headers = {"Content-Type": "application/json"}
        if signature is not None:
            headers["X-Hub-Signature-256"] = signature
        resp = await self.client.post(PATH, data=body, headers=headers)
        return resp.status

    async def post(self, raw: dict[str, Any]) -> int:
        body = json.dumps(raw, ensure_ascii=False).encode()
        return await self.post_raw(body, meta_signature(APP_SECRET, body))

    async def send(self, name: str, sender: str, **changes: Any) -> tuple[int, dict[str, Any]]:
        raw = payload(name, self.phone_number_id, sender, **changes)
        return await self.post(raw), raw

    async def inbound_count(self, wamid: str) -> int:
        async with self.db.read() as session:
            return int(await session.scalar(
                select(func.count()).select_from(InboundEvent)
                .where(InboundEvent.provider == "meta", InboundEvent.event_id == wamid)) or 0)

    async def deliver(self) -> None:
        await self.dispatcher.drain()


def first_message_id(raw: dict[str, Any]) -> str:
    return str(raw["entry"][0]["changes"][0]["value"]["messages"][0]["id"])


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def meta(
    db: Database, org: OrgId, aiohttp_client: MakeClient, fake_graph: tuple[FakeGraphApi, str],
    http: aiohttp.ClientSession,
) -> MetaHarness:
    fake, url = fake_graph
    sc = await scene(db, org)
    phone_number_id = str(10**14 + uuid.uuid4().int % 10**14)
    async with db.unit_of_work(Actor.system(org)) as uow:
        await set_garage_settings(uow, numbers={"meta_phone_number_id": phone_number_id})
    deps = ChannelDeps(db, translator(), db.clock, SECRET, PUBLIC_URL, sc.storage)
    entered = asyncio.Event()

    @web.middleware
    async def mark_entered(request: web.Request, handler: Handler) -> web.StreamResponse:
        entered.set()
        return await handler(request)

    app = web.Application(middlewares=[mark_entered])
    setup_meta(app, MetaConfig(APP_SECRET, VERIFY_TOKEN, ACCESS_TOKEN, url), lambda _app: deps)
    client = await aiohttp_client(app)
    sender = MetaSender(MetaApi(http, ACCESS_TOKEN, url), translator(), db.clock, virtual_pacer())
    transports = Transports(OtherChannels())
    transports.set(Channel.WHATSAPP, ClientTransport(db, db.clock, meta=sender))
    dispatcher = Dispatcher(db, translator(), transports, Subscribers())
    return MetaHarness(client, fake, db, sc, phone_number_id, dispatcher, entered)

"""Mounting Meta's WhatsApp Cloud API webhook on the aiohttp app.

- ``GET /webhooks/meta/whatsapp``: the verification handshake; the
  ``hub.challenge`` is echoed when ``hub.mode`` is "subscribe" and
  ``hub.verify_token`` is ours (constant-time), 403 otherwise.
- ``POST /webhooks/meta/whatsapp``: ``X-Hub-Signature-256`` over the raw body
  is checked first (403, nothing recorded). Each message goes to the client
  engine of the garage whose Meta phone-number id it was sent to (recorded
  first; a redelivery stops there); each status is applied forward only.
  The body is read whole (in as many reads as it arrives in) up to 3 MB,
  413 beyond. When the garage lookup fails (the database is away) the message
  is recorded without its garage first (200), and processed by the retries.
  The answer is 200; 503 when processing failed or nothing could be recorded,
  so that Meta delivers again (what was processed is not processed twice);
  recorded deliveries whose processing failed are also retried every minute.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import aiohttp
from aiohttp import web

from garagebot.conversations.client.engine import ClientEngine
from garagebot.core import logcontext
from garagebot.core.clientlookup import Garage, NumberField
from garagebot.core.ports import Clock
from garagebot.core.uow import Database
from garagebot.webhooks.common import (
    ChannelDeps,
    GarageLookup,
    apply_status,
    client_services,
    record_or_lose,
    retry_forever,
)
from garagebot.webhooks.inbound import json_object, read_body
from garagebot.webhooks.meta.api import DEFAULT_API_URL, MetaApi
from garagebot.webhooks.meta.media import MetaMedia
from garagebot.webhooks.meta.parse import (
    PROVIDER,
    MetaMessage,
    garage_number,
    inbound_from_payload,
    parse_delivery,
)
from garagebot.webhooks.meta.signature import SIGNATURE_HEADER, verified

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhooks/meta/whatsapp"
MAX_BODY = 3 * 1024 * 1024  # Meta's webhook payloads are at most 3 MB


@dataclass(frozen=True, slots=True)
class MetaConfig:
    """From GARAGEBOT_META_APP_SECRET, _VERIFY_TOKEN, _ACCESS_TOKEN and _API_URL."""

    app_secret: str
    verify_token: str
    access_token: str
    api_url: str = DEFAULT_API_URL


@dataclass(frozen=True, slots=True)
class MetaRoom:
    config: MetaConfig
    engine: ClientEngine
    db: Database
    clock: Clock

    garages: GarageLookup

    async def garage(self, phone_number_id: str) -> Garage | None:
        return await self.garages.find(NumberField.META, phone_number_id)


META_ROOM = web.AppKey("meta_room", MetaRoom)


async def handle_verify(request: web.Request) -> web.Response:
    room = request.app[META_ROOM]
    query = request.query
    token = query.get("hub.verify_token", "")
    if query.get("hub.mode") != "subscribe" or not room.config.verify_token or not hmac.compare_digest(
            token.encode("utf-8", "surrogatepass"), room.config.verify_token.encode()):
        return web.Response(status=403, text="forbidden")
    return web.Response(text=query.get("hub.challenge", ""))


async def _process(room: MetaRoom, message: MetaMessage) -> None:
    logcontext.bind(message_id=message.inbound.event_id,
                    chat_id=logcontext.masked_address(message.inbound.sender))
    try:
        garage = await room.garage(message.phone_number_id)
    except Exception:  # logged by record_or_lose: recorded without its garage (retried), else 503
        if await record_or_lose(room.db, message.inbound, None, "the garage lookup failed"):
            return
        raise
    if garage is None:
        log.warning("meta message %s to phone number id %s: no garage has it",
                    message.inbound.event_id, message.phone_number_id)
        return
    logcontext.bind(garage_id=garage.id)
    await room.engine.handle(garage, message.inbound)


async def handle_delivery(request: web.Request) -> web.Response:
    room = request.app[META_ROOM]
    body = await read_body(request, MAX_BODY)
    if not verified(room.config.app_secret, body, request.headers.get(SIGNATURE_HEADER, "")):
        return web.Response(status=403, text="forbidden")
    try:
        delivery = parse_delivery(json_object(body), room.clock.now())
    except ValueError as exc:
        log.warning("a signed meta delivery is not a WhatsApp webhook: %s", exc)
        return web.Response(status=400, text="not a WhatsApp webhook")
    try:
        for message in delivery.messages:
            await _process(room, message)
        for status in delivery.statuses:
            await apply_status(room.db, status)
    except Exception:  # the adapter's one logged catch-all: Meta redelivers, duplicates stop early
        log.exception("meta delivery was not processed; Meta delivers it again")
        return web.Response(status=503, text="not processed")
    return web.Response(text="ok")


def setup_meta(app: web.Application, config: MetaConfig,
               deps: Callable[[web.Application], ChannelDeps]) -> None:
    """Mount the Meta webhook (see the module docstring). ``deps`` reads the
    runtime from the app; call this after the runtime's cleanup context was added."""
    app.router.add_get(WEBHOOK_PATH, handle_verify)
    app.router.add_post(WEBHOOK_PATH, handle_delivery)

    async def meta_ctx(app: web.Application) -> AsyncIterator[None]:
        d = deps(app)
        async with aiohttp.ClientSession() as session:
            api = MetaApi(session, config.access_token, config.api_url)
            engine = ClientEngine(d.db, client_services(d, {PROVIDER: MetaMedia(api)}))
            app[META_ROOM] = MetaRoom(config, engine, d.db, d.clock, GarageLookup(d.db))
            retries = asyncio.create_task(retry_forever(engine, PROVIDER, inbound_from_payload,
                                                        route=garage_number))
            yield
            retries.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await retries

    app.cleanup_ctx.append(meta_ctx)

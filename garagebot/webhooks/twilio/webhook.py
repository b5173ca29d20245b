"""Mounting Twilio on the aiohttp app.

- ``POST /webhooks/twilio/sms`` and ``/webhooks/twilio/whatsapp``: an incoming
  message. The X-Twilio-Signature is checked first (403 otherwise, nothing
  recorded), and the AccountSid must be ours. The garage is the one whose SMS
  / WhatsApp number the message was sent to. The client engine records the
  delivery (a redelivery stops there), runs the conversation and queues the
  replies; the answer is an empty TwiML document (replies go through the
  outbox, not TwiML). Every text is made storable (NUL, lone surrogates)
  first. If the garage lookup or processing fails, the delivery is recorded
  (without its garage if need be) and retried here, because Twilio does not
  deliver again; when not even that works (the database is down) the loss is
  logged as an error with the MessageSid, and the answer is 503.
- ``POST /webhooks/twilio/status``: status callbacks, applied forward only.

``setup_twilio`` adds the routes and a cleanup context that builds the
room's client engine (with Twilio as its media source) once the runtime
exists, and retries recorded deliveries whose processing failed (Twilio does
not deliver again after a 500) every minute.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl

import aiohttp
from aiohttp import web
from multidict import MultiDict, MultiDictProxy
from twilio.request_validator import RequestValidator

from garagebot.conversations.client.engine import ClientEngine
from garagebot.core import logcontext
from garagebot.core.clientlookup import Garage, NumberField
from garagebot.core.enums import Channel
from garagebot.core.normalize import storable_text
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
from garagebot.webhooks.inbound import read_body
from garagebot.webhooks.twilio.api import DEFAULT_API_URL, TwilioApi
from garagebot.webhooks.twilio.media import TwilioMedia
from garagebot.webhooks.twilio.parse import (
    PROVIDER,
    garage_number,
    inbound_from_payload,
    parse_message,
    parse_status,
)
from garagebot.webhooks.twilio.signature import SIGNATURE_HEADER, signed_url, verified

log = logging.getLogger(__name__)

SMS_PATH = "/webhooks/twilio/sms"
WHATSAPP_PATH = "/webhooks/twilio/whatsapp"
STATUS_PATH = "/webhooks/twilio/status"
MAX_FORM = 256 * 1024  # a message's form is a few kB
MAX_FIELDS = 200
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


@dataclass(frozen=True, slots=True)
class TwilioConfig:
    """From GARAGEBOT_TWILIO_ACCOUNT_SID, _AUTH_TOKEN, _API_URL and GARAGEBOT_PUBLIC_URL."""

    account_sid: str
    auth_token: str
    api_url: str = DEFAULT_API_URL
    public_url: str | None = None


@dataclass(frozen=True, slots=True)
class TwilioRoom:
    config: TwilioConfig
    validator: RequestValidator
    engine: ClientEngine
    db: Database
    clock: Clock

    def authentic(self, request: web.Request, form: MultiDictProxy[str]) -> bool:
        url = signed_url(request, self.config.public_url)
        return verified(self.validator, url, form, request.headers.get(SIGNATURE_HEADER, ""))

    garages: GarageLookup

    async def garage(self, number_field: NumberField, number: str) -> Garage | None:
        return await self.garages.find(number_field, number)


TWILIO_ROOM = web.AppKey("twilio_room", TwilioRoom)


async def _form(request: web.Request) -> MultiDictProxy[str] | None:
    """The urlencoded form Twilio posts (None: not one; Twilio never uploads files)."""
    if request.content_type != "application/x-www-form-urlencoded":
        return None
    body = await read_body(request, MAX_FORM)
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except ValueError:  # not UTF-8, or too many fields
        return None
    return MultiDictProxy(MultiDict(pairs))


def _fields(form: MultiDictProxy[str]) -> dict[str, str]:
    """The form's first values, made storable (checked against the signature before)."""
    return {storable_text(k): storable_text(form[k]) for k in form}


def _twiml() -> web.Response:
    return web.Response(text=EMPTY_TWIML, content_type="text/xml")


async def _message(request: web.Request, channel: Channel, number_field: NumberField) -> web.Response:
    room = request.app[TWILIO_ROOM]
    form = await _form(request)
    if form is None or not room.authentic(request, form):
        return web.Response(status=403, text="forbidden")
    try:
        parsed = parse_message(_fields(form), channel, room.clock.now())
    except ValueError as exc:
        log.warning("a signed twilio %s form is not a message: %s", channel, exc)
        return web.Response(status=400, text="not a Twilio message")
    if parsed.account_sid != room.config.account_sid:
        return web.Response(status=403, text="forbidden")
    logcontext.bind(message_id=parsed.inbound.event_id,
                    chat_id=logcontext.masked_address(parsed.inbound.sender))
    try:
        garage = await room.garage(number_field, parsed.to)
    except Exception:  # the adapter's logged catch-all: recorded without its garage, or logged as lost
        recorded = await record_or_lose(room.db, parsed.inbound, None, "the garage lookup failed")
        return _twiml() if recorded else web.Response(status=503, text="not recorded")
    if garage is None:
        log.warning("twilio %s message %s to %s: no garage has that number", channel,
                    parsed.inbound.event_id, parsed.to)
        return _twiml()
    logcontext.bind(garage_id=garage.id)
    try:
        await room.engine.handle(garage, parsed.inbound)
    except Exception:  # the adapter's logged catch-all: recorded (then retried), or logged as lost
        log.exception("twilio message %s was not processed", parsed.inbound.event_id)
        recorded = await record_or_lose(room.db, parsed.inbound, garage.id, "processing failed")
        return _twiml() if recorded else web.Response(status=503, text="not recorded")
    return _twiml()


async def handle_sms(request: web.Request) -> web.Response:
    return await _message(request, Channel.SMS, NumberField.SMS)


async def handle_whatsapp(request: web.Request) -> web.Response:
    return await _message(request, Channel.WHATSAPP, NumberField.WHATSAPP)


async def handle_status(request: web.Request) -> web.Response:
    room = request.app[TWILIO_ROOM]
    form = await _form(request)
    if form is None or not room.authentic(request, form):
        return web.Response(status=403, text="forbidden")
    if form.get("AccountSid") != room.config.account_sid:
        return web.Response(status=403, text="forbidden")
    try:
        update = parse_status(_fields(form))
    except ValueError as exc:
        log.warning("a signed twilio status callback is not one: %s", exc)
        return web.Response(status=400, text="not a status callback")
    try:
        outcome = await apply_status(room.db, update)
    except Exception:  # the adapter's logged catch-all: Twilio retries callbacks it could not deliver
        log.exception("twilio status %s for %s was not applied", update.status, update.provider_message_id)
        return web.Response(status=503, text="not applied")
    log.debug("twilio status %s for %s: %s", update.status, update.provider_message_id, outcome)
    return web.Response(status=204)


def setup_twilio(app: web.Application, config: TwilioConfig,
                 deps: Callable[[web.Application], ChannelDeps]) -> None:
    """Mount the Twilio webhooks (see the module docstring). ``deps`` reads the
    runtime from the app; call this after the runtime's cleanup context was added."""
    app.router.add_post(SMS_PATH, handle_sms)
    app.router.add_post(WHATSAPP_PATH, handle_whatsapp)
    app.router.add_post(STATUS_PATH, handle_status)

    async def twilio_ctx(app: web.Application) -> AsyncIterator[None]:
        d = deps(app)
        async with aiohttp.ClientSession() as session:
            api = TwilioApi(session, config.account_sid, config.auth_token, config.api_url)
            engine = ClientEngine(d.db, client_services(d, {PROVIDER: TwilioMedia(api)}))
            app[TWILIO_ROOM] = TwilioRoom(config, RequestValidator(config.auth_token), engine, d.db, d.clock,
                                          GarageLookup(d.db))
            retries = asyncio.create_task(retry_forever(engine, PROVIDER, inbound_from_payload,
                                                        route=garage_number))
            yield
            retries.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await retries

    app.cleanup_ctx.append(twilio_ctx)

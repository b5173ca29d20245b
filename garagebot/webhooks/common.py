"""What the Twilio and Meta adapters share: the typed status callback, the
client transport (one MessageTransport for channels ``sms`` and
``whatsapp`` that picks the garage's provider and enforces consent), the
numbered rendering of choices, and the dependencies the rooms need.

The client transport, for every outbox message to a client:

1. loads the delivery context (the row's key and parameters, the garage's
   numbers and templates, the client, the last time they wrote);
2. refuses for good (PermanentSendError, so the row is marked failed with
   the reason) anything but the STOP/START confirmation to an opted-out client;
3. hands the message to the garage's provider: Meta when the garage has a
   Meta phone-number id and Meta is configured, else Twilio (SMS always Twilio).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

from sqlalchemy import select, true
from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.conversations import store
from garagebot.conversations.client.engine import ClientEngine
from garagebot.conversations.client.types import ClientServices, LinkSettings
from garagebot.conversations.groups import GroupCommit, GroupConfig
from garagebot.conversations.types import Inbound, MediaSource, Outcome
from garagebot.core import pgraw
from garagebot.core.clientlookup import (
    DeliveryContext,
    Garage,
    NumberField,
    delivery_context,
    delivery_contexts,
    garage_by_id,
    garage_by_number,
    garages_by_number,
)
from garagebot.core.consent import may_message
from garagebot.core.dispatch import DeliveryUpdate, record_delivery_status
from garagebot.core.enums import Channel, OutboxStatus
from garagebot.core.messaging import in_window
from garagebot.core.models import InboundEvent
from garagebot.core.ports import Clock, FileStorage, OutboundMessage, PermanentSendError, SendResult
from garagebot.core.telemetry import NULL_TELEMETRY, Telemetry, observed_send
from garagebot.core.uow import Database

log = logging.getLogger(__name__)


class Texts(Protocol):
    """core.i18n.Translator, for the few words a transport adds (list button, "reply with a number")."""

    def render(self, locale: str, key: str, params: Mapping[str, object] | None = None) -> str: ...


@dataclass(frozen=True, slots=True)
class StatusUpdate:
    """A provider's delivery report. ``status`` None: an intermediate state we do not track."""

    provider_message_id: str
    status: OutboxStatus | None
    error_code: str | None = None


async def apply_status(db: Database, update: StatusUpdate) -> DeliveryUpdate | None:
    """Move the sent message forward (never back); None when there is nothing to apply."""
    if update.status is None or not update.provider_message_id:
        return None
    return await record_delivery_status(db, update.provider_message_id, update.status, update.error_code)


def numbered(text: str, choices: Sequence[tuple[str, str]], intro: str) -> str:
    """Choices as "1. label" lines under the text, for channels without buttons."""
    if not choices:
        return text
    lines = "\n".join(f"{n}. {label}" for n, (_, label) in enumerate(choices, 1))
    return f"{text}\n\n{intro}\n{lines}"


class GarageLookup:
    """The garage a message was sent to, by the number (or Meta phone-number id)
    it was sent to. Every inbound message asks; on PostgreSQL the questions
    waiting at one moment go as one statement (``conversations.groups``), so a
    burst of messages does not hold a pooled connection each."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._groups = {f: GroupCommit(partial(self._many, f), None) for f in NumberField} \
            if db.dialect == "postgresql" else None

    async def find(self, number_field: NumberField, number: str) -> Garage | None:
        if self._groups is not None:
            return await self._groups[number_field].submit(number)
        async with self.db.lookup() as session:
            return await garage_by_number(session, number_field, number)

    async def _many(self, number_field: NumberField,
                    numbers: Sequence[str]) -> list[Garage | None]:
        async with self.db.lookup() as session:  # one statement: no transaction needed
            raw = await pgraw.driver(session)
            if raw is None:
                raise RuntimeError("grouped lookups need PostgreSQL")
            return await garages_by_number(raw, number_field, numbers)


class ProviderSender(Protocol):
    """One provider's way to deliver a client message (Twilio, Meta)."""

    async def deliver(self, ctx: DeliveryContext, message: OutboundMessage) -> SendResult: ...


class ClientTransport:
    """The MessageTransport of channels ``sms`` and ``whatsapp`` (see the module docstring)."""

    def __init__(self, db: Database, clock: Clock, *, twilio: ProviderSender | None = None,
                 meta: ProviderSender | None = None, telemetry: Telemetry = NULL_TELEMETRY) -> None:
        self.db = db
        self.clock = clock
        self.twilio = twilio
        self.meta = meta
        self.telemetry = telemetry
        # On PostgreSQL the contexts of the sends waiting at one moment are read in one statement.
        self._contexts = GroupCommit(self._many, None, GroupConfig(max_size=256, max_running=2)) \
            if db.dialect == "postgresql" else None

    async def send(self, message: OutboundMessage) -> SendResult:
        wanted = (message.outbox_id, message.channel.value, message.recipient)
        if self._contexts is not None:
            ctx = await self._contexts.submit(wanted)
        else:
            async with self.db.read() as session:
                ctx = await delivery_context(session, *wanted)
        if ctx is None:
            raise PermanentSendError(f"outbox row {message.outbox_id} not found")
        if ctx.client is not None and not may_message(ctx.client.consent, ctx.key):
            raise PermanentSendError("client opted out of messages (STOP)")
        sender = self._sender(message.channel, ctx)
        provider = "meta" if sender is self.meta else "twilio"
        return await observed_send(self.telemetry, provider, sender.deliver(ctx, message))

    async def _many(self, wanted: Sequence[tuple[int, str, str]]) -> list[DeliveryContext | None]:
        async with self.db.lookup() as session:  # one statement: no transaction needed
            raw = await pgraw.driver(session)
            if raw is None:
                raise RuntimeError("grouped lookups need PostgreSQL")
            return await delivery_contexts(raw, wanted)

    def _sender(self, channel: Channel, ctx: DeliveryContext) -> ProviderSender:
        if channel is Channel.WHATSAPP and ctx.meta_phone_number_id and self.meta is not None:
            return self.meta
        if channel is Channel.WHATSAPP and ctx.whatsapp_number and self.twilio is not None:
            return self.twilio
        if channel is Channel.SMS and ctx.sms_number and self.twilio is not None:
            return self.twilio
        raise PermanentSendError(f"the garage has no {channel.value} number with a configured provider")


def window_open(ctx: DeliveryContext, now: dt.datetime) -> bool:
    """Whether WhatsApp takes a free-form message to this client now (24 hours after they wrote)."""
    return in_window(ctx.last_inbound, now)


@dataclass(frozen=True, slots=True)
class ChannelDeps:
    """What the provider rooms need from the app's runtime."""

    db: Database
    translator: Texts
    clock: Clock
    secret: str
    public_url: str
    storage: FileStorage | None = None


def client_services(deps: ChannelDeps, media: Mapping[str, MediaSource]) -> ClientServices:
    """The client flows' services for a provider room (its own media source)."""
    return ClientServices(deps.translator, LinkSettings(deps.public_url, deps.secret), deps.storage, media)


# Rebuilds an inbound message from the payload recorded with it (None: it cannot be).
Rebuild = Callable[[Mapping[str, object], dt.datetime], Inbound | None]
# The garage number a recorded payload was sent to (None: it cannot say).
Route = Callable[[Mapping[str, object]], tuple[NumberField, str] | None]
RETRY_AFTER = dt.timedelta(minutes=1)


async def record_or_lose(db: Database, msg: Inbound, org_id: int | None, why: str) -> bool:
    """After processing ``msg`` failed (``why``): make sure it is recorded, so
    the retries below process it (``org_id`` None: its garage is not known yet).
    False, with the loss logged as an error naming the provider's message id
    (to fetch it from the provider), when not even that works."""
    try:
        async with db.autocommit() as session:
            await store.record_inbound(session, msg, org_id)
    except Exception:  # the database is down: say so loudly, once, with what identifies the message
        log.error("LOST %s message %s (%s): it could not be recorded (database unavailable?); "
                  "the provider will not deliver it again", msg.provider, msg.event_id, why, exc_info=True)
        return False
    log.warning("%s message %s recorded but not processed (%s); it is retried",
                msg.provider, msg.event_id, why)
    return True


async def _garages(session: AsyncSession, rows: Sequence[Any],
                   route: Route | None) -> dict[object, Garage | None]:
    """The garage of each row: by its id, or for a row recorded before its garage was known, by ``route``."""
    found: dict[object, Garage | None] = {}
    for org_id, payload, _ in rows:
        if org_id is not None:
            key: object = int(org_id)
            if key not in found:
                found[key] = await garage_by_id(session, int(org_id))
        elif route is not None and (to := route(payload or {})) is not None and to not in found:
            found[to] = await garage_by_number(session, *to)
    return found


async def retry_unprocessed(engine: ClientEngine, provider: str, rebuild: Rebuild, *,
                            route: Route | None = None, older_than: dt.timedelta = RETRY_AFTER,
                            limit: int = 100) -> int:
    """Process deliveries that were recorded but whose processing failed (Twilio
    does not deliver again after a 500; Meta does, but not at once), also those
    recorded before their garage was known (``route`` finds it). Returns how
    many were processed now; the engine's claim keeps each to one processing."""
    now = engine.db.clock.now()
    routed = InboundEvent.organization_id.is_not(None)
    async with engine.db.read() as session:
        rows = (await session.execute(
            select(InboundEvent.organization_id, InboundEvent.payload, InboundEvent.id)
            .where(InboundEvent.provider == provider, InboundEvent.processed_at.is_(None),
                   routed if route is None else true(), InboundEvent.received_at <= now - older_than)
            .order_by(InboundEvent.id).limit(limit)
        )).all()
        garages = await _garages(session, rows, route)
    done = 0
    for org_id, payload, row_id in rows:
        key = int(org_id) if org_id is not None else route(payload or {}) if route is not None else None
        garage, inbound = garages.get(key), rebuild(payload or {}, now)
        if garage is None and org_id is None:  # recorded when the lookup failed; no garage has the number
            log.warning("%s event %s was sent to a number no garage has; not retried", provider, row_id)
            async with engine.db.autocommit() as session:
                await store.mark_processed(session, int(row_id), now)
            continue
        if garage is None or inbound is None:
            continue
        try:
            handled = await engine.handle(garage, inbound)
        except Exception:  # one logged catch-all per event: the others are still retried
            log.exception("retrying %s event %s failed again", provider, inbound.event_id)
            continue
        done += handled.outcome is Outcome.HANDLED
    return done


async def retry_forever(engine: ClientEngine, provider: str, rebuild: Rebuild, *,
                        route: Route | None = None, every_seconds: float = 60.0) -> None:
    """``retry_unprocessed`` every ``every_seconds`` until cancelled."""
    while True:
        await asyncio.sleep(every_seconds)
        try:
            await retry_unprocessed(engine, provider, rebuild, route=route)
        except Exception:  # the loop must outlive a database hiccup
            log.exception("retrying unprocessed %s events failed", provider)

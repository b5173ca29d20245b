"""The parts of outbox dispatch other code plugs into: the renderer, transports
per channel, event subscribers, the retry policy and the report of a drain."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from garagebot.core.enums import Channel
from garagebot.core.ids import OrgId
from garagebot.core.ports import MessageTransport
from garagebot.core.uow import UnitOfWork


class Renderer(Protocol):
    """Turns a message key and parameters into text for one locale (core.i18n.Translator)."""

    def render(self, locale: str, key: str, params: Mapping[str, object] | None = None) -> str: ...


@dataclass(frozen=True, slots=True)
class DomainEvent:
    """An event row as its subscribers see it."""

    outbox_id: int
    organization_id: OrgId
    topic: str
    payload: Mapping[str, object]
    created_at: dt.datetime


EventHandler = Callable[[UnitOfWork, DomainEvent], Awaitable[None]]


class Subscribers:
    """Topic → handlers. A handler runs inside the unit of work that marks its
    event done; it may write (and ``uow.send`` messages) like any service."""

    def __init__(self) -> None:
        self._handlers: dict[str, list[EventHandler]] = {}

    def subscribe(self, topic: str, handler: EventHandler) -> None:
        self._handlers.setdefault(topic, []).append(handler)

    def handlers_for(self, topic: str) -> tuple[EventHandler, ...]:
        return tuple(self._handlers.get(topic, ()))


class Transports:
    """Channel → MessageTransport; channels without their own use ``default``."""

    def __init__(self, default: MessageTransport) -> None:
        self.default = default
        self._by_channel: dict[Channel, MessageTransport] = {}

    def set(self, channel: Channel, transport: MessageTransport) -> None:
        self._by_channel[channel] = transport

    def get(self, channel: Channel) -> MessageTransport:
        return self._by_channel.get(channel, self.default)


@dataclass(frozen=True, slots=True)
class DispatchPolicy:
    """Claiming, concurrency, leases and retries.

    A row is claimed only when a send slot is free for it, so its lease needs to
    outlast one provider call (their clients time out after 15 s) and a short
    pacing wait, not a batch: a drainer that dies leaves its rows to others after
    ``lease``. At most ``concurrency`` rows are in flight per drainer; a claim
    takes at most ``batch_size`` rows, and ``per_lane`` of one garage's channel; a channel
    holding ``per_lane`` rows in this drainer is passed over until one is done."""

    batch_size: int = 50
    lease: dt.timedelta = dt.timedelta(seconds=30)
    concurrency: int = 64
    per_lane: int = 4
    max_attempts: int = 8
    first_retry: dt.timedelta = dt.timedelta(seconds=30)
    max_retry: dt.timedelta = dt.timedelta(hours=1)

    def retry_delay(self, attempts: int, retry_after_seconds: float | None) -> dt.timedelta:
        """Exponential backoff (30 s, 1 min, 2 min …), at least what the provider asked."""
        delay: dt.timedelta = min(self.first_retry * (1 << max(attempts - 1, 0)), self.max_retry)
        if retry_after_seconds is not None:
            delay = max(delay, dt.timedelta(seconds=retry_after_seconds))
        return delay


@dataclass(frozen=True, slots=True)
class DrainReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    events: int = 0
    deferred: int = 0  # put back by the pacing, not an attempt

    def __add__(self, other: DrainReport) -> DrainReport:
        return DrainReport(self.sent + other.sent, self.retried + other.retried,
                           self.failed + other.failed, self.events + other.events,
                           self.deferred + other.deferred)

    @property
    def handled(self) -> int:
        return self.sent + self.retried + self.failed + self.events + self.deferred

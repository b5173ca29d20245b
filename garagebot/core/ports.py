"""Ports: the only ways core reaches the outside world.

Adapters and ``app`` provide implementations; tests provide fakes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from garagebot.core.enums import Channel


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current time, aware, in UTC."""
        ...


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


@dataclass(frozen=True, slots=True)
class Choice:
    """An abstract button: ``id`` comes back as the user's choice; ``key`` is its label."""

    id: str
    key: str
    params: Mapping[str, str | int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    """A message rendered for one recipient, ready for a channel's sender."""

    outbox_id: int
    organization_id: int
    channel: Channel
    recipient: str
    locale: str
    text: str
    choices: Sequence[tuple[str, str]] = ()  # (choice id, rendered label)
    media_keys: Sequence[str] = ()
    priority: int = 0  # 0: a reply to someone who just acted; 1: a bulk notice


@dataclass(frozen=True, slots=True)
class SendResult:
    provider_message_id: str


class TransientSendError(Exception):
    """The provider could not take the message now; the dispatcher retries later."""

    def __init__(self, reason: str, retry_after_seconds: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after_seconds = retry_after_seconds


class SendDeferred(TransientSendError):
    """Not sent only because of our own pacing (a provider's rate limit would be
    exceeded): nothing reached the provider, so the dispatcher puts the row back
    for ``retry_after_seconds`` without counting an attempt."""


class PermanentSendError(Exception):
    """The provider refused the message for good; the row is marked failed."""


class MessageTransport(Protocol):
    async def send(self, message: OutboundMessage) -> SendResult: ...


class FileStorage(Protocol):
    async def put(self, key: str, data: bytes, content_type: str) -> None: ...

    async def get(self, key: str) -> bytes: ...


class OutboxNotifier(Protocol):
    """Told after a commit that wrote outbox rows, so the dispatcher wakes up."""

    async def outbox_written(self) -> None: ...

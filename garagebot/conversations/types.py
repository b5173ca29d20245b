"""What crosses the edge of the conversation engine: a typed inbound message
from any channel, and typed replies (message keys, never sentences).

Adapters build ``Inbound`` from a provider's payload; the engine answers with
``Reply`` objects that go to the outbox and are rendered per recipient later.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from garagebot.core.enums import Channel
from garagebot.core.errors import InvalidInput
from garagebot.core.ports import Choice

__all__ = [
    "Choice",
    "Handled",
    "Inbound",
    "Location",
    "MediaKind",
    "MediaRef",
    "MediaSource",
    "MediaSources",
    "Outcome",
    "ParamValue",
    "Reply",
]

ParamValue = str | int | None


class MediaKind(StrEnum):
    PHOTO = "photo"
    DOCUMENT = "document"
    VOICE = "voice"
    AUDIO = "audio"
    VIDEO = "video"


@dataclass(frozen=True, slots=True)
class MediaRef:
    """A file the sender attached, still at the provider (fetched on demand)."""

    kind: MediaKind
    provider_file_id: str
    mime_type: str | None = None
    file_name: str | None = None
    size: int | None = None


class MediaSource(Protocol):
    """Fetches the bytes of a file a sender attached, from the channel's provider.
    Raises a DomainError (``error.media_unavailable``) when it cannot."""

    async def fetch(self, ref: MediaRef) -> bytes: ...


class MediaSources:
    """Channel → MediaSource, filled in by each adapter when it starts; a
    provider may have its own (the console's simulator: files it stored)."""

    def __init__(self) -> None:
        self._by_channel: dict[Channel, MediaSource] = {}
        self._by_provider: dict[str, MediaSource] = {}

    def set(self, channel: Channel, source: MediaSource) -> None:
        self._by_channel[channel] = source

    def set_provider(self, provider: str, source: MediaSource) -> None:
        self._by_provider[provider] = source

    async def fetch(self, channel: Channel, ref: MediaRef, provider: str | None = None) -> bytes:
        source = self._by_provider.get(provider or "") or self._by_channel.get(channel)
        if source is None:
            raise InvalidInput("error.media_unavailable", kind=ref.kind.value)
        return await source.fetch(ref)


@dataclass(frozen=True, slots=True)
class Location:
    """A shared map point (degrees, WGS 84)."""

    latitude: float
    longitude: float


@dataclass(frozen=True, slots=True)
class Inbound:
    """One message or button press from a chat.

    ``sender`` identifies the person on the channel (Telegram user id, E.164
    phone); ``chat`` is where replies go (the same in a private chat).
    ``choice`` is the id of a pressed button; ``origin_message_id`` the
    provider id of the message that carried it. ``provider``/``event_id`` make
    redeliveries no-ops.
    """

    channel: Channel
    provider: str
    event_id: str
    sender: str
    received_at: dt.datetime
    text: str = ""
    choice: str | None = None
    media: tuple[MediaRef, ...] = ()
    location: Location | None = None
    chat: str | None = None
    origin_message_id: str | None = None
    edited: bool = False
    language_hint: str | None = None
    payload: Mapping[str, object] = field(default_factory=dict)  # the raw delivery, kept for replay

    @property
    def reply_to(self) -> str:
        return self.chat or self.sender


@dataclass(frozen=True, slots=True)
class Reply:
    """A message to send back: a catalog key with parameters, buttons, media
    (storage keys), and, for live displays such as a running timer, the
    provider id of an earlier message to edit instead of sending a new one."""

    key: str
    params: Mapping[str, ParamValue] = field(default_factory=dict)
    choices: tuple[Choice, ...] = ()
    media: tuple[str, ...] = ()
    edit_message_id: str | None = None


class Outcome(StrEnum):
    HANDLED = "handled"  # a step ran; replies are in the outbox
    DUPLICATE = "duplicate"  # the provider delivered this event before
    IGNORED = "ignored"  # recorded, nothing to do (an edited message)
    REFUSED = "refused"  # an unknown sender: the adapter delivers ``replies`` itself


@dataclass(frozen=True, slots=True)
class Handled:
    """What the engine did with one inbound. For REFUSED there is no garage to
    queue the replies under, so the adapter sends them directly, in every
    language (the sender's language is unknown)."""

    outcome: Outcome
    replies: tuple[Reply, ...] = ()
    locale: str | None = None

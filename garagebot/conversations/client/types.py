"""What the client flows see and return.

A client conversation is a small state table (``ClientState``); most of what
clients do needs no state at all — buttons carry everything they mean
("q:12:l:40:a" approves line 40 of quote 12), so an old button still means
what it said. States exist only where the next message is an answer to a
question: the intake questions, the comment after a rating, and the
confirmation of a typed decision that was not exact (``confirm``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from garagebot.conversations.types import Inbound, MediaRef, MediaSource, Reply
from garagebot.core.clientlookup import ClientContact, ClientVisit, Garage
from garagebot.core.jsonable import JsonValue
from garagebot.core.ports import FileStorage
from garagebot.core.uow import UnitOfWork

CLIENT_FLOW = "client"


class ClientState(StrEnum):
    MAIN = "main"
    INTAKE_NAME = "intake_name"
    INTAKE_PLATE = "intake_plate"
    INTAKE_COMPLAINT = "intake_complaint"
    INTAKE_TIME = "intake_time"
    RATING_COMMENT = "rating_comment"
    QUOTE_CONFIRM = "quote_confirm"  # a typed decision echoed back, waiting for yes / no


class Translate(Protocol):
    """core.i18n.Translator: some parameters are phrases in the client's language."""

    def render(self, locale: str, key: str, params: Mapping[str, object] | None = None) -> str: ...


@dataclass(frozen=True, slots=True)
class LinkSettings:
    """PUBLIC_URL and SECRET_KEY, for the timeline and approval links."""

    public_url: str
    secret: str


@dataclass(frozen=True, slots=True)
class ClientServices:
    """What flows need beyond the unit of work: texts for parameters, links,
    file storage, and the providers' media downloads (by provider name)."""

    translator: Translate
    links: LinkSettings
    storage: FileStorage | None = None
    media: Mapping[str, MediaSource] = field(default_factory=dict)

    async def fetch(self, provider: str, ref: MediaRef) -> bytes:
        from garagebot.core.errors import InvalidInput

        source = self.media.get(provider)
        if source is None:
            raise InvalidInput("error.media_unavailable", kind=ref.kind.value)
        return await source.fetch(ref)


@dataclass(frozen=True, slots=True)
class ClientCtx:
    """One turn's view: the message, the garage, the client (None: a number the
    garage does not know yet), their language, the conversation's data, their
    current visit, and whether choices show as buttons or as numbers."""

    uow: UnitOfWork
    msg: Inbound
    garage: Garage
    client: ClientContact | None
    locale: str
    state: ClientState
    data: Mapping[str, JsonValue]
    visit: ClientVisit | None
    services: ClientServices
    buttons: bool

    @property
    def now(self) -> dt.datetime:
        return self.uow.now

    def text(self, key: str, params: Mapping[str, object] | None = None) -> str:
        """A phrase in the client's language, to pass as a parameter."""
        return self.services.translator.render(self.locale, key, params)


@dataclass(frozen=True, slots=True)
class ClientStep:
    """Replies, the next state (None: stay), the new data (None: keep), and
    whether typed numbers may pick this reply's choices (not for a quote,
    where numbers are line numbers)."""

    replies: tuple[Reply, ...] = ()
    state: ClientState | None = None
    data: Mapping[str, JsonValue] | None = None
    numbered_choices: bool = True
    locale: str | None = None  # the language the client switched to in this step


def reply(*replies: Reply, state: ClientState | None = None,
          data: Mapping[str, JsonValue] | None = None, numbered_choices: bool = True) -> ClientStep:
    return ClientStep(replies, state, data, numbered_choices)

"""A chat with the engine for transcript tests: say something, see what was queued."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from garagebot.conversations.engine import Engine
from garagebot.conversations.types import Handled, Inbound, MediaRef
from garagebot.core.actor import Actor
from garagebot.core.enums import Channel, OutboxKind, Role
from garagebot.core.i18n import Translator
from garagebot.core.ids import OrgId, UserId
from garagebot.core.models import Conversation, OutboxRow
from garagebot.core.staff import create_user
from garagebot.core.uow import Database

_EVENTS = itertools.count(1)
_TRANSLATOR: list[Translator] = []


def translator() -> Translator:
    if not _TRANSLATOR:
        _TRANSLATOR.append(Translator.load())
    return _TRANSLATOR[0]


def telegram_id() -> int:
    """A Telegram user id no other test uses (the test databases live for the whole run)."""
    return 10**9 + uuid.uuid4().int % 10**11


async def linked_user(db: Database, org: OrgId, *, role: Role = Role.TECHNICIAN, locale: str = "en",
                      name: str = "Sami") -> tuple[UserId, int]:
    """A member of staff created with a Telegram id (so already linked)."""
    tg = telegram_id()
    async with db.unit_of_work(Actor.system(org)) as uow:
        uid = await create_user(uow, name=name, role=role, locale=locale, telegram_user_id=tg)
    return uid, tg


@dataclass(frozen=True)
class Sent:
    """An outbox message as the recipient will see it."""

    key: str
    text: str
    recipient: str
    locale: str
    choices: tuple[tuple[str, str], ...]


class Chat:
    """One Telegram chat talking to ``engine``; ``say`` returns what was queued."""

    def __init__(self, engine: Engine, db: Database, telegram_user: int) -> None:
        self.engine = engine
        self.db = db
        self.address = str(telegram_user)
        self.last_outbox_id = 0

    def inbound(self, text: str = "", *, choice: str | None = None, event_id: str | None = None,
                media: Sequence[MediaRef] = (), edited: bool = False,
                origin_message_id: str | None = None) -> Inbound:
        return Inbound(
            channel=Channel.TELEGRAM, provider="telegram", event_id=event_id or f"t{next(_EVENTS)}",
            sender=self.address, received_at=self.db.clock.now(), text=text, choice=choice,
            media=tuple(media), chat=self.address, edited=edited, origin_message_id=origin_message_id,
        )

    async def send(self, msg: Inbound) -> Handled:
        return await self.engine.handle(msg)

    async def say(self, text: str = "", *, choice: str | None = None,
                  origin_message_id: str | None = None) -> list[Sent]:
        await self.send(self.inbound(text, choice=choice, origin_message_id=origin_message_id))
        return await self.new_messages()

    async def new_messages(self) -> list[Sent]:
        """Outbox messages to this chat since the last call, rendered."""
        async with self.db.read() as session:
            rows = (await session.scalars(
                select(OutboxRow)
                .where(OutboxRow.kind == OutboxKind.MESSAGE.value, OutboxRow.id > self.last_outbox_id,
                       (OutboxRow.recipient == self.address)
                       | OutboxRow.recipient.startswith(f"edit:{self.address}:"))
                .order_by(OutboxRow.id)
            )).all()
        if rows:
            self.last_outbox_id = rows[-1].id
        return [self._render(row) for row in rows]

    @staticmethod
    def _render(row: OutboxRow) -> Sent:
        tr = translator()
        locale = row.locale or "en"
        payload = row.payload
        params = payload.get("params")
        raw_choices = payload.get("choices")
        assert isinstance(params, dict)
        assert isinstance(raw_choices, list)
        choices = tuple(
            (str(c["id"]), tr.render(locale, str(c["key"]), c.get("params") or {}))
            for c in raw_choices
        )
        key = str(payload["key"])
        return Sent(key, tr.render(locale, key, params), row.recipient or "", locale, choices)

    async def conversation(self) -> Conversation:
        async with self.db.read() as session:
            return (await session.scalars(
                select(Conversation).where(Conversation.channel == "telegram",
                                           Conversation.address == self.address)
            )).one()


def keys(sent: Sequence[Sent]) -> list[str]:
    return [s.key for s in sent]

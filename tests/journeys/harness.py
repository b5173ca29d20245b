"""The people of a journey test, each on the surface they use: a garage made
by the CLI's own entry point (``create-org``, ``create-user``, ``org import``),
staff on Telegram posting updates to the composed app's webhook, and the
client on WhatsApp through the signed Twilio webhook. What each person
receives is read from the outbox rows addressed to them."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from garagebot.app.cli import main
from garagebot.bot.webhook import SECRET_HEADER
from garagebot.core.enums import OutboxKind
from garagebot.core.models import OutboxRow
from garagebot.core.uow import Database
from tests.bot.conftest import update as tg_update
from tests.conversations.chat import Chat, Sent
from tests.conversations.client.harness import PUBLIC_URL, plain
from tests.webhooks.twilio.conftest import form, twilio_signature
from tests.webhooks.twilio.fake_api import AUTH_TOKEN

App = TestClient[web.Request, web.Application]
Settle = Callable[[], Awaitable[None]]
TG_SECRET = "journey-Webhook_secret1"  # noqa: S105 (a test value)
UNFILLED = re.compile(r"\{[A-Za-z_@]+\}")
ARABIC_LETTER = re.compile("[\u0621-\u064a]")
PHOTO_ID = "AgACAgQAAxkBAAIBsmZ0large"  # the file id of tests/fixtures/telegram/photo.json


async def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """``garagebot ARGV`` as the console script runs it (its own event loop, in
    a thread); its standard output, after asserting exit code 0."""
    code = await asyncio.to_thread(main, list(argv))
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


async def rows_to(db: Database, address: str, after: int = 0) -> list[OutboxRow]:
    """The messages queued to ``address`` (and the in-place edits of its messages)."""
    async with db.read() as s:
        return list((await s.scalars(select(OutboxRow).where(
            OutboxRow.kind == OutboxKind.MESSAGE.value, OutboxRow.id > after,
            (OutboxRow.recipient == address) | OutboxRow.recipient.startswith(f"edit:{address}:"),
        ).order_by(OutboxRow.id))).all())


@dataclass
class Inbox:
    """Everything one person received, read step by step."""

    db: Database
    address: str
    locale: str
    settle: Settle
    seen: int = 0
    received: list[Sent] = field(default_factory=list)
    last: list[Sent] = field(default_factory=list)

    async def new(self) -> list[Sent]:
        """What arrived since the last look, once every due outbox row was handled
        (so that a notification the app queues on an event has been queued too)."""
        await self.settle()
        rows = await rows_to(self.db, self.address, self.seen)
        if rows:
            self.seen = rows[-1].id
        for row in rows:
            assert row.locale == self.locale, (row.payload["key"], row.locale)
        sent = [Chat._render(row) for row in rows]
        for one in sent:  # rendered whole, in the person's language
            assert not UNFILLED.search(one.text), (one.key, one.text)
            assert self.locale != "ar" or ARABIC_LETTER.search(one.text), (one.key, one.text)
        self.received.extend(sent)
        return sent

    async def keys(self) -> list[str]:
        """The keys of what arrived (the messages are kept for ``text`` and ``choice``)."""
        self.last = await self.new()
        return [s.key for s in self.last]

    def text(self, n: int = -1) -> str:
        """The text of the ``n``-th message received (the last by default), without the bidi marks."""
        return plain(self.received[n].text)


class StaffPhone(Inbox):
    """A member of staff's Telegram account."""

    def __init__(self, app: App, db: Database, tg: int, locale: str, settle: Settle) -> None:
        super().__init__(db, str(tg), locale, settle)
        self.app, self.tg = app, tg

    async def post(self, raw: dict[str, Any]) -> None:
        resp = await self.app.post("/webhooks/telegram", json=raw, headers={SECRET_HEADER: TG_SECRET})
        assert resp.status == 200

    async def press(self, prefix: str, label: str | None = None) -> list[str]:
        """Press the one offered button starting with ``prefix`` (and showing ``label``)."""
        return await self.say(choice=self.choice(prefix, label))

    async def say(self, text: str = "", *, choice: str | None = None) -> list[str]:
        """Type ``text`` or press ``choice``; the keys of what comes back."""
        raw = (tg_update("callback_query", self.tg, data=choice) if choice is not None
               else tg_update("text", self.tg, text=text))
        await self.post(raw)
        return await self.keys()

    async def photo(self, caption: str = "") -> list[str]:
        await self.post(tg_update("photo", self.tg, caption=caption))
        return await self.keys()

    def choices(self) -> list[str]:
        return [cid for s in self.last for cid, _ in s.choices]

    def choice(self, prefix: str, label: str | None = None) -> str:
        """The id of the one offered button starting with ``prefix`` (and showing ``label``)."""
        found = [cid for s in self.last for cid, text in s.choices
                 if cid.startswith(prefix) and (label is None or label in plain(text))]
        assert len(found) == 1, (prefix, label, [c for s in self.last for c in s.choices])
        return found[0]


class ClientPhone(Inbox):
    """The client's WhatsApp: writes through the signed Twilio webhook."""

    def __init__(self, app: App, db: Database, phone: str, garage_number: str, locale: str,
                 settle: Settle) -> None:
        super().__init__(db, phone, locale, settle)
        self.app, self.phone, self.garage_number = app, phone, garage_number

    async def write(self, text: str) -> list[str]:
        path = "/webhooks/twilio/whatsapp"
        params = form("whatsapp_text", From=f"whatsapp:{self.phone}", To=f"whatsapp:{self.garage_number}",
                      WaId=self.phone.lstrip("+"), Body=text)
        signature = twilio_signature(AUTH_TOKEN, f"{PUBLIC_URL}{path}", params)
        resp = await self.app.post(path, data=params, headers={"X-Twilio-Signature": signature})
        assert resp.status == 200
        return await self.keys()

"""Staff linked to Telegram in a chosen language, and the messages their chats were queued."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update

from garagebot.core.actor import Actor
from garagebot.core.enums import OutboxKind
from garagebot.core.i18n import Translator
from garagebot.core.models import OutboxRow, User
from garagebot.core.uow import Database
from tests.conftest import Staff

# Telegram ids and languages of the staff the tests link.
LINKED = {
    "owner": (9101, "en"),
    "manager": (9102, "ar"),
    "advisor": (9103, "ar"),
    "lead": (9104, "en"),
    "tech": (9105, "en"),
    "inventory": (9106, "ar"),
}


@dataclass(frozen=True)
class Queued:
    key: str
    locale: str
    text: str
    choices: tuple[str, ...]
    available_at: dt.datetime


async def link_staff(db: Database, staff: Staff) -> dict[str, str]:
    """Give the staff of ``LINKED`` a Telegram id (unique per garage) and a language;
    their chat addresses by name."""
    chats: dict[str, str] = {}
    async with db.raw_transaction() as s:
        for name, (base, locale) in LINKED.items():
            actor: Actor = getattr(staff, name)
            tg = base * 100_000 + int(staff.org)
            await s.execute(
                update(User).where(User.id == actor.id).values(telegram_user_id=tg, locale=locale)
            )
            chats[name] = str(tg)
    return chats


async def queued_to(db: Database, chat: str, prefix: str = "schedule.") -> list[Queued]:
    tr = Translator.load()
    async with db.read() as s:
        rows = (
            await s.scalars(
                select(OutboxRow)
                .where(
                    OutboxRow.kind == OutboxKind.MESSAGE.value,
                    OutboxRow.recipient == chat,
                    OutboxRow.topic.startswith(prefix),
                )
                .order_by(OutboxRow.id)
            )
        ).all()
    out = []
    for r in rows:
        params = r.payload.get("params")
        choices = r.payload.get("choices")
        assert isinstance(params, dict)
        assert isinstance(choices, list)
        out.append(
            Queued(
                r.topic,
                r.locale or "",
                tr.render(r.locale or "en", r.topic, params),
                tuple(str(c["id"]) for c in choices),
                r.available_at,
            )
        )
    return out

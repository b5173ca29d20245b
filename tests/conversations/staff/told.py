"""What staff are told: the outbox drained the way the app drains it (the
client and staff notification rules and the core's own reactions), then the
messages a person's Telegram chat received, rendered."""

from __future__ import annotations

from sqlalchemy import select

from garagebot.app.transports import DryRunTransport
from garagebot.core import notify
from garagebot.core.billing import subscribers as billing_subscribers
from garagebot.core.dispatch import Subscribers, Transports
from garagebot.core.enums import OutboxKind
from garagebot.core.i18n import Translator
from garagebot.core.models import OutboxRow
from garagebot.core.uow import Database
from garagebot.core.work import subscribers as work_subscribers
from tests.conversations.chat import Sent, translator
from tests.conversations.staff.support import StaffChat
from tests.core.notify.harness import CONFIG, SettlingDispatcher


async def drain(db: Database) -> None:
    """Run every due event's subscribers and send every due message (dry run)."""
    subscribers = Subscribers()
    notify.register(subscribers, CONFIG)
    work_subscribers.register(subscribers)
    billing_subscribers.register(subscribers)
    await SettlingDispatcher(db, Translator.load(), Transports(DryRunTransport()), subscribers).drain()


async def told(db: Database, person: StaffChat, key_prefix: str = "floor.told_") -> list[Sent]:
    """The notifications (``key_prefix``) queued to ``person``'s chat, oldest first."""
    async with db.read() as s:
        rows = (await s.scalars(select(OutboxRow).where(
            OutboxRow.kind == OutboxKind.MESSAGE.value, OutboxRow.recipient == person.chat.address,
            OutboxRow.topic.startswith(key_prefix),
        ).order_by(OutboxRow.id))).all()
    tr = translator()
    out = []
    for row in rows:
        params = row.payload.get("params")
        choices = row.payload.get("choices")
        assert isinstance(params, dict)
        assert isinstance(choices, list)
        out.append(Sent(row.topic, tr.render(row.locale or "en", row.topic, params), row.recipient or "",
                        row.locale or "en", tuple((str(c["id"]), tr.render(row.locale or "en", str(c["key"])))
                                                  for c in choices)))
    return out

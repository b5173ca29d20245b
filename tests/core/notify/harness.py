"""A dispatcher with only the client notification rules subscribed, sending
through the app's dry-run transport (which keeps each message's rendered
text on its outbox row), and readers of what the client was sent."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from sqlalchemy import func, select

from garagebot.app.transports import DryRunTransport
from garagebot.core import notify
from garagebot.core.dispatch import Dispatcher, DrainReport, Subscribers, Transports
from garagebot.core.enums import OutboxKind, OutboxStatus
from garagebot.core.i18n import Translator
from garagebot.core.ids import OrgId
from garagebot.core.models import Client, OutboxRow
from garagebot.core.uow import Database
from tests.webhooks.pages.scene import PUBLIC, SECRET

CONFIG = notify.NotifyConfig(public_url=PUBLIC, secret=SECRET, approval_link_hours=72,
                             approval_reminder_hours=24)


@dataclass(frozen=True)
class Sent:
    key: str
    channel: str
    recipient: str
    locale: str
    text: str
    params: dict[str, object]
    choices: list[str]


def token_of(text: str, path: str) -> str:
    """The token of the first PUBLIC_URL<path><token> link in a message."""
    start = text.index(PUBLIC + path) + len(PUBLIC + path)
    end = start
    while end < len(text) and (text[end].isalnum() or text[end] in "-_."):
        end += 1
    return text[start:end]


class SettlingDispatcher(Dispatcher):
    """A dispatcher whose ``drain`` returns only once nothing is due in the
    database (by the test's clock), not just when its own claims are done: a
    row that an event handled meanwhile queued, or that was locked by another
    transaction when it claimed, is drained too (for at most ``SETTLE_SECONDS``;
    then the test's own assertions say what is missing). Rows claimed and
    never finished by a drainer of an earlier test (their lease ahead of the
    test's clock) are not waited for."""

    async def drain(self, *, stopping: Callable[[], bool] = lambda: False) -> DrainReport:
        report = await super().drain(stopping=stopping)
        deadline = time.monotonic() + SETTLE_SECONDS
        while await due(self.db) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            report += await super().drain(stopping=stopping)
        return report


SETTLE_SECONDS = 10.0


async def due(db: Database) -> int:
    """Outbox rows due now by the test's clock."""
    async with db.read() as s:
        return int(await s.scalar(select(func.count()).select_from(OutboxRow).where(
            OutboxRow.status == OutboxStatus.PENDING.value, OutboxRow.available_at <= db.clock.now())) or 0)


def dispatcher(db: Database, config: notify.NotifyConfig = CONFIG) -> Dispatcher:
    subscribers = Subscribers()
    notify.register(subscribers, config)
    return SettlingDispatcher(db, Translator.load(), Transports(DryRunTransport()), subscribers)


async def sent_to(db: Database, org: OrgId, client_id: int, key_prefix: str = "notify.") -> list[Sent]:
    """Messages sent (by the dry run) to the client whose key starts with ``key_prefix``, oldest first."""
    async with db.read() as s:
        phone = (await s.execute(select(Client.phone).where(Client.id == client_id))).scalar_one()
        rows = (await s.scalars(select(OutboxRow).where(
            OutboxRow.organization_id == org, OutboxRow.kind == OutboxKind.MESSAGE.value,
            OutboxRow.recipient == phone, OutboxRow.topic.startswith(key_prefix),
        ).order_by(OutboxRow.id))).all()
    return [Sent(r.topic, str(r.channel), str(r.recipient), str(r.locale), r.rendered_text or "",
                 dict(cast(dict[str, object], r.payload.get("params") or {})),
                 [str(c["id"]) for c in cast(list[dict[str, object]], r.payload.get("choices") or [])])
            for r in rows if r.status == "sent"]

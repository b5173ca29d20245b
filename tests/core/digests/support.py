"""Reading the digests a test queued, as their readers will see them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from garagebot.core.enums import OutboxKind
from garagebot.core.i18n import FSI, PDI
from garagebot.core.ids import OrgId
from garagebot.core.models import OutboxRow
from garagebot.core.uow import Database
from tests.conversations.chat import translator


@dataclass(frozen=True)
class Queued:
    key: str
    recipient: str
    locale: str
    text: str
    choices: tuple[str, ...]
    media: tuple[str, ...]
    available_at: object


async def queued_digests(db: Database, org: OrgId) -> list[Queued]:
    """The garage's queued digest messages, oldest first, rendered (``plain``)."""
    async with db.read() as s:
        rows = (await s.scalars(select(OutboxRow).where(
            OutboxRow.organization_id == org, OutboxRow.kind == OutboxKind.MESSAGE.value,
            OutboxRow.topic.in_(["digests.daily", "digests.weekly"])).order_by(OutboxRow.id))).all()
    out = []
    for row in rows:
        payload = row.payload
        params, choices, media = payload["params"], payload["choices"], payload["media"]
        assert isinstance(params, dict)
        assert isinstance(choices, list)
        assert isinstance(media, list)
        text = translator().render(row.locale or "en", str(payload["key"]), params)
        out.append(Queued(str(payload["key"]), row.recipient or "", row.locale or "", plain(text),
                          tuple(str(c["id"]) for c in choices), tuple(str(m) for m in media),
                          row.available_at))
    return out


def plain(text: str) -> str:
    """Bidi isolates removed, no-break spaces as spaces."""
    return text.replace(FSI, "").replace(PDI, "").replace("\xa0", " ")

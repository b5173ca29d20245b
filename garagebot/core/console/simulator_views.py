"""What the console's chat simulator shows: a member of staff's chat (what
was typed in the simulator, and every message queued to their Telegram chat,
edits included) and the garage's latest outgoing messages to anyone."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.core.enums import OutboxKind
from garagebot.core.ids import OrgId
from garagebot.core.models import Client, InboundEvent, OutboxRow, User

PROVIDER = "console"


@dataclass(frozen=True, slots=True)
class ChatLine:
    """One line of a chat: typed by the member (``mine``), or a message to them
    (key, params and choices of the outbox payload), or to someone else."""

    mine: bool
    at: dt.datetime
    text: str = ""
    key: str = ""
    params: dict[str, object] | None = None
    choices: tuple[tuple[str, str, dict[str, object]], ...] = ()
    recipient: str = ""
    channel: str = ""


def _line(row: OutboxRow) -> ChatLine:
    p = row.payload
    choices = tuple((str(c.get("id")), str(c.get("key")), dict(c.get("params") or {}))
                    for c in p.get("choices") or [] if isinstance(c, dict))  # type: ignore[attr-defined]
    return ChatLine(False, row.created_at, key=str(p.get("key") or row.topic),
                    params=dict(p.get("params") or {}), choices=choices,  # type: ignore[call-overload]
                    recipient=row.recipient or "", channel=row.channel or "")


async def staff_chat(session: AsyncSession, org_id: OrgId, telegram_id: str, *,
                     limit: int = 60) -> list[ChatLine]:
    """The member's chat, oldest first: their typed lines and the messages to them."""
    typed = (await session.scalars(select(InboundEvent).where(
        InboundEvent.organization_id == org_id, InboundEvent.provider == PROVIDER,
        InboundEvent.payload["sender"].as_string() == telegram_id)
        .order_by(InboundEvent.id.desc()).limit(limit))).all()
    sent = (await session.scalars(select(OutboxRow).where(
        OutboxRow.organization_id == org_id, OutboxRow.kind == OutboxKind.MESSAGE.value,
        or_(OutboxRow.recipient == telegram_id, OutboxRow.recipient.startswith(f"edit:{telegram_id}:")))
        .order_by(OutboxRow.id.desc()).limit(limit))).all()
    lines = [ChatLine(True, e.received_at, text=str(e.payload.get("text") or "")) for e in typed]
    lines += [_line(r) for r in sent]
    return sorted(lines, key=lambda line: (line.at, not line.mine))[-limit:]


async def latest_messages(session: AsyncSession, org_id: OrgId, *, limit: int = 20) -> list[ChatLine]:
    """The garage's latest outgoing messages to anyone (the dry-run outbox),
    newest first, each recipient named (a member of staff or a client)."""
    rows = (await session.scalars(select(OutboxRow).where(
        OutboxRow.organization_id == org_id, OutboxRow.kind == OutboxKind.MESSAGE.value)
        .order_by(OutboxRow.id.desc()).limit(limit))).all()
    lines = [_line(r) for r in rows]
    addresses = {_address(line.recipient) for line in lines}
    chats = [int(a) for a in addresses if a.isdigit()]
    staff = await session.execute(select(User.telegram_user_id, User.name).where(
        User.organization_id == org_id, User.telegram_user_id.in_(chats)))
    names = {str(tg): name for tg, name in staff.all()}
    names |= {phone: name for phone, name in (await session.execute(select(Client.phone, Client.name).where(
        Client.organization_id == org_id, Client.phone.in_(addresses)))).tuples().all() if name}
    return [replace(line, recipient=names.get(_address(line.recipient), line.recipient)) for line in lines]


def _address(recipient: str) -> str:
    """The chat or phone of a recipient (an edit is "edit:<chat>:<message id>")."""
    return recipient.removeprefix("edit:").split(":", 1)[0]

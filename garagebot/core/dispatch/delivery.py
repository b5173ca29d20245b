"""Provider status callbacks: a sent message's status only moves forward
(sent → delivered → read, or failed). One conditional UPDATE, so callbacks
arriving out of order or twice cannot move a message back."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import CursorResult, select, update

from garagebot.core.enums import Channel, OutboxKind, OutboxStatus
from garagebot.core.models import OutboxRow
from garagebot.core.uow import Database


class DeliveryUpdate(StrEnum):
    APPLIED = "applied"
    STALE = "stale"  # the message is already at or past that status
    UNKNOWN = "unknown"  # no message with that provider id


# The transition table of a sent message: target status → statuses it may come from.
FORWARD_FROM: Mapping[OutboxStatus, frozenset[OutboxStatus]] = {
    OutboxStatus.SENT: frozenset({OutboxStatus.PENDING}),
    OutboxStatus.DELIVERED: frozenset({OutboxStatus.PENDING, OutboxStatus.SENT}),
    OutboxStatus.READ: frozenset({OutboxStatus.PENDING, OutboxStatus.SENT, OutboxStatus.DELIVERED}),
    OutboxStatus.FAILED: frozenset({OutboxStatus.PENDING, OutboxStatus.SENT}),
}


async def record_delivery_status(
    db: Database,
    provider_message_id: str,
    status: OutboxStatus,
    error_code: str | None = None,
    *,
    channel: Channel | None = None,
) -> DeliveryUpdate:
    """Apply a provider's status callback to the message it sent, forward only.

    ``channel`` narrows the lookup where provider ids are only unique per channel.
    """
    sources = FORWARD_FROM.get(status)
    if sources is None:
        raise ValueError(f"{status} is not a delivery status")
    match = [OutboxRow.provider_message_id == provider_message_id,
             OutboxRow.kind == OutboxKind.MESSAGE.value]
    if channel is not None:
        match.append(OutboxRow.channel == channel.value)
    values: dict[str, object] = {"status": status.value}
    if status is OutboxStatus.FAILED:
        values["error"] = f"provider status failed ({error_code or 'no code'})"
    async with db.raw_transaction() as session:
        result = await session.execute(
            update(OutboxRow)
            .where(*match, OutboxRow.status.in_([s.value for s in sources]))
            .values(**values)
        )
        if cast(CursorResult[Any], result).rowcount > 0:
            return DeliveryUpdate.APPLIED
        exists = (await session.execute(select(OutboxRow.id).where(*match).limit(1))).first()
    return DeliveryUpdate.STALE if exists else DeliveryUpdate.UNKNOWN

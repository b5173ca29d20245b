"""Append-only, hash-chained audit log per garage.

Each entry's hash is SHA-256 over the previous hash and a canonical JSON of
the entry, so changing, removing or reordering any entry breaks every later
link. ``verify_chain`` finds the first broken link.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.core.actor import Actor
from garagebot.core.jsonable import JsonValue, to_json_object
from garagebot.core.models import AuditChain, AuditEntry

GENESIS = "0" * 64


def entry_hash(
    prev_hash: str,
    *,
    organization_id: int,
    seq: int,
    actor_kind: str,
    actor_id: int | None,
    channel: str,
    entity: str,
    entity_id: str,
    action: str,
    before: object,
    after: object,
    at: dt.datetime,
) -> str:
    body = json.dumps(
        [organization_id, seq, actor_kind, actor_id, channel, entity, entity_id, action,
         before, after, at.astimezone(dt.UTC).isoformat()],
        sort_keys=True, separators=(",", ":"), ensure_ascii=False,
    )
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


async def start_chain(session: AsyncSession, organization_id: int) -> None:
    session.add(AuditChain(organization_id=organization_id, last_seq=0, last_hash=GENESIS))
    await session.flush()


async def append(
    session: AsyncSession,
    actor: Actor,
    *,
    entity: str,
    entity_id: object,
    action: str,
    before: Mapping[str, object] | None,
    after: Mapping[str, object] | None,
    at: dt.datetime,
) -> AuditEntry:
    """Append one entry. The UPDATE of the chain head row-locks it until commit."""
    row = (
        await session.execute(
            update(AuditChain)
            .where(AuditChain.organization_id == actor.org_id)
            .values(last_seq=AuditChain.last_seq + 1)
            .returning(AuditChain.last_seq, AuditChain.last_hash)
        )
    ).one()
    seq, prev = int(row[0]), str(row[1])
    before_j: dict[str, JsonValue] | None = to_json_object(before)
    after_j: dict[str, JsonValue] | None = to_json_object(after)
    fields = dict(
        organization_id=int(actor.org_id), seq=seq, actor_kind=actor.kind.value,
        actor_id=actor.id, channel=actor.channel.value, entity=entity,
        entity_id=str(entity_id), action=action, before=before_j, after=after_j, at=at,
    )
    digest = entry_hash(prev, **fields)  # type: ignore[arg-type]
    entry = AuditEntry(**fields, prev_hash=prev, hash=digest)
    session.add(entry)
    await session.execute(
        update(AuditChain).where(AuditChain.organization_id == actor.org_id).values(last_hash=digest)
    )
    return entry


@dataclass(frozen=True, slots=True)
class ChainBreak:
    seq: int
    reason: str


async def verify_chain(session: AsyncSession, organization_id: int) -> ChainBreak | None:
    """Walk the garage's chain in order; return the first broken link, or None."""
    prev = GENESIS
    expected_seq = 1
    result = await session.stream_scalars(
        select(AuditEntry)
        .where(AuditEntry.organization_id == organization_id)
        .order_by(AuditEntry.seq)
        .execution_options(yield_per=1000)
    )
    async for e in result:
        if e.seq != expected_seq:
            return ChainBreak(expected_seq, "missing")
        if e.prev_hash != prev:
            return ChainBreak(e.seq, "prev_hash")
        recomputed = entry_hash(
            prev, organization_id=e.organization_id, seq=e.seq, actor_kind=e.actor_kind,
            actor_id=e.actor_id, channel=e.channel, entity=e.entity, entity_id=e.entity_id,
            action=e.action, before=e.before, after=e.after, at=e.at,
        )
        if recomputed != e.hash:
            return ChainBreak(e.seq, "hash")
        prev = e.hash
        expected_seq += 1
    head = await session.get(AuditChain, organization_id)
    if head is not None and (head.last_seq != expected_seq - 1 or head.last_hash != prev):
        return ChainBreak(expected_seq, "truncated")
    return None

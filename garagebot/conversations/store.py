"""Persistence of the engine: inbound deliveries and conversation state.

Both use Core statements rather than ORM objects, so a retried step always
reads what is committed (no stale identity-map copy survives a rolled-back
savepoint). Conversation saves are optimistic: ``UPDATE … WHERE version = :v``
changes no row when another process saved first, and the caller retries.

On PostgreSQL each of them is one statement for a whole group of chats
(``*_many``, the engines' group commit); the one-message functions run
those statements with one row.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.conversations.types import Inbound
from garagebot.core import pgraw
from garagebot.core.jsonable import JsonValue
from garagebot.core.models import Conversation, InboundEvent


def _insert(session: AsyncSession) -> Any:
    """The dialect's INSERT, which has ``on_conflict_do_nothing`` on both engines."""
    return postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert


def _plain(payload: Mapping[str, object]) -> dict[str, object]:
    """The raw delivery as plain JSON (providers' floats included)."""
    return cast(dict[str, object], json.loads(json.dumps(payload, default=str)))


async def record_inbound(session: AsyncSession, msg: Inbound, org_id: int | None, *,
                         processed_at: dt.datetime | None = None) -> int | None:
    """Record the delivery; its id, or None when (provider, event id) was seen before.
    ``processed_at``: record it as processed already, for a caller whose
    processing commits in the same transaction (one UPDATE fewer).

    On PostgreSQL a concurrent second delivery waits on the first one's unique
    key and then does nothing; on SQLite writers are serialised anyway."""
    raw = await pgraw.driver(session)
    if raw is not None:
        return (await record_inbound_many(raw, [(msg, org_id)], processed_at=processed_at))[0]
    stmt = (
        _insert(session)(InboundEvent)
        .values(provider=msg.provider, event_id=msg.event_id, organization_id=org_id,
                payload=_plain(msg.payload), received_at=msg.received_at, processed_at=processed_at)
        .on_conflict_do_nothing(index_elements=["provider", "event_id"])
        .returning(InboundEvent.id)
    )
    return cast(int | None, await session.scalar(stmt))


async def mark_processed(session: AsyncSession, event_row_id: int, now: dt.datetime) -> None:
    raw = await pgraw.driver(session)
    if raw is not None:
        await raw.execute("UPDATE inbound_event SET processed_at = $2 WHERE id = $1", event_row_id, now)
        return
    await session.execute(
        update(InboundEvent).where(InboundEvent.id == event_row_id).values(processed_at=now)
    )


@dataclass(frozen=True, slots=True)
class ConversationState:
    """A conversation as loaded: where the chat is, with the version to check on save."""

    id: int
    flow: str
    state: str
    data: Mapping[str, JsonValue]
    version: int
    updated_at: dt.datetime


def _state(row: Sequence[Any]) -> ConversationState:
    """A ConversationState from the columns of ``_COLUMNS`` (in that order)."""
    return ConversationState(int(row[0]), str(row[1]), str(row[2]),
                             cast(Mapping[str, JsonValue], row[3] or {}), int(row[4]), row[5])


_COLUMNS = (Conversation.id, Conversation.flow, Conversation.state, Conversation.data,
            Conversation.version, Conversation.updated_at)


async def load_or_create(
    session: AsyncSession, org_id: int, channel: str, address: str, *,
    flow: str, state: str, now: dt.datetime,
) -> ConversationState:
    """The chat's conversation, created at (``flow``, ``state``) when new."""
    raw = await pgraw.driver(session)
    if raw is not None:
        return (await load_or_create_many(raw, [(org_id, channel, address)], flow=flow, state=state,
                                          now=now))[0]
    where = (Conversation.organization_id == org_id, Conversation.channel == channel,
             Conversation.address == address)
    row = (await session.execute(select(*_COLUMNS).where(*where))).first()
    if row is None:
        await session.execute(
            _insert(session)(Conversation)
            .values(organization_id=org_id, channel=channel, address=address, flow=flow,
                    state=state, data={}, version=0, updated_at=now)
            .on_conflict_do_nothing(index_elements=["organization_id", "channel", "address"])
        )
        row = (await session.execute(select(*_COLUMNS).where(*where))).one()
    return _state(row)


async def save(
    session: AsyncSession, loaded: ConversationState, *,
    flow: str, state: str, data: Mapping[str, JsonValue], now: dt.datetime,
) -> bool:
    """Store the new state if nobody saved since ``loaded`` was read; False otherwise."""
    raw = await pgraw.driver(session)
    if raw is not None:
        return not await save_many(raw, [NewState(loaded, flow, state, data)], now)
    result = await session.execute(
        update(Conversation)
        .where(Conversation.id == loaded.id, Conversation.version == loaded.version)
        .values(flow=flow, state=state, data=dict(data), version=loaded.version + 1, updated_at=now)
    )
    return cast(CursorResult[Any], result).rowcount == 1


# Group commit (``conversations.groups``), PostgreSQL only: each statement
# below carries the rows of every message of a group, as arrays unnested.
# ``raw`` is the group's asyncpg connection (``core.pgraw.driver``).

_PG_RECORD_MANY = (
    "INSERT INTO inbound_event (provider, event_id, organization_id, payload, received_at, processed_at) "
    "SELECT t.p, t.e, t.o, t.pl::jsonb, t.r, $6 "
    "FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::timestamptz[]) AS t(p, e, o, pl, r) "
    "ON CONFLICT (provider, event_id) DO NOTHING RETURNING provider, event_id, id")


async def record_inbound_many(raw: Any, items: Sequence[tuple[Inbound, int | None]], *,
                              processed_at: dt.datetime | None = None) -> list[int | None]:
    """``record_inbound`` for a group in one statement: for each (message,
    garage) its new row id, or None when it was seen before."""
    rows = await raw.fetch(
        _PG_RECORD_MANY, [m.provider for m, _ in items], [m.event_id for m, _ in items],
        [o for _, o in items], [pgraw.jsonb(m.payload) for m, _ in items],
        [m.received_at for m, _ in items], processed_at)
    new = {(r[0], r[1]): int(r[2]) for r in rows}
    return [new.pop((m.provider, m.event_id), None) for m, _ in items]  # a repeat in the group: None


_PG_LOAD_MANY = (
    "SELECT t.i, c.id, c.flow, c.state, c.data, c.version, c.updated_at "
    "FROM unnest($1::bigint[], $2::text[], $3::text[]) WITH ORDINALITY AS t(o, ch, a, i) "
    "JOIN conversation c ON c.organization_id = t.o AND c.channel = t.ch AND c.address = t.a")
_PG_CREATE_MANY = (
    "INSERT INTO conversation (organization_id, channel, address, flow, state, data, version, updated_at) "
    "SELECT t.o, t.ch, t.a, $4, $5, '{}'::jsonb, 0, $6 "
    "FROM unnest($1::bigint[], $2::text[], $3::text[]) AS t(o, ch, a) "
    "ON CONFLICT (organization_id, channel, address) DO NOTHING")


async def load_or_create_many(raw: Any, chats: Sequence[tuple[int, str, str]], *, flow: str, state: str,
                              now: dt.datetime) -> list[ConversationState]:
    """``load_or_create`` for a group of distinct (garage, channel, address)."""
    found = await _load_many(raw, chats)
    missing = [c for i, c in enumerate(chats) if i not in found]
    if missing:
        await raw.execute(_PG_CREATE_MANY, [c[0] for c in missing], [c[1] for c in missing],
                          [c[2] for c in missing], flow, state, now)
        found = await _load_many(raw, chats)
    return [found[i] for i in range(len(chats))]


async def _load_many(raw: Any, chats: Sequence[tuple[int, str, str]]) -> dict[int, ConversationState]:
    rows = await raw.fetch(_PG_LOAD_MANY, [c[0] for c in chats], [c[1] for c in chats],
                           [c[2] for c in chats])
    return {int(r[0]) - 1: _state(tuple(r)[1:]) for r in rows}


_PG_SAVE_MANY = (
    "UPDATE conversation AS c SET flow = t.f, state = t.s, data = t.d::jsonb, version = t.v + 1, "
    "updated_at = $6 "
    "FROM unnest($1::bigint[], $2::integer[], $3::text[], $4::text[], $5::text[]) AS t(id, v, f, s, d) "
    "WHERE c.id = t.id AND c.version = t.v RETURNING c.id")


@dataclass(frozen=True, slots=True)
class NewState:
    """What a turn leaves a chat at, to save over ``loaded``."""

    loaded: ConversationState
    flow: str
    state: str
    data: Mapping[str, JsonValue]


async def save_many(raw: Any, saves: Sequence[NewState], now: dt.datetime) -> list[int]:
    """``save`` for a group of distinct chats; the positions of those someone
    else saved since they were loaded (not saved: the caller rolls the group back)."""
    rows = await raw.fetch(
        _PG_SAVE_MANY, [s.loaded.id for s in saves], [s.loaded.version for s in saves],
        [s.flow for s in saves], [s.state for s in saves], [pgraw.jsonb(dict(s.data)) for s in saves], now)
    saved = {int(r[0]) for r in rows}
    return [i for i, s in enumerate(saves) if s.loaded.id not in saved]

"""The database handle and the unit of work every service runs in.

A unit of work is one transaction: the change, its audit entries and its
outbox rows commit together or not at all. After a commit that wrote outbox
rows, the notifier wakes the dispatcher.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from garagebot.core import audit, numbering, pgraw
from garagebot.core.actor import Actor
from garagebot.core.db import Base, make_engine
from garagebot.core.enums import ActorKind, Channel, OutboxKind, OutboxStatus, Role
from garagebot.core.errors import NotFound, PermissionDenied
from garagebot.core.jsonable import to_json_object
from garagebot.core.models import Organization, OutboxRow, User
from garagebot.core.permissions import Permission, allowed
from garagebot.core.ports import Choice, Clock, OutboxNotifier, SystemClock

M = TypeVar("M", bound=Base)


class Database:
    """Engines and session factories. SQLite gets a second engine for reads so
    readers do not take the write lock (``BEGIN IMMEDIATE``) that writers take."""

    def __init__(
        self,
        url: str,
        *,
        clock: Clock | None = None,
        notifier: OutboxNotifier | None = None,
        pool_size: int = 10,
        max_overflow: int | None = None,
    ) -> None:
        self.url = url
        self.clock: Clock = clock or SystemClock()
        self.notifier = notifier
        self.engine: AsyncEngine = make_engine(url, pool_size=pool_size, max_overflow=max_overflow)
        self.dialect = self.engine.dialect.name
        self._writer = async_sessionmaker(self.engine, expire_on_commit=False)
        if self.dialect == "sqlite":
            from sqlalchemy.ext.asyncio import create_async_engine

            self.read_engine = create_async_engine(url)
        else:
            self.read_engine = self.engine
        self._reader = async_sessionmaker(self.read_engine, expire_on_commit=False)
        # Lookups on PostgreSQL: same pool, no transaction (no BEGIN / ROLLBACK round trips).
        self._lookup = (self._reader if self.dialect == "sqlite" else async_sessionmaker(
            self.engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False))

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self.read_engine is not self.engine:
            await self.read_engine.dispose()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for queries only; nothing it does is committed."""
        async with self._reader() as session:
            yield session

    @asynccontextmanager
    async def lookup(self) -> AsyncIterator[AsyncSession]:
        """A session for a single-statement read on a hot path (who sent this
        message, which garage has that number). On PostgreSQL it runs without a
        transaction, which saves BEGIN and ROLLBACK: never write or stream in it,
        and use ``read()`` when several statements must agree."""
        async with self._lookup() as session:
            yield session

    @asynccontextmanager
    async def autocommit(self) -> AsyncIterator[AsyncSession]:
        """A session whose every statement commits by itself, for a hot-path
        write that is a single statement (recording a delivery before it is
        processed): on PostgreSQL no BEGIN / COMMIT round trips; on SQLite a
        write transaction (``raw_transaction``)."""
        if self.dialect == "sqlite":
            async with self.raw_transaction() as session:
                yield session
        else:
            async with self._lookup() as session:
                yield session

    @asynccontextmanager
    async def raw_transaction(self) -> AsyncIterator[AsyncSession]:
        """A bare write transaction (no actor): migrations of data, the
        dispatcher's bookkeeping, inbound-event recording."""
        async with self._writer() as session, session.begin():
            yield session

    @asynccontextmanager
    async def unit_of_work(self, actor: Actor) -> AsyncIterator[UnitOfWork]:
        async with self.shared_transaction() as shared:
            yield shared.unit_of_work(actor)

    @asynccontextmanager
    async def shared_transaction(self) -> AsyncIterator[SharedTransaction]:
        """One transaction for several units of work, each on behalf of its own
        actor (the chat engines' group commit, ``conversations.groups``): they
        commit together or not at all, in one COMMIT."""
        async with self._writer() as session, session.begin():
            shared = SharedTransaction(session, self.clock.now())
            yield shared
            await write_outbox(session)
        if shared.outbox_written and self.notifier is not None:
            await self.notifier.outbox_written()


class SharedTransaction:
    """The transaction of ``Database.shared_transaction``; ``now`` is its time."""

    def __init__(self, session: AsyncSession, now: dt.datetime) -> None:
        self.session = session
        self.now = now
        self._units: list[UnitOfWork] = []

    def unit_of_work(self, actor: Actor) -> UnitOfWork:
        uow = UnitOfWork(self.session, actor, self.now)
        self._units.append(uow)
        return uow

    @property
    def outbox_written(self) -> bool:
        return any(u.outbox_written for u in self._units)


class UnitOfWork:
    """One transaction on behalf of ``actor``; every query is scoped to its garage."""

    def __init__(self, session: AsyncSession, actor: Actor, now: dt.datetime) -> None:
        self.session = session
        self.actor = actor
        self.now = now
        self.outbox_written = False
        self._user: User | None = None

    @property
    def org_id(self) -> int:
        return int(self.actor.org_id)

    async def organization(self) -> Organization:
        org = await self.session.get(Organization, self.org_id)
        if org is None:
            raise NotFound("error.garage_not_found")
        return org

    async def get(self, model: type[M], id_: int, *, lock: bool = False) -> M:
        """Load a row of the actor's garage, or raise NotFound (also for another garage's row)."""
        stmt = select(model).where(
            model.id == id_,  # type: ignore[attr-defined]
            model.organization_id == self.org_id,  # type: ignore[attr-defined]
        )
        if lock:
            stmt = stmt.with_for_update()
        row = (await self.session.execute(stmt)).scalar_one_or_none()
        if row is None:
            raise NotFound("error.not_found", entity=model.__tablename__, id=id_)
        return row

    async def user(self) -> User:
        """The acting staff member, checked to be active and of this garage."""
        if self._user is not None:
            return self._user
        if self.actor.kind is not ActorKind.USER or self.actor.id is None:
            raise PermissionDenied("error.staff_only")
        user = await self.session.get(User, self.actor.id)
        if user is None or user.organization_id != self.org_id or not user.active:
            raise PermissionDenied("error.staff_only")
        self._user = user
        return user

    async def require(self, permission: Permission) -> User | None:
        """Check the actor may do ``permission``. System actors may do anything;
        clients never pass this check (client actions have their own services)."""
        if self.actor.kind is ActorKind.SYSTEM:
            return None
        user = await self.user()
        if not allowed(Role(user.role), permission):
            raise PermissionDenied("error.permission_denied", permission=permission.value)
        return user

    async def audit(
        self,
        entity: str,
        entity_id: object,
        action: str,
        *,
        before: Mapping[str, object] | None = None,
        after: Mapping[str, object] | None = None,
    ) -> None:
        await audit.append(
            self.session, self.actor, entity=entity, entity_id=entity_id, action=action,
            before=before, after=after, at=self.now,
        )

    async def next_number(self, kind: str, period: str) -> int:
        return await numbering.next_value(self.session, self.org_id, kind, period)

    def emit(self, topic: str, payload: Mapping[str, object]) -> OutboxRow:
        """Record a domain event for the dispatcher's subscribers."""
        return self._outbox(OutboxKind.EVENT, topic, None, None, None, dict(payload))

    def send(
        self,
        channel: Channel,
        recipient: str,
        locale: str,
        key: str,
        params: Mapping[str, object] | None = None,
        choices: Sequence[Choice] = (),
        media_keys: Sequence[str] = (),
    ) -> OutboxRow:
        """Queue a message (a key and parameters, rendered at send time for ``locale``)."""
        payload = _message_payload(key, params, choices, media_keys)
        return self._outbox(OutboxKind.MESSAGE, key, channel, recipient, locale, payload)

    def reply(
        self,
        channel: Channel,
        recipient: str,
        locale: str,
        key: str,
        params: Mapping[str, object] | None = None,
        choices: Sequence[Choice] = (),
        media_keys: Sequence[str] = (),
    ) -> None:
        """``send`` for the chat engines' replies, which need no row back: on
        PostgreSQL no ORM object is made, the row goes straight into the
        commit's one outbox INSERT (``write_outbox``); elsewhere it is ``send``."""
        if self.session.bind.dialect.name != "postgresql":
            self.send(channel, recipient, locale, key, params, choices, media_keys)
            return
        payload = to_json_object(_message_payload(key, params, choices, media_keys)) or {}
        self.session.info.setdefault(_OUTBOX_ROWS, []).append((
            self.org_id, OutboxKind.MESSAGE.value, key, channel.value, recipient, locale,
            pgraw.jsonb(payload), OutboxStatus.PENDING.value, 0, self.now, self.now, self.priority))
        self.outbox_written = True

    @property
    def priority(self) -> int:
        """The outbox priority of what this unit queues: a person's action (a
        client who wrote, a staff member) goes ahead of the system's bulk notices."""
        return 1 if self.actor.kind is ActorKind.SYSTEM else 0

    def _outbox(
        self,
        kind: OutboxKind,
        topic: str,
        channel: Channel | None,
        recipient: str | None,
        locale: str | None,
        payload: dict[str, Any],
    ) -> OutboxRow:
        row = OutboxRow(
            organization_id=self.org_id, kind=kind.value, topic=topic,
            channel=channel.value if channel else None, recipient=recipient, locale=locale,
            payload=to_json_object(payload) or {}, status=OutboxStatus.PENDING.value,
            attempts=0, available_at=self.now, created_at=self.now,
            priority=self.priority if kind is OutboxKind.MESSAGE else 0,  # events keep their order
        )
        self.session.add(row)
        self.session.info.setdefault(_OUTBOX, []).append(row)
        self.outbox_written = True
        return row


def _message_payload(key: str, params: Mapping[str, object] | None, choices: Sequence[Choice],
                     media_keys: Sequence[str]) -> dict[str, Any]:
    return {
        "key": key,
        "params": dict(params or {}),
        "choices": [{"id": c.id, "key": c.key, "params": dict(c.params)} for c in choices],
        "media": list(media_keys),
    }


_OUTBOX = "garagebot.outbox"
_OUTBOX_ROWS = "garagebot.outbox_rows"  # UnitOfWork.reply's rows, as the INSERT's parameters
_PG_OUTBOX = (
    "INSERT INTO outbox (organization_id, kind, topic, channel, recipient, locale, payload, status, "
    "attempts, available_at, created_at, priority) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)")


async def write_outbox(session: AsyncSession) -> None:
    """Before the commit: on PostgreSQL, insert the outbox rows still pending in
    the session in one raw round trip (``core.pgraw``) instead of the ORM's
    flush, as every chat message writes its replies. Rows already flushed (a
    caller that needed the row's id flushed) are in; elsewhere the commit's
    flush writes them."""
    queued: list[OutboxRow] = session.info.pop(_OUTBOX, [])
    replies: list[tuple[Any, ...]] = session.info.pop(_OUTBOX_ROWS, [])
    raw = await pgraw.driver(session) if queued or replies else None
    if raw is None:
        return
    rows = [r for r in queued if r in session.new]
    for r in rows:
        session.expunge(r)
    params = [(r.organization_id, r.kind, r.topic, r.channel, r.recipient, r.locale, pgraw.jsonb(r.payload),
               r.status, r.attempts, r.available_at, r.created_at, r.priority) for r in rows]
    if params or replies:
        await raw.executemany(_PG_OUTBOX, params + replies)

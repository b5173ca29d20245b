"""The client conversation engine: one WhatsApp/SMS message → one turn → replies in the outbox.

``ClientEngine.handle(garage, msg)``:

1. **Persist first**: the delivery is recorded in its own commit
   (``inbound_event``, unique on provider and message id). A redelivery of
   a message already processed stops there.
2. **Process once**: one unit of work (as the client, or as a *contact* for a
   number the garage does not know: never as the system, so every
   permission and ownership check of the core applies) claims the event (``processed_at`` set
   by a conditional UPDATE, so two deliveries racing cannot both run it),
   records the contact time (the WhatsApp 24-hour window), applies STOP /
   START, runs one turn of the conversation with the version check, and
   queues the replies in the client's language. If processing fails nothing
   of it is committed and the event stays unprocessed, so the provider's
   redelivery runs it.

No savepoints on that path (two round trips each, on every message): when an
attempt cannot commit as it is, the unit of work is rolled back and run again
(a bounded number of times): after a version conflict on the fresh state;
after a refusal (DomainError) with the refusal as the answer, its writes gone;
after a failure with an apology, the message forwarded to staff.

On PostgreSQL ``handle`` goes through group commit (``conversations.groups``):
the deliveries waiting at one moment are recorded in one statement that
commits by itself, then processed together in one transaction
(``_group_attempt``); a delivery the group cannot commit runs alone as
above (``handle_alone``).

An opted-out client gets nothing but the confirmation of STOP or START;
what they write is still forwarded to staff (never dropped).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.conversations import store
from garagebot.conversations.client import threads
from garagebot.conversations.client.dialog import run_turn
from garagebot.conversations.client.intents import language_of
from garagebot.conversations.client.types import (
    CLIENT_FLOW,
    ClientCtx,
    ClientServices,
    ClientState,
    ClientStep,
)
from garagebot.conversations.engine import Rerun, until_committed
from garagebot.conversations.groups import (
    GroupCommit,
    GroupConfig,
    GroupConflict,
    TurnRerun,
    commit_or_split,
)
from garagebot.conversations.text import parse_int
from garagebot.conversations.types import Handled, Inbound, Outcome, Reply
from garagebot.core import pgraw
from garagebot.core.actor import Actor
from garagebot.core.client_threads import forward_to_staff
from garagebot.core.clientlookup import (
    ClientContact,
    ClientVisit,
    Garage,
    client_by_phone,
    clients_by_phone,
    current_visit,
    current_visits,
)
from garagebot.core.consent import (
    OPTED_IN_KEY,
    OPTED_OUT_KEY,
    ConsentChange,
    consent_keyword,
    set_client_locale,
    set_messaging_consent,
)
from garagebot.core.errors import DomainError
from garagebot.core.jsonable import JsonValue
from garagebot.core.messaging import touch_contact, touch_contacts
from garagebot.core.models import InboundEvent
from garagebot.core.uow import Database, UnitOfWork

log = logging.getLogger(__name__)

_INTAKE = frozenset({ClientState.INTAKE_NAME, ClientState.INTAKE_PLATE, ClientState.INTAKE_COMPLAINT,
                     ClientState.INTAKE_TIME})


@dataclass(frozen=True, slots=True)
class ClientEngineConfig:
    """Providers that show real buttons (others get numbered options), how
    long a question waits for its answer, how long typed numbers pick the
    last offered options, and how often a lost version race is rerun."""

    button_providers: frozenset[str] = frozenset({"meta"})
    idle_reset: dt.timedelta = dt.timedelta(hours=24)
    offer_ttl: dt.timedelta = dt.timedelta(minutes=30)
    max_attempts: int = 8
    # Group commit (``conversations.groups``), PostgreSQL only; None: a transaction per message.
    groups: GroupConfig | None = field(default_factory=GroupConfig)


@dataclass(frozen=True, slots=True)
class _Turn:
    replies: tuple[Reply, ...]
    state: ClientState
    data: dict[str, JsonValue]
    locale: str


@dataclass(frozen=True, slots=True)
class _Read:
    """What a group read for a turn before the turns ran (one statement for all)."""

    visit: ClientVisit | None


@dataclass(frozen=True, slots=True)
class _Replay:
    """What a rolled-back attempt learned, for the rerun at the same version:
    the refusal to answer with, or (None) that the turn failed."""

    version: int
    step: ClientStep | None


@dataclass
class ClientEngine:
    db: Database
    services: ClientServices
    config: ClientEngineConfig = field(default_factory=ClientEngineConfig)
    groups: GroupCommit[tuple[Garage, Inbound], Handled] | None = field(init=False, default=None, repr=False)

    def __post_init__(self) -> None:
        if self.config.groups is not None and self.db.dialect == "postgresql":
            self.groups = GroupCommit(self._run_group, _chat_key, self.config.groups)

    async def handle(self, garage: Garage, msg: Inbound) -> Handled:
        """Process one delivery exactly once (see the module docstring)."""
        if self.groups is not None:
            return await self.groups.submit((garage, msg))
        return await self.handle_alone(garage, msg)

    async def handle_alone(self, garage: Garage, msg: Inbound, replay: _Replay | None = None) -> Handled:
        """``handle`` in transactions of its own; ``replay``: what a group's
        attempt at it learned (a refusal, a failure)."""
        async with self.db.autocommit() as session:  # each statement commits by itself
            event_id = await self._record(session, garage, msg)
            if event_id is None:
                return Handled(Outcome.DUPLICATE)
            client = await client_by_phone(session, garage.id, msg.sender)
        actor = _actor(garage, client, msg)
        return await until_committed(
            lambda replay: self._attempt(actor, garage, client, msg, event_id, replay),
            self.config.max_attempts, f"{msg.channel}:{msg.sender}", first=replay)

    async def _run_group(self, items: Sequence[tuple[Garage, Inbound]]) -> list[Handled | BaseException]:
        """A group (``conversations.groups``): its deliveries recorded in one
        statement that commits by itself (persist first), then processed in
        one transaction (``_group_attempt``). A delivery seen before runs
        alone (its own path knows whether it was processed), and
        ``groups.commit_or_split`` says what happens when a group cannot commit."""
        try:
            async with self.db.autocommit() as session:  # each statement commits by itself
                raw = await pgraw.driver(session)
                if raw is None:
                    raise RuntimeError("group commit needs PostgreSQL")
                ids = await store.record_inbound_many(raw, [(m, g.id) for g, m in items])
                clients = await clients_by_phone(raw, [(g.id, m.sender) for g, m in items])
        except Exception:  # logged; each delivery then goes its own way, and fails there if it must
            log.warning("recording a group of %d deliveries failed; recording each alone", len(items),
                        exc_info=True)
            ids, clients = [None] * len(items), [None] * len(items)
        fresh = [p for p, event_id in enumerate(ids) if event_id is not None]
        seen = [p for p, event_id in enumerate(ids) if event_id is None]

        async def attempt(positions: list[int]) -> tuple[dict[int, Handled], list[int]]:
            return await self._group_attempt(items, ids, clients, positions), []

        async def alone(p: int, replay: object) -> Handled:
            return await self.handle_alone(*items[p], replay if isinstance(replay, _Replay) else None)

        results = await commit_or_split(fresh, attempt, alone)
        for p, outcome in zip(seen, await asyncio.gather(*(alone(p, None) for p in seen),
                                                         return_exceptions=True), strict=True):
            results[p] = outcome
        return [results[p] for p in range(len(items))]

    async def _group_attempt(self, items: Sequence[tuple[Garage, Inbound]], ids: Sequence[int | None],
                             clients: Sequence[ClientContact | None],
                             positions: list[int]) -> dict[int, Handled]:
        """What ``_attempt`` does, for the recorded deliveries at ``positions``
        in one transaction: one statement each for the claims, the contact
        times, the chats and their saves; the turns one after another."""
        results: dict[int, Handled] = {}
        async with self.db.shared_transaction() as shared:
            raw = await pgraw.driver(shared.session)
            if raw is None:
                raise RuntimeError("group commit needs PostgreSQL")
            claimed = await _claim_many(raw, [cast(int, ids[p]) for p in positions], shared.now)
            live = []
            for p in positions:
                if ids[p] in claimed:
                    live.append(p)
                else:
                    results[p] = Handled(Outcome.DUPLICATE)  # another delivery of it got there first
            if not live:
                return results
            await touch_contacts(raw, [(items[p][0].id, items[p][1].channel.value, items[p][1].sender,
                                        items[p][1].received_at) for p in live])
            convs = await store.load_or_create_many(
                raw, [(items[p][0].id, items[p][1].channel.value, items[p][1].sender) for p in live],
                flow=CLIENT_FLOW, state=ClientState.MAIN.value, now=shared.now)
            reads = await self._read_ahead(raw, items, clients, live)
            turns: list[tuple[UnitOfWork, _Turn]] = []
            for p, conv in zip(live, convs, strict=True):
                (garage, msg), client = items[p], clients[p]
                uow = shared.unit_of_work(_actor(garage, client, msg))
                try:
                    turns.append((uow, await self._turn(uow, garage, client, msg, conv, None, reads.get(p))))
                except Rerun as rerun:
                    raise TurnRerun(p, rerun.replay) from rerun
            saves = [store.NewState(conv, CLIENT_FLOW, turn.state.value, turn.data)
                     for conv, (_, turn) in zip(convs, turns, strict=True)]
            lost = await store.save_many(raw, saves, shared.now)
            if lost:  # another process saved these chats first
                raise GroupConflict([live[i] for i in lost])
            for p, (uow, turn) in zip(live, turns, strict=True):
                results[p] = _queue(uow, items[p][1], turn)
        return results

    async def _attempt(self, actor: Actor, garage: Garage, client: ClientContact | None, msg: Inbound,
                       event_id: int, replay: _Replay | None) -> Handled:
        async with self.db.unit_of_work(actor) as uow:
            if not await _claim(uow.session, event_id, uow.now):
                return Handled(Outcome.DUPLICATE)
            await touch_contact(uow.session, garage.id, msg.channel.value, msg.sender, msg.received_at)
            conv = await store.load_or_create(
                uow.session, garage.id, msg.channel.value, msg.sender,
                flow=CLIENT_FLOW, state=ClientState.MAIN.value, now=uow.now)
            turn = await self._turn(uow, garage, client, msg, conv, replay)
            if not await store.save(uow.session, conv, flow=CLIENT_FLOW, state=turn.state.value,
                                    data=turn.data, now=uow.now):
                raise Rerun(None)  # another message of the chat was saved first: rerun on its state
            return _queue(uow, msg, turn)

    @staticmethod
    async def _read_ahead(raw: Any, items: Sequence[tuple[Garage, Inbound]],
                          clients: Sequence[ClientContact | None], live: list[int]) -> dict[int, _Read]:
        """The current visit of every client of the group, in one statement. A
        client who wrote on two channels at once (two chats of one group) reads
        it in the turn instead, since the first turn may change it."""
        seen = Counter(c.id for p in live if (c := clients[p]) is not None)
        wanted = [p for p in live if (c := clients[p]) is not None and seen[c.id] == 1]
        if not wanted:
            return {}
        visits = await current_visits(raw, [(items[p][0].id, cast(ClientContact, clients[p]).id)
                                            for p in wanted])
        return {p: _Read(v) for p, v in zip(wanted, visits, strict=True)}

    async def record(self, garage: Garage, msg: Inbound) -> int | None:
        """Commit the delivery (one statement, committed by itself); its row id,
        or None when it was processed before."""
        async with self.db.autocommit() as session:
            return await self._record(session, garage, msg)

    @staticmethod
    async def _record(session: AsyncSession, garage: Garage, msg: Inbound) -> int | None:
        new = await store.record_inbound(session, msg, garage.id)
        if new is not None:
            return new
        row = (await session.execute(
            select(InboundEvent.id, InboundEvent.processed_at)
            .where(InboundEvent.provider == msg.provider, InboundEvent.event_id == msg.event_id)
        )).one()
        return None if row.processed_at is not None else int(row.id)

    async def _turn(self, uow: UnitOfWork, garage: Garage, client: ClientContact | None, msg: Inbound,
                    conv: store.ConversationState, replay: _Replay | None,
                    read: _Read | None = None) -> _Turn:
        """One turn. ``read``: what a group read for it beforehand."""
        state, data = self._position(conv, uow.now)
        locale = await self._locale(uow, garage, client, msg, data, fresh=conv.version == 0)
        data["lang"] = locale
        change = consent_keyword(msg.text, opted_out=client is not None and not client.consent) \
            if msg.text and msg.choice is None else None
        if change is not None:
            return await self._consent(uow, client, change, msg, data, locale)
        if client is None:
            visit = None
        elif read is not None:
            visit = read.visit
        else:
            visit = await current_visit(uow.session, garage.id, client.id)
        if (client is not None and not client.consent) or (client is None and data.get("stopped")):
            ctx = self._ctx(uow, garage, client, msg, state, data, locale, visit)
            await forward_to_staff(uow, threads.message_for_staff(ctx, msg.text, len(msg.media)))
            return _Turn((), ClientState.MAIN, data, locale)
        msg = self._numbered(msg, data, uow.now)
        ctx = self._ctx(uow, garage, client, msg, state, data, locale, visit)
        step = await self._guarded(ctx, conv.version, replay)
        new_data = dict(step.data) if step.data is not None else data
        new_locale = step.locale or locale
        new_data["lang"] = new_locale
        self._remember_offer(step, new_data, uow.now)
        return _Turn(step.replies, step.state or state, new_data, new_locale)

    def _position(
        self, conv: store.ConversationState, now: dt.datetime
    ) -> tuple[ClientState, dict[str, JsonValue]]:
        data = dict(conv.data) if conv.flow == CLIENT_FLOW else {}
        try:
            state = ClientState(conv.state) if conv.flow == CLIENT_FLOW else ClientState.MAIN
        except ValueError:
            state = ClientState.MAIN
        if state is not ClientState.MAIN and now - conv.updated_at > self.config.idle_reset:
            state = ClientState.MAIN
            data.pop("intake", None)
        return state, data

    async def _locale(self, uow: UnitOfWork, garage: Garage, client: ClientContact | None, msg: Inbound,
                      data: dict[str, JsonValue], *, fresh: bool) -> str:
        """The client's language; a new conversation takes it from the first message."""
        locale = client.locale if client is not None else str(data.get("lang") or garage.default_locale)
        detected = language_of(msg.text) if fresh else None
        if detected is not None and detected != locale:
            if client is not None:
                await set_client_locale(uow, client.id, detected)
            locale = detected
        return locale

    async def _consent(self, uow: UnitOfWork, client: ClientContact | None, change: ConsentChange,
                       msg: Inbound, data: dict[str, JsonValue], locale: str) -> _Turn:
        """STOP / START: record it and confirm (the one message an opted-out client gets)."""
        wanted = change is ConsentChange.OPT_IN
        if client is not None:
            await set_messaging_consent(uow, client.id, wanted, keyword=msg.text.strip()[:32])
        data.pop("intake", None)
        data.pop("offer", None)
        if wanted:
            data.pop("stopped", None)
        elif client is None:
            data["stopped"] = True
        key = OPTED_IN_KEY if wanted else OPTED_OUT_KEY
        return _Turn((Reply(key),), ClientState.MAIN, data, locale)

    def _numbered(self, msg: Inbound, data: dict[str, JsonValue], now: dt.datetime) -> Inbound:
        """A typed number picks an option the last reply offered (channels without buttons)."""
        offer, at = data.get("offer"), data.get("offer_at")
        if msg.choice is not None or not isinstance(offer, list) or not isinstance(at, str):
            return msg
        if now - dt.datetime.fromisoformat(at) > self.config.offer_ttl:
            return msg
        n = parse_int(msg.text)
        if n is None or not 1 <= n <= len(offer):
            return msg
        return replace(msg, choice=str(offer[n - 1]), text="")

    @staticmethod
    def _remember_offer(step: ClientStep, data: dict[str, JsonValue], now: dt.datetime) -> None:
        offered = [r for r in step.replies if r.choices]
        if offered and step.numbered_choices:
            data["offer"] = [c.id for c in offered[-1].choices]
            data["offer_at"] = now.isoformat()
        else:
            data.pop("offer", None)
            data.pop("offer_at", None)

    def _ctx(self, uow: UnitOfWork, garage: Garage, client: ClientContact | None, msg: Inbound,
             state: ClientState, data: dict[str, JsonValue], locale: str,
             visit: ClientVisit | None) -> ClientCtx:
        return ClientCtx(uow, msg, garage, client, locale, state, data, visit, self.services,
                         buttons=msg.provider in self.config.button_providers)

    async def _guarded(self, ctx: ClientCtx, version: int, replay: _Replay | None) -> ClientStep:
        """The turn. A refusal (DomainError) or a failure raises ``Rerun``: the
        attempt is rolled back, and its rerun at the same version answers with
        the refusal, or with an apology after forwarding the message to staff."""
        if replay is not None and replay.version == version:
            if replay.step is not None:
                return replay.step
            await forward_to_staff(ctx.uow, threads.message_for_staff(ctx, ctx.msg.text, len(ctx.msg.media)))
            return ClientStep((Reply("client.error_unexpected"),), ClientState.MAIN)
        try:
            return await run_turn(ctx)
        except DomainError as exc:
            refusal = ClientStep((Reply(exc.key, dict(exc.params)),))
            raise Rerun(_Replay(version, refusal)) from exc
        except Exception as exc:  # the engine's one logged catch-all: the message still reaches staff
            log.exception("client turn failed (%s %s)", ctx.msg.provider, ctx.msg.event_id)
            raise Rerun(_Replay(version, None)) from exc


def _actor(garage: Garage, client: ClientContact | None, msg: Inbound) -> Actor:
    """The client, or a contact (``Actor.contact``) for a number the garage
    does not know. Never the system: a chat message is untrusted input, and
    the system actor passes every permission check."""
    return (Actor.client(garage.id, client.id, msg.channel) if client is not None
            else Actor.contact(garage.id, msg.channel))


def _queue(uow: UnitOfWork, msg: Inbound, turn: _Turn) -> Handled:
    """Queue the turn's replies to the sender in the client's language."""
    for r in turn.replies:
        uow.reply(msg.channel, msg.sender, turn.locale, r.key, r.params, r.choices, r.media)
    return Handled(Outcome.HANDLED, turn.replies, turn.locale)


def _chat_key(item: tuple[Garage, Inbound]) -> tuple[int, str, str]:
    garage, msg = item
    return garage.id, msg.channel.value, msg.sender


_PG_CLAIM_MANY = ("UPDATE inbound_event SET processed_at = $2 "
                  "WHERE id = ANY($1::bigint[]) AND processed_at IS NULL RETURNING id")


async def _claim_many(raw: Any, event_ids: Sequence[int], now: dt.datetime) -> set[int]:
    """Mark the events processed; the ids this call claimed (the others another delivery got first)."""
    return {int(r[0]) for r in await raw.fetch(_PG_CLAIM_MANY, list(event_ids), now)}


async def _claim(session: AsyncSession, event_id: int, now: dt.datetime) -> bool:
    """Mark the event processed; False when another delivery got there first."""
    raw = await pgraw.driver(session)
    if raw is not None:  # every message: raw on PostgreSQL (core.pgraw), as for a group
        return await _claim_many(raw, [event_id], now) == {event_id}
    result = await session.execute(
        update(InboundEvent).where(InboundEvent.id == event_id, InboundEvent.processed_at.is_(None))
        .values(processed_at=now)
    )
    return cast(CursorResult[object], result).rowcount == 1

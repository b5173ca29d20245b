"""The conversation engine: one inbound message → one step → replies in the outbox.

``Engine.handle`` resolves the sender, then runs, in one unit of work (one
commit): record the delivery (a duplicate stops there) → load the
conversation → run one turn → save it with a version check → queue the replies
(``uow.send`` in the sender's locale, read after the step so a language change
applies at once). Nothing on that path takes a savepoint (each costs two round
trips on every message): when the attempt cannot commit as it is, the whole
unit of work is rolled back and run again, a bounded number of times:

- a version conflict (another process saved this chat first): again on the
  fresh state;
- a step refused (DomainError): again, with the refusal standing in for the
  step, so its writes are gone and the chat stays where it was;
- the turn failed outright: again, answering with the menu and the reason.

The last two apply only while the chat is still at the version that failed.

On PostgreSQL ``handle`` goes through group commit (``conversations.groups``):
the messages of distinct chats that wait while a group runs are processed
together in one transaction (``_group_attempt``: one statement each for the
senders, the deliveries, the chats, their saves, the locales and the outbox),
and a message the group cannot commit runs alone as above (``handle_alone``).

Outbox contract for edits: on channels that can edit a sent message
(``EngineConfig.editable_channels``), a reply with ``edit_message_id`` is
queued with recipient ``"edit:<provider message id>"``; the channel's
transport edits that message instead of sending a new one.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, cast

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import instance_state

from garagebot.conversations import store
from garagebot.conversations.dialog import (
    MENU_POSITION,
    Dialog,
    DialogConfig,
    Refusal,
    StepRefused,
    Turn,
)
from garagebot.conversations.groups import (
    GroupCommit,
    GroupConfig,
    GroupConflict,
    TurnRerun,
    commit_or_split,
)
from garagebot.conversations.linking import handle_stranger, start_code
from garagebot.conversations.router import MENU_FLOW, MENU_STATE, Registry, StaffMember, Waiting
from garagebot.conversations.types import Handled, Inbound, MediaSources, Outcome, Reply
from garagebot.core import pgraw
from garagebot.core.actor import Actor
from garagebot.core.enums import Channel, Role
from garagebot.core.errors import DomainError
from garagebot.core.ids import OrgId, UserId
from garagebot.core.models import User
from garagebot.core.uow import Database, UnitOfWork

log = logging.getLogger(__name__)

EDIT_PREFIX = "edit:"


@dataclass(frozen=True, slots=True)
class _Replay:
    """What a rolled-back attempt learned, for the next attempt at the same version."""

    version: int
    refusal: Refusal | None = None  # a step refused: reply with it instead of running the step
    failure: Reply | None = None  # the turn failed: the menu and this reason


class Rerun(Exception):
    """Raised inside an attempt: roll it back and run the message again.
    ``replay`` is what the rolled-back attempt learned, handed to the next one
    (None after a lost race: just run again on the fresh state)."""

    def __init__(self, replay: object = None) -> None:
        super().__init__()
        self.replay = replay


class ConversationBusy(Exception):
    """The chat's state kept changing under the step; the delivery should be retried."""


async def until_committed(attempt: Callable[[Any], Awaitable[Handled]], max_attempts: int,
                          chat: str, *, first: object = None) -> Handled:
    """Run ``attempt(replay)`` (each one unit of work) until one finishes
    without ``Rerun``; the first gets ``first``, each next one the last
    ``replay``. Both conversation engines process a message this way."""
    replay: Any = first
    for _ in range(max_attempts):
        try:
            return await attempt(replay)
        except Rerun as rerun:  # rolled back: run again, with what the attempt learned
            replay = rerun.replay
    raise ConversationBusy(chat)


class SenderResolver(Protocol):
    async def resolve_many(self, session: AsyncSession,
                           msgs: Sequence[Inbound]) -> list[StaffMember | None]:
        """The member of staff who sent each message (None: not staff)."""


def staff_member(user: User) -> StaffMember:
    return StaffMember(OrgId(user.organization_id), UserId(user.id), user.name, Role(user.role),
                       user.locale)


_PG_STAFF_MANY = ("SELECT telegram_user_id, organization_id, id, name, role, locale FROM user_account "
                  "WHERE telegram_user_id = ANY($1::bigint[]) AND active")
_PG_LOCALES = "SELECT id, locale FROM user_account WHERE id = ANY($1::bigint[])"


class TelegramStaff:
    """Staff by linked Telegram account (``User.telegram_user_id``), active only."""

    async def resolve_many(self, session: AsyncSession, msgs: Sequence[Inbound]) -> list[StaffMember | None]:
        """The senders of a group (or of one message), in one statement."""
        ids = sorted({int(m.sender) for m in msgs if m.sender.isdigit()})
        found: dict[int, StaffMember] = {}
        raw = await pgraw.driver(session) if ids else None
        if raw is not None:
            found = {int(r[0]): StaffMember(OrgId(r[1]), UserId(r[2]), r[3], Role(r[4]), r[5])
                     for r in await raw.fetch(_PG_STAFF_MANY, ids)}
        elif ids:
            users = await session.scalars(
                select(User).where(User.telegram_user_id.in_(ids), User.active.is_(True)))
            found = {int(u.telegram_user_id or 0): staff_member(u) for u in users}
        return [found.get(int(m.sender)) if m.sender.isdigit() else None for m in msgs]


@dataclass(frozen=True, slots=True)
class EngineConfig:
    dialog: DialogConfig = field(default_factory=DialogConfig)
    max_attempts: int = 8  # each lost race means another message of the chat committed
    # Group commit (``conversations.groups``), PostgreSQL only; None: a transaction per message.
    groups: GroupConfig | None = field(default_factory=GroupConfig)
    max_choice_id_bytes: int = 64  # Telegram's callback_data limit, the tightest channel's
    editable_channels: frozenset[Channel] = frozenset({Channel.TELEGRAM})


class Engine:
    """Channel-independent. Adapters call ``handle`` with a parsed ``Inbound``."""

    def __init__(
        self,
        db: Database,
        registry: Registry,
        *,
        resolvers: Mapping[Channel, SenderResolver] | None = None,
        config: EngineConfig | None = None,
    ) -> None:
        self.db = db
        self.config = config or EngineConfig()
        self.media = MediaSources()  # adapters add theirs when they start
        self.dialog = Dialog(registry, self.config.dialog, self.media)
        self.resolvers: Mapping[Channel, SenderResolver] = (
            resolvers if resolvers is not None else {Channel.TELEGRAM: TelegramStaff()}
        )
        self.groups: GroupCommit[Inbound, Handled] | None = None
        if self.config.groups is not None and db.dialect == "postgresql":
            self.groups = GroupCommit(self._run_group, lambda m: (m.channel, m.reply_to), self.config.groups)

    async def handle(self, msg: Inbound) -> Handled:
        """Process one delivery exactly once (see the module docstring)."""
        if self.groups is not None:
            return await self.groups.submit(msg)
        return await self.handle_alone(msg)

    async def handle_alone(self, msg: Inbound, replay: _Replay | None = None) -> Handled:
        """``handle`` in a transaction of its own; ``replay``: what a group's
        attempt at it learned (a refusal, a failure)."""
        me = await self._resolve(msg)
        if me is None:
            return await handle_stranger(self, msg)
        relink = start_code(msg.text, bare=False) is not None
        return await until_committed(lambda replay: self._attempt(me, msg, relink, replay),
                                     self.config.max_attempts, f"{msg.channel}:{msg.reply_to}",
                                     first=replay)

    async def _attempt(self, me: StaffMember, msg: Inbound, relink: bool,
                       replay: _Replay | None) -> Handled:
        """One attempt in one unit of work; raises ``Rerun`` to be rolled back and run again."""
        async with self.db.unit_of_work(Actor.user(me.org_id, me.user_id, msg.channel)) as uow:
            # Recorded as processed at once: it commits with the processing or not at all.
            event = await store.record_inbound(uow.session, msg, me.org_id, processed_at=uow.now)
            if event is None:
                return Handled(Outcome.DUPLICATE)
            if msg.edited:
                return Handled(Outcome.IGNORED)
            conv = await store.load_or_create(uow.session, me.org_id, msg.channel.value, msg.reply_to,
                                              flow=MENU_FLOW, state=MENU_STATE, now=uow.now)
            turn = await self._turn(uow, me, msg, conv, relink, replay)
            pos = turn.position
            if not await store.save(uow.session, conv, flow=pos.flow, state=pos.state, data=pos.blob(),
                                    now=uow.now):
                raise Rerun(None)  # another message of the chat was saved first: rerun on its state
            prelude = (Reply("bot.already_linked"),) if relink else ()
            replies = (*prelude, *turn.replies)
            locale = await self.queue(uow, me, msg, replies)
        return Handled(Outcome.HANDLED, replies, locale)

    async def _run_group(self, msgs: Sequence[Inbound]) -> list[Handled | BaseException]:
        """A group (``conversations.groups``): its messages in one transaction
        (``_group_attempt``); strangers and account links take their own paths,
        and ``groups.commit_or_split`` says what happens when a group cannot commit."""
        results = await commit_or_split(
            range(len(msgs)), lambda positions: self._group_attempt(msgs, positions),
            lambda p, replay: self.handle_alone(msgs[p], replay if isinstance(replay, _Replay) else None))
        return [results[p] for p in range(len(msgs))]

    async def _group_attempt(self, msgs: Sequence[Inbound], positions: list[int]
                             ) -> tuple[dict[int, Handled], list[int]]:
        """What ``_attempt`` does, for the messages at ``positions`` in one
        transaction: one statement each for the senders, the deliveries, the
        chats, their saves and the locales; the turns one after another.
        Returns the results by position, and the positions to handle alone."""
        results: dict[int, Handled] = {}
        async with self.db.shared_transaction() as shared:
            members = await self._resolve_group(shared.session, [msgs[p] for p in positions])
            work = [(p, me, msgs[p]) for p, me in zip(positions, members, strict=True)
                    if me is not None and start_code(msgs[p].text, bare=False) is None]
            alone = [p for p in positions if p not in {w[0] for w in work}]
            raw = await pgraw.driver(shared.session)
            if raw is None:
                return {}, positions
            if not work:
                return {}, alone
            ids = await store.record_inbound_many(raw, [(m, me.org_id) for _, me, m in work],
                                                  processed_at=shared.now)
            live: list[tuple[int, StaffMember, Inbound]] = []
            for (p, me, m), new in zip(work, ids, strict=True):
                if new is None:
                    results[p] = Handled(Outcome.DUPLICATE)
                elif m.edited:
                    results[p] = Handled(Outcome.IGNORED)
                else:
                    live.append((p, me, m))
            if not live:
                return results, alone
            convs = await store.load_or_create_many(
                raw, [(me.org_id, m.channel.value, m.reply_to) for _, me, m in live],
                flow=MENU_FLOW, state=MENU_STATE, now=shared.now)
            waiting = [Waiting(me, m, conv.flow, conv.state)
                       for (_, me, m), conv in zip(live, convs, strict=True)]
            for read_ahead in self.dialog.registry.read_aheads:
                await read_ahead(shared.session, waiting, shared.now)
            turns: list[tuple[UnitOfWork, Turn]] = []
            for (p, me, m), conv in zip(live, convs, strict=True):
                uow = shared.unit_of_work(Actor.user(me.org_id, me.user_id, m.channel))
                try:
                    turns.append((uow, await self._turn(uow, me, m, conv, False, None)))
                except Rerun as rerun:
                    raise TurnRerun(p, rerun.replay) from rerun
            saves = [store.NewState(conv, t.position.flow, t.position.state, t.position.blob())
                     for conv, (_, t) in zip(convs, turns, strict=True)]
            lost = await store.save_many(raw, saves, shared.now)
            if lost:  # another process saved these chats first
                raise GroupConflict([live[i][0] for i in lost])
            locales = await _locales(shared.session, [me.user_id for _, me, _ in live])
            for (p, me, m), (uow, turn) in zip(live, turns, strict=True):
                locale = locales.get(me.user_id) or me.locale
                self._queue_in(uow, m, turn.replies, locale)
                results[p] = Handled(Outcome.HANDLED, turn.replies, locale)
        return results, alone

    async def _resolve_group(self, session: AsyncSession,
                             msgs: Sequence[Inbound]) -> list[StaffMember | None]:
        found: dict[int, StaffMember | None] = {}
        for channel in {m.channel for m in msgs}:
            resolver = self.resolvers.get(channel)
            mine = [i for i, m in enumerate(msgs) if m.channel is channel]
            members = (await resolver.resolve_many(session, [msgs[i] for i in mine]) if resolver is not None
                       else [None] * len(mine))
            found.update(zip(mine, members, strict=True))
        return [found[i] for i in range(len(msgs))]

    async def _resolve(self, msg: Inbound) -> StaffMember | None:
        resolver = self.resolvers.get(msg.channel)
        if resolver is None:
            return None
        async with self.db.lookup() as session:  # one statement: no transaction needed
            return (await resolver.resolve_many(session, [msg]))[0]

    async def run(self, uow: UnitOfWork, me: StaffMember, msg: Inbound, *,
                  prelude: tuple[Reply, ...] = (), reset: bool = False) -> tuple[Reply, ...]:
        """Run one turn inside the caller's unit of work (linking, which must
        commit with it), each attempt in a savepoint, with the version check.
        With ``reset`` the chat is put at the menu instead."""
        replay: _Replay | None = None
        for _ in range(self.config.max_attempts):
            savepoint = await uow.session.begin_nested()
            try:
                conv = await store.load_or_create(
                    uow.session, me.org_id, msg.channel.value, msg.reply_to,
                    flow=MENU_FLOW, state=MENU_STATE, now=uow.now,
                )
                turn = await self._turn(uow, me, msg, conv, reset, replay)
                pos = turn.position
                saved = await store.save(uow.session, conv, flow=pos.flow, state=pos.state,
                                         data=pos.blob(), now=uow.now)
            except Rerun as rerun:
                await savepoint.rollback()
                await _refresh_expired(uow.session)
                replay = cast(_Replay | None, rerun.replay)
                continue
            except BaseException:
                await savepoint.rollback()
                raise
            if saved:
                await savepoint.commit()
                return (*prelude, *turn.replies)
            await savepoint.rollback()
            await _refresh_expired(uow.session)
            replay = None
        raise ConversationBusy(f"{msg.channel}:{msg.reply_to}")

    async def _turn(self, uow: UnitOfWork, me: StaffMember, msg: Inbound,
                    conv: store.ConversationState, reset: bool, replay: _Replay | None) -> Turn:
        """The turn. When it fails it raises ``Rerun``: the attempt is rolled
        back, and the rerun (at the same version) answers with the refusal in
        place of the step, or, when the turn failed outright, with the menu and
        the reason."""
        if replay is not None and replay.version != conv.version:
            replay = None  # the chat moved on meanwhile: run it afresh
        if replay is not None and replay.failure is not None:
            return Turn(MENU_POSITION, (replay.failure,))
        try:
            if reset:
                turn = await self.dialog.prompt(uow, me, msg, MENU_POSITION)
            else:
                refused = replay.refusal if replay is not None else None
                turn = await self.dialog.run_turn(uow, me, msg, conv, refused=refused)
            self._check_choices(turn.replies)
        except StepRefused as exc:
            raise Rerun(_Replay(conv.version, refusal=exc.refusal)) from exc
        except DomainError as exc:
            raise Rerun(_Replay(conv.version, failure=Reply(exc.key, dict(exc.params)))) from exc
        except Exception as exc:  # the one logged catch-all of the engine: the chat goes on from the menu
            log.exception("conversation step failed (%s %s)", msg.provider, msg.event_id)
            raise Rerun(_Replay(conv.version, failure=Reply("bot.error_unexpected"))) from exc
        return turn

    def _check_choices(self, replies: tuple[Reply, ...]) -> None:
        """Refuse choice ids no channel could carry, where the flow made them."""
        limit = self.config.max_choice_id_bytes
        for reply in replies:
            for choice in reply.choices:
                if not choice.id or len(choice.id.encode("utf-8")) > limit:
                    raise ValueError(f"choice id must be 1-{limit} bytes: {choice.id!r}")

    async def queue(self, uow: UnitOfWork, me: StaffMember, msg: Inbound,
                    replies: tuple[Reply, ...]) -> str:
        """Write the replies to the outbox in the sender's current locale; returns it."""
        locale = (await _locales(uow.session, [me.user_id])).get(me.user_id) or me.locale
        self._queue_in(uow, msg, replies, locale)
        return locale

    def _queue_in(self, uow: UnitOfWork, msg: Inbound, replies: tuple[Reply, ...], locale: str) -> None:
        for reply in replies:
            recipient = msg.reply_to
            if reply.edit_message_id and msg.channel in self.config.editable_channels:
                recipient = f"{EDIT_PREFIX}{reply.edit_message_id}"
            uow.reply(msg.channel, recipient, locale, reply.key, reply.params, reply.choices,
                      reply.media)


async def _locales(session: AsyncSession, user_ids: Sequence[int]) -> dict[int, str]:
    """The staff members' current locales (read after the turn: a language
    change in it applies at once), in one statement."""
    ids = sorted(set(user_ids))
    raw = await pgraw.driver(session)
    if raw is not None:
        return {int(r[0]): r[1] for r in await raw.fetch(_PG_LOCALES, ids)}
    rows = await session.execute(select(User.id, User.locale).where(User.id.in_(ids)))
    return {int(i): loc for i, loc in rows.all()}


async def _refresh_expired(session: AsyncSession) -> None:
    """Reload rows a rolled-back savepoint expired: async sessions cannot lazy-load
    them later (a cached ``uow.user()`` would fail on its next attribute)."""
    for obj in list(session.identity_map.values()):
        state = instance_state(obj)
        if state.expired_attributes and state.persistent:
            await session.refresh(obj)

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

Outbox contract for edits: on channels that can edit a sent message
(``EngineConfig.editable_channels``), a reply with ``edit_message_id`` is
queued with recipient ``"edit:<provider message id>"``; the channel's
transport edits that message instead of sending a new one.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
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
from garagebot.conversations.linking import handle_stranger, start_code
from garagebot.conversations.router import MENU_FLOW, MENU_STATE, Registry, StaffMember
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
                          chat: str) -> Handled:
    """Run ``attempt(replay)`` (each one unit of work) until one finishes
    without ``Rerun``; the first gets None, each next one the last ``replay``.
    Both conversation engines process a message this way."""
    replay: Any = None
    for _ in range(max_attempts):
        try:
            return await attempt(replay)
        except Rerun as rerun:  # rolled back: run again, with what the attempt learned
            replay = rerun.replay
    raise ConversationBusy(chat)


class SenderResolver(Protocol):
    async def resolve(self, session: AsyncSession, msg: Inbound) -> StaffMember | None: ...


def staff_member(user: User) -> StaffMember:
    return StaffMember(OrgId(user.organization_id), UserId(user.id), user.name, Role(user.role),
                       user.locale)


_PG_STAFF = ("SELECT organization_id, id, name, role, locale FROM user_account "
             "WHERE telegram_user_id = $1 AND active")
_PG_LOCALE = "SELECT locale FROM user_account WHERE id = $1"


class TelegramStaff:
    """Staff by linked Telegram account (``User.telegram_user_id``), active only."""

    async def resolve(self, session: AsyncSession, msg: Inbound) -> StaffMember | None:
        if not msg.sender.isdigit():
            return None
        raw = await pgraw.driver(session)
        if raw is not None:
            row = await raw.fetchrow(_PG_STAFF, int(msg.sender))
            return None if row is None else StaffMember(
                OrgId(row[0]), UserId(row[1]), row[2], Role(row[3]), row[4])
        user = await session.scalar(
            select(User).where(User.telegram_user_id == int(msg.sender), User.active.is_(True))
        )
        return None if user is None else staff_member(user)


@dataclass(frozen=True, slots=True)
class EngineConfig:
    dialog: DialogConfig = field(default_factory=DialogConfig)
    max_attempts: int = 8  # each lost race means another message of the chat committed
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

    async def handle(self, msg: Inbound) -> Handled:
        """Process one delivery exactly once (see the module docstring)."""
        me = await self._resolve(msg)
        if me is None:
            return await handle_stranger(self, msg)
        relink = start_code(msg.text, bare=False) is not None
        return await until_committed(lambda replay: self._attempt(me, msg, relink, replay),
                                     self.config.max_attempts, f"{msg.channel}:{msg.reply_to}")

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

    async def _resolve(self, msg: Inbound) -> StaffMember | None:
        resolver = self.resolvers.get(msg.channel)
        if resolver is None:
            return None
        async with self.db.lookup() as session:  # one statement: no transaction needed
            return await resolver.resolve(session, msg)

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
        raw = await pgraw.driver(uow.session)
        if raw is not None:
            locale = await raw.fetchval(_PG_LOCALE, me.user_id)
        else:
            locale = await uow.session.scalar(select(User.locale).where(User.id == me.user_id))
        locale = locale or me.locale
        for reply in replies:
            recipient = msg.reply_to
            if reply.edit_message_id and msg.channel in self.config.editable_channels:
                recipient = f"{EDIT_PREFIX}{reply.edit_message_id}"
            uow.send(msg.channel, recipient, locale, reply.key, reply.params, reply.choices,
                     reply.media)
        return locale


async def _refresh_expired(session: AsyncSession) -> None:
    """Reload rows a rolled-back savepoint expired: async sessions cannot lazy-load
    them later (a cached ``uow.user()`` would fail on its next attribute)."""
    for obj in list(session.identity_map.values()):
        state = instance_state(obj)
        if state.expired_attributes and state.persistent:
            await session.refresh(obj)

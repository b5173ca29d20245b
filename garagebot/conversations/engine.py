"""The conversation engine: one inbound message → one step → replies in the outbox.

``Engine.handle`` runs, in one unit of work (one commit):
record the delivery (a duplicate stops there) → resolve the sender → load the
conversation → run one turn → save it with a version check → queue the replies
(``uow.send`` in the sender's locale, read after the step so a language change
applies at once). A version conflict (another process saved this chat first)
rolls the attempt back to a savepoint and runs the step again on the fresh
state, a bounded number of times.

Outbox contract for edits: on channels that can edit a sent message
(``EngineConfig.editable_channels``), a reply with ``edit_message_id`` is
queued with recipient ``"edit:<provider message id>"``; the channel's
transport edits that message instead of sending a new one.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import instance_state

from garagebot.conversations import store
from garagebot.conversations.dialog import MENU_POSITION, Dialog, DialogConfig, Turn
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


class ConversationBusy(Exception):
    """The chat's state kept changing under the step; the delivery should be retried."""


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
        async with self.db.unit_of_work(Actor.user(me.org_id, me.user_id, msg.channel)) as uow:
            # Recorded as processed at once: it commits with the processing or not at all.
            event = await store.record_inbound(uow.session, msg, me.org_id, processed_at=uow.now)
            if event is None:
                return Handled(Outcome.DUPLICATE)
            if msg.edited:
                return Handled(Outcome.IGNORED)
            prelude = (Reply("bot.already_linked"),) if relink else ()
            replies = await self.run(uow, me, msg, prelude=prelude, reset=relink)
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
        """Run one turn with the version check, retrying on conflicts. With
        ``reset`` the chat is put at the menu instead (after linking)."""
        for _ in range(self.config.max_attempts):
            savepoint = await uow.session.begin_nested()
            try:
                conv = await store.load_or_create(
                    uow.session, me.org_id, msg.channel.value, msg.reply_to,
                    flow=MENU_FLOW, state=MENU_STATE, now=uow.now,
                )
                turn = await self._turn(uow, me, msg, conv, reset)
                pos = turn.position
                saved = await store.save(uow.session, conv, flow=pos.flow, state=pos.state,
                                         data=pos.blob(), now=uow.now)
            except BaseException:
                await savepoint.rollback()
                raise
            if saved:
                await savepoint.commit()
                return (*prelude, *turn.replies)
            await savepoint.rollback()
            await _refresh_expired(uow.session)
        raise ConversationBusy(f"{msg.channel}:{msg.reply_to}")

    async def _turn(self, uow: UnitOfWork, me: StaffMember, msg: Inbound,
                    conv: store.ConversationState, reset: bool) -> Turn:
        """The turn, or, when it fails outright, the menu and the reason."""
        savepoint = await uow.session.begin_nested()
        try:
            if reset:
                turn = await self.dialog.prompt(uow, me, msg, MENU_POSITION)
            else:
                turn = await self.dialog.run_turn(uow, me, msg, conv)
            self._check_choices(turn.replies)
        except DomainError as exc:
            failure: Reply = Reply(exc.key, dict(exc.params))
        except Exception:  # the one logged catch-all of the engine: the chat goes on from the menu
            log.exception("conversation step failed (%s %s)", msg.provider, msg.event_id)
            failure = Reply("bot.error_unexpected")
        else:
            await savepoint.commit()
            return turn
        await savepoint.rollback()
        await _refresh_expired(uow.session)
        return Turn(MENU_POSITION, (failure,))

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

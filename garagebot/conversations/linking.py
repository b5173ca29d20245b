"""Messages from senders the garage does not know yet.

A stranger who sends ``/start CODE`` (the deep link t.me/<bot>?start=CODE
sends exactly that), or just the code, with a valid one-time code is linked
to the member of staff the code was made for and lands on the menu. Anyone
else gets a polite refusal, in both languages, and nothing else happens: the
adapter delivers it directly, as there is no garage to queue it under.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from garagebot.conversations import store
from garagebot.conversations.types import Handled, Inbound, Outcome, Reply
from garagebot.core.actor import Actor
from garagebot.core.enums import Channel
from garagebot.core.errors import DomainError
from garagebot.core.ids import OrgId, UserId
from garagebot.core.linking import canonical_code, find_link_code, redeem_link_code
from garagebot.core.models import User

if TYPE_CHECKING:
    from garagebot.conversations.engine import Engine

START = "/start"


def start_code(text: str, *, bare: bool = True) -> str | None:
    """The link code in "/start CODE", "/start@bot CODE" or (``bare``) just "CODE"."""
    words = text.strip().split()
    if not words:
        return None
    if words[0].split("@", 1)[0].lower() == START:
        return words[1] if len(words) == 2 and canonical_code(words[1]) else None
    joined = "".join(words)
    return joined if bare and canonical_code(joined) else None


async def handle_stranger(engine: Engine, msg: Inbound) -> Handled:
    """Link with a valid code, or record the delivery and refuse."""
    code = start_code(msg.text) if msg.channel is Channel.TELEGRAM and not msg.edited else None
    if code is not None and msg.sender.isdigit():
        async with engine.db.read() as session:
            target = await find_link_code(session, code, engine.db.clock.now())
        if target is not None:
            return await _link(engine, msg, code, target.org_id, target.user_id)
    async with engine.db.raw_transaction() as session:
        if await store.record_inbound(session, msg, None) is None:
            return Handled(Outcome.DUPLICATE)
    if msg.edited:
        return Handled(Outcome.IGNORED)
    key = "bot.link_code_invalid" if code is not None else "bot.unknown_user"
    return Handled(Outcome.REFUSED, (Reply(key),))


def _refusal(exc: DomainError) -> Reply:
    """Why linking failed; an invalid or used code reads the same either way."""
    if exc.key == "error.link_code_invalid":
        return Reply("bot.link_code_invalid")
    return Reply(exc.key, dict(exc.params))


async def _link(engine: Engine, msg: Inbound, code: str, org_id: OrgId, user_id: UserId) -> Handled:
    """Redeem the code as its owner and show the menu; a refusal when that
    fails (the code was used or revoked meanwhile, the person left …)."""
    from garagebot.conversations.engine import staff_member  # the engine imports this module

    actor = Actor.user(org_id, user_id, msg.channel)
    async with engine.db.unit_of_work(actor) as uow:
        event = await store.record_inbound(uow.session, msg, org_id)
        if event is None:
            return Handled(Outcome.DUPLICATE)
        savepoint = await uow.session.begin_nested()
        try:
            await redeem_link_code(uow, code, int(msg.sender))
        except DomainError as exc:
            await savepoint.rollback()
            await store.mark_processed(uow.session, event, uow.now)
            return Handled(Outcome.REFUSED, (_refusal(exc),))
        await savepoint.commit()
        user = (await uow.session.execute(select(User).where(User.id == user_id))).scalar_one()
        me = staff_member(user)
        welcome = Reply("bot.linked", {"name": me.name})
        replies = await engine.run(uow, me, msg, prelude=(welcome,), reset=True)
        locale = await engine.queue(uow, me, msg, replies)
        await store.mark_processed(uow.session, event, uow.now)
    return Handled(Outcome.HANDLED, replies, locale)

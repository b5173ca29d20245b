"""Telling the member of staff who drafted a quote what became of it (a
manager approved or refused its discount): one Telegram message queued in
the same unit of work, in that person's language."""

from __future__ import annotations

from garagebot.core.enums import Channel
from garagebot.core.models import Quote, RepairSession, User
from garagebot.core.money import Money, format_money
from garagebot.core.uow import UnitOfWork


async def quote_author(uow: UnitOfWork, quote: Quote) -> User | None:
    """Who drafted the quote (else the session's advisor), if they can be messaged."""
    rs = await uow.get(RepairSession, quote.session_id)
    for user_id in (quote.created_by_id, rs.advisor_id):
        if user_id is None:
            continue
        user = await uow.session.get(User, user_id)
        if user is not None and user.organization_id == uow.org_id and user.active \
                and user.telegram_user_id is not None:
            return user
    return None


async def tell_author(uow: UnitOfWork, quote: Quote, key: str, params: dict[str, object]) -> str | None:
    """Queue ``key`` to the quote's author (Money params formatted for their
    language); the name of who was told, or None."""
    user = await quote_author(uow, quote)
    if user is None or user.telegram_user_id is None:
        return None
    rs = await uow.get(RepairSession, quote.session_id)
    shown = {k: format_money(v, user.locale) if isinstance(v, Money) else v for k, v in params.items()}
    uow.send(Channel.TELEGRAM, str(user.telegram_user_id), user.locale, key,
             {"number": rs.number, "version": quote.version, **shown})
    return user.name

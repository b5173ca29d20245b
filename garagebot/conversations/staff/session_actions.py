"""What the buttons of a session's screen do, each one core service call:
check in, send the quote (the draft, or one built from the session), mark
ready, complete, deliver on the PIN, complete over a guard; and reading an
ETA typed as "16:30" (today, the garage's time) or as hours from now."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from garagebot.conversations.router import StepContext
from garagebot.conversations.staff import common as c
from garagebot.conversations.types import Reply
from garagebot.core.billing.enums import QuoteStatus
from garagebot.core.billing.quote_flow import send_quote
from garagebot.core.billing.quotes import create_quote
from garagebot.core.enums import SessionStatus
from garagebot.core.ids import QuoteId, SessionId
from garagebot.core.models import Quote
from garagebot.core.money import Money, format_money
from garagebot.core.normalize import ascii_digits
from garagebot.core.repair.delivery import DeliveryOutcome, confirm_delivery
from garagebot.core.repair.sessions import change_status, check_in, set_eta

_CLOCK = re.compile(r"^(\d{1,2})[:.](\d{2})$")


async def _send(ctx: StepContext, sid: SessionId) -> Reply:
    draft = (await ctx.uow.session.execute(select(Quote.id).where(
        Quote.organization_id == ctx.uow.org_id, Quote.session_id == sid,
        Quote.status == QuoteStatus.DRAFT.value))).scalar()
    quote_id = QuoteId(draft) if draft is not None else await create_quote(ctx.uow, sid)
    await send_quote(ctx.uow, quote_id)
    quote = await ctx.uow.get(Quote, quote_id)
    total = format_money(Money(quote.total, quote.currency), ctx.me.locale)
    return Reply("staff.quote_sent", {"version": quote.version, "total": total})


async def run(ctx: StepContext, sid: SessionId, choice: str) -> Reply | None:
    """Do the session action of ``choice``; None when it is not one."""
    if choice == "sa:checkin":
        await check_in(ctx.uow, sid, None)
        return Reply("staff.checked_in")
    if choice == "sa:quote":
        return await _send(ctx, sid)
    if choice == "sa:ready":
        await change_status(ctx.uow, sid, SessionStatus.READY_FOR_PICKUP)
        return Reply("staff.marked_ready")
    if choice == "sa:complete":
        await change_status(ctx.uow, sid, SessionStatus.COMPLETED)
        return Reply("staff.session_completed")
    return None


async def parse_eta(ctx: StepContext, text: str) -> dt.datetime | None:
    """"16:30" → today at 16:30 in the garage (tomorrow if already past); "3" → in 3 hours."""
    value = ascii_digits(text).strip()
    if value.isdigit() and 1 <= int(value) <= 240:
        return ctx.now + dt.timedelta(hours=int(value))
    found = _CLOCK.match(value)
    if found is None or int(found.group(1)) > 23 or int(found.group(2)) > 59:
        return None
    local = ctx.now.astimezone(await c.zone(ctx.uow))
    when = local.replace(hour=int(found.group(1)), minute=int(found.group(2)), second=0, microsecond=0)
    if when <= local:
        when += dt.timedelta(days=1)
    return when.astimezone(dt.UTC)


async def set_session_eta(ctx: StepContext, sid: SessionId, when: dt.datetime) -> None:
    await set_eta(ctx.uow, sid, when)


async def deliver(ctx: StepContext, sid: SessionId, pin: str) -> DeliveryOutcome:
    return await confirm_delivery(ctx.uow, sid, pin=pin)


async def complete_over_guard(ctx: StepContext, sid: SessionId, reason: str) -> None:
    await change_status(ctx.uow, sid, SessionStatus.COMPLETED, override_reason=reason)

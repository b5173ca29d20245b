"""What the buttons of a session's screen do, each one core service call:
check in, mark ready, complete, deliver on the PIN (a manager: over an
unpaid invoice, with a reason), complete over a guard; the buttons that open
another flow (quote, QC, invoice, deposit, more); and reading an ETA typed as
"16:30" (today, the garage's time) or as hours from now."""

from __future__ import annotations

import datetime as dt
import re

from garagebot.conversations.router import Step, StepContext, go
from garagebot.conversations.staff import common as c
from garagebot.conversations.staff.billing_reads import session_invoice
from garagebot.conversations.staff.quote import latest_or_new_quote
from garagebot.conversations.types import Reply
from garagebot.core.enums import SessionStatus
from garagebot.core.ids import SessionId
from garagebot.core.jsonable import JsonValue
from garagebot.core.models import RepairSession
from garagebot.core.normalize import ascii_digits
from garagebot.core.permissions import Permission
from garagebot.core.repair.delivery import DeliveryOutcome, confirm_delivery
from garagebot.core.repair.sessions import change_status, check_in, set_eta

_CLOCK = re.compile(r"^(\d{1,2})[:.](\d{2})$")


# Buttons of the session screen that open another flow, with the session.
ELSEWHERE = {"sa:quote": ("quote", "preview"), "sa:qc": ("qc", "checklist"),
             "sa:invoice": ("billing", "invoice"), "sa:deposit": ("billing", "method"),
             "sa:more": ("control", "menu")}

_NEEDS = {"sa:quote": Permission.MANAGE_BILLING, "sa:invoice": Permission.MANAGE_BILLING,
          "sa:deposit": Permission.MANAGE_BILLING, "sa:qc": Permission.QC_CHECK}


async def elsewhere(ctx: StepContext, sid: SessionId, choice: str) -> Step:
    """Open the flow of ``choice`` for the session (the invoice: the session's
    live one, or a new draft; the quote: its latest version, or a new draft),
    once the sender's role allows what it is for."""
    await ctx.uow.require(_NEEDS.get(choice, Permission.CHANGE_SESSION_STATUS))
    await ctx.uow.get(RepairSession, sid)  # of the sender's garage
    if choice == "sa:invoice":
        return go("billing", "invoice", data={"invoice": await session_invoice(ctx.uow, sid)})
    flow, state = ELSEWHERE[choice]
    if choice == "sa:quote":
        await latest_or_new_quote(ctx.uow, sid)
    data: dict[str, JsonValue] = {"session": sid}
    if choice == "sa:deposit":
        data["kind"] = "deposit"
    return go(flow, state, data=data)


async def run(ctx: StepContext, sid: SessionId, choice: str) -> Reply | None:
    """Do the session action of ``choice``; None when it is not one."""
    if choice == "sa:checkin":
        await check_in(ctx.uow, sid, None)
        return Reply("staff.checked_in")
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


async def deliver(ctx: StepContext, sid: SessionId, pin: str, *, override_reason: str | None = None,
                  ) -> DeliveryOutcome:
    return await confirm_delivery(ctx.uow, sid, pin=pin, override_reason=override_reason)


async def complete_over_guard(ctx: StepContext, sid: SessionId, reason: str) -> None:
    await change_status(ctx.uow, sid, SessionStatus.COMPLETED, override_reason=reason)

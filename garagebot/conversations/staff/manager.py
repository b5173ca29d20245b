"""The manager's flow: today's figures on request, the overdue list (a
session opens in the sessions flow, where a guard can be overridden), and
discounts waiting for approval (approved, or refused with a reason; the
quote's author is told either way).

```mermaid
stateDiagram-v2
    [*] --> home
    home --> home: figures ("kpi" / "today" / button)
    home --> overdue: overdue
    home --> discounts: discounts
    overdue --> sessions.session: a session
    discounts --> discounts: approve a discount
    discounts --> refuse: refuse a discount
    refuse --> discounts: the reason
```
"""

from __future__ import annotations

from enum import StrEnum

from garagebot.conversations.router import BACK, Flow, StateSpec, Step, StepContext, go, stay
from garagebot.conversations.staff import common as c
from garagebot.conversations.staff.sessions import FLOW as SESSIONS
from garagebot.conversations.staff.sessions import SessionsState
from garagebot.conversations.text import Vocabulary
from garagebot.conversations.types import Choice, Reply
from garagebot.core.billing.discounts import refuse_quote_discount
from garagebot.core.billing.quotes import approve_quote_discount
from garagebot.core.ids import OrgId, QuoteId
from garagebot.core.kpi import overdue_sessions, todays_kpis
from garagebot.core.money import Money, format_money
from garagebot.core.permissions import Permission
from garagebot.core.staff_views import pending_discounts

FLOW = "manager"
_WORDS = Vocabulary({
    "kpi": ("kpi", "kpis", "today", "figures", "numbers", "الارقام", "الأرقام", "مؤشرات", "اليوم"),
    "overdue": ("overdue", "late", "المتأخرة", "متأخرة", "متاخر"),
    "discounts": ("discounts", "discount", "الخصومات", "خصم"),
})


class ManagerState(StrEnum):
    HOME = "home"
    OVERDUE = "overdue"
    DISCOUNTS = "discounts"
    REFUSE = "refuse"


async def home_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    choices = (Choice("mg:kpi", "staff.btn_kpi"), Choice("mg:overdue", "staff.btn_overdue"),
               Choice("mg:discounts", "staff.btn_discounts"))
    return (Reply("staff.manager_home", {}, choices),)


def _intent(ctx: StepContext) -> str | None:
    if ctx.msg.choice is not None:
        return ctx.msg.choice.removeprefix("mg:")
    found = _WORDS.match(ctx.msg.text) if ctx.msg.text else None
    return None if found is None else found.intent


async def kpi_reply(ctx: StepContext) -> Reply:
    await ctx.uow.require(Permission.VIEW_REPORTS)
    k = await todays_kpis(ctx.uow.session, OrgId(ctx.me.org_id), ctx.now)
    return Reply("staff.kpis", {
        "cars": k.cars_in_garage, "jobs": k.jobs_in_progress, "overdue": k.overdue,
        "approval": k.awaiting_approval, "today": format_money(k.revenue_today, ctx.me.locale),
        "month": format_money(k.revenue_month, ctx.me.locale),
    })


async def home(ctx: StepContext) -> Step:
    intent = _intent(ctx)
    if intent == "kpi":
        return stay(await kpi_reply(ctx))
    if intent == "overdue":
        return go(FLOW, ManagerState.OVERDUE)
    if intent == "discounts":
        return go(FLOW, ManagerState.DISCOUNTS)
    return stay(Reply("staff.not_understood_manager"), reprompt=True)


async def overdue_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    rows = await overdue_sessions(ctx.uow.session, OrgId(ctx.me.org_id), ctx.now)
    choices = [Choice(f"ss:{r.session_id}", "staff.overdue_line", {
        "number": r.number, "plate": r.plate, "eta": await c.local_time(ctx.uow, r.eta)}) for r in rows]
    return (Reply("staff.overdue_list", {"n": len(rows)}, (*choices, BACK)),)


async def overdue(ctx: StepContext) -> Step:
    chosen = c.chosen_id(ctx, "ss")
    if chosen is None:
        return stay(reprompt=True)
    return go(SESSIONS, SessionsState.SESSION, data={"session": chosen})


async def discounts_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    rows = await pending_discounts(ctx.uow.session, OrgId(ctx.me.org_id))
    choices: list[Choice] = []
    for r in rows:
        shown = {"number": r.number, "discount": format_money(Money(r.discount, r.currency), ctx.me.locale),
                 "total": format_money(Money(r.total, r.currency), ctx.me.locale)}
        choices += [Choice(f"md:{r.quote_id}", "staff.discount_line", shown),
                    Choice(f"mr:{r.quote_id}", "advisor.discount_refuse_line", {"number": r.number})]
    return (Reply("staff.discounts_list", {"n": len(rows)}, (*choices, BACK)),)


def _told(name: str | None) -> tuple[Reply, ...]:
    return () if name is None else (Reply("advisor.author_told", {"name": name}),)


async def discounts(ctx: StepContext) -> Step:
    refused = c.chosen_id(ctx, "mr")
    if refused is not None:
        return go(FLOW, ManagerState.REFUSE, data={"quote": refused})
    chosen = c.chosen_id(ctx, "md")
    if chosen is None:
        return stay(reprompt=True)
    told = await approve_quote_discount(ctx.uow, QuoteId(chosen))
    return stay(Reply("staff.discount_approved"), *_told(told), reprompt=True)


async def refuse_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    return (Reply("advisor.discount_refuse_reason", {}, (BACK,)),)


async def refuse(ctx: StepContext) -> Step:
    text = c.typed(ctx)
    if not text:
        return stay(reprompt=True)
    told = await refuse_quote_discount(ctx.uow, QuoteId(c.data_int(ctx.data, "quote") or 0), reason=text)
    return go(FLOW, ManagerState.DISCOUNTS, Reply("advisor.discount_refused"), *_told(told), data={},
              remember=False)


MANAGER = Flow(FLOW, ManagerState.HOME, {
    ManagerState.HOME: StateSpec(home_prompt, home, help_key="staff.help_manager"),
    ManagerState.OVERDUE: StateSpec(overdue_prompt, overdue, help_key="staff.help_manager"),
    ManagerState.DISCOUNTS: StateSpec(discounts_prompt, discounts, help_key="staff.help_manager"),
    ManagerState.REFUSE: StateSpec(refuse_prompt, refuse, help_key="staff.help_manager"),
})

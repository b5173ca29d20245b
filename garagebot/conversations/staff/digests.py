"""The KPI digest in chat, for owners and managers: today's digest on
request ("digest" / "ملخص", or the menu), the week's, the four lists behind
its figures (each row opens the session, the item or the invoice), and the
person's own digest settings (on / off, time).

The pushed digests (``core.digests.send``) carry the same list buttons as
``o:<kind>:0`` openers (``OPENERS`` in ``conversations.staff``), which land in
this flow's list states. A row's id is accepted only when it is in the list
as read again for the sender (their garage, their role, now).

```mermaid
stateDiagram-v2
    [*] --> home
    home --> home: today's digest / the week's
    home --> overdue: overdue
    home --> approval: awaiting approval
    home --> stockouts: stock-outs
    home --> receivables: receivables
    home --> settings: my settings
    overdue --> sessions.session: a session
    approval --> sessions.session: a session
    stockouts --> item: an item
    receivables --> billing.invoice: an invoice
    settings --> settings: daily / weekly on or off
    settings --> time: set a time
    time --> settings: a time
```
"""

from __future__ import annotations

from enum import StrEnum

from garagebot.conversations.router import BACK, Flow, StateSpec, Step, StepContext, go, stay
from garagebot.conversations.staff import common as c
from garagebot.conversations.staff.billing import FLOW as BILLING
from garagebot.conversations.staff.billing import BillingState
from garagebot.conversations.staff.sessions import FLOW as SESSIONS
from garagebot.conversations.staff.sessions import SessionsState
from garagebot.conversations.text import Vocabulary
from garagebot.conversations.types import Choice, Reply
from garagebot.core.digests import lists
from garagebot.core.digests.schedule import DigestKind, hhmm
from garagebot.core.digests.services import digest_now, my_schedules, set_my_digest
from garagebot.core.ids import OrgId
from garagebot.core.kpi import overdue_sessions
from garagebot.core.money import format_money
from garagebot.core.notify.staff import localized
from garagebot.core.permissions import Permission
from garagebot.core.ports import FileStorage

FLOW = "digest"
HELP = "digests.help"
_WORDS = Vocabulary({
    "today": ("digest", "summary", "daily digest", "ملخص", "الملخص", "ملخص اليوم"),
    "weekly": ("week", "weekly", "weekly digest", "الأسبوع", "ملخص الأسبوع", "أسبوعي"),
    "settings": ("settings", "digest settings", "الإعدادات", "إعدادات"),
})


class DigestState(StrEnum):
    HOME = "home"
    OVERDUE = "overdue"
    APPROVAL = "approval"
    STOCKOUTS = "stockouts"
    RECEIVABLES = "receivables"
    ITEM = "item"
    SETTINGS = "settings"
    TIME = "time"


_LISTS = {"overdue": DigestState.OVERDUE, "approval": DigestState.APPROVAL,
          "stockouts": DigestState.STOCKOUTS, "receivables": DigestState.RECEIVABLES,
          "settings": DigestState.SETTINGS}
_HOME_CHOICES = (
    Choice("dg:overdue", "digests.btn_overdue"), Choice("dg:approval", "digests.btn_approval"),
    Choice("dg:stockouts", "digests.btn_stockouts"), Choice("dg:receivables", "digests.btn_receivables"),
    Choice("dg:weekly", "digests.btn_weekly"), Choice("dg:settings", "digests.btn_settings"))


class DigestFlow:
    """The flow; ``storage`` keeps the charts it draws (None: digests without a chart)."""

    def __init__(self, storage: FileStorage | None) -> None:
        self.storage = storage

    async def digest(self, ctx: StepContext, kind: DigestKind) -> Reply:
        made = await digest_now(ctx.uow, kind, self.storage)
        return Reply(made.key, {k: v for k, v in made.params.items() if isinstance(v, str | int)},
                     _HOME_CHOICES, media=(made.chart,) if made.chart else ())

    async def home_prompt(self, ctx: StepContext) -> tuple[Reply, ...]:
        return (await self.digest(ctx, DigestKind.DAILY),)

    async def home(self, ctx: StepContext) -> Step:
        intent = _intent(ctx)
        if intent == "today":
            return stay(reprompt=True)
        if intent == "weekly":
            return stay(await self.digest(ctx, DigestKind.WEEKLY))
        if intent in _LISTS:
            return go(FLOW, _LISTS[intent])
        return stay(Reply("digests.not_understood", {}, _HOME_CHOICES))

    def flow(self) -> Flow:
        return Flow(FLOW, DigestState.HOME, {
            DigestState.HOME: StateSpec(self.home_prompt, self.home, help_key=HELP),
            DigestState.OVERDUE: StateSpec(overdue_prompt, overdue, help_key=HELP),
            DigestState.APPROVAL: StateSpec(approval_prompt, approval, help_key=HELP),
            DigestState.STOCKOUTS: StateSpec(stockouts_prompt, stockouts, help_key=HELP),
            DigestState.RECEIVABLES: StateSpec(receivables_prompt, receivables, help_key=HELP),
            DigestState.ITEM: StateSpec(item_prompt, item, help_key=HELP),
            DigestState.SETTINGS: StateSpec(settings_prompt, settings, help_key=HELP),
            DigestState.TIME: StateSpec(time_prompt, time, help_key=HELP),
        })


def _intent(ctx: StepContext) -> str | None:
    if ctx.msg.choice is not None:
        return ctx.msg.choice.removeprefix("dg:")
    found = _WORDS.match(ctx.msg.text) if ctx.msg.text else None
    return None if found is None else found.intent


def _org(ctx: StepContext) -> OrgId:
    return OrgId(ctx.me.org_id)


async def overdue_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    await ctx.uow.require(Permission.RECEIVE_DIGEST)
    rows = await overdue_sessions(ctx.uow.session, _org(ctx), ctx.now, limit=lists.LIMIT)
    choices = [Choice(f"ss:{r.session_id}", "digests.session_line", {
        "number": r.number, "plate": r.plate, "when": await c.local_time(ctx.uow, r.eta)}) for r in rows]
    return (Reply("digests.overdue_list", {"n": len(rows)}, (*choices, BACK)),)


async def _open_session(ctx: StepContext, listed: set[int]) -> Step:
    chosen = c.chosen_id(ctx, "ss")
    if chosen is None:
        return stay(reprompt=True)
    if chosen not in listed:
        return stay(Reply("digests.not_in_list"), reprompt=True)
    return go(SESSIONS, SessionsState.SESSION, data={"session": chosen})


async def overdue(ctx: StepContext) -> Step:
    await ctx.uow.require(Permission.RECEIVE_DIGEST)
    rows = await overdue_sessions(ctx.uow.session, _org(ctx), ctx.now, limit=lists.LIMIT)
    return await _open_session(ctx, {int(r.session_id) for r in rows})


async def approval_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    await ctx.uow.require(Permission.RECEIVE_DIGEST)
    rows = await lists.awaiting_approval(ctx.uow.session, _org(ctx))
    choices = [Choice(f"ss:{r.session_id}", "digests.session_line", {
        "number": r.number, "plate": r.plate, "when": await c.local_time(ctx.uow, r.since)}) for r in rows]
    return (Reply("digests.approval_list", {"n": len(rows)}, (*choices, BACK)),)


async def approval(ctx: StepContext) -> Step:
    await ctx.uow.require(Permission.RECEIVE_DIGEST)
    rows = await lists.awaiting_approval(ctx.uow.session, _org(ctx))
    return await _open_session(ctx, {int(r.session_id) for r in rows})


async def stockouts_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    await ctx.uow.require(Permission.RECEIVE_DIGEST)
    rows = await lists.short_items(ctx.uow.session, _org(ctx), ctx.now)
    choices = [Choice(f"di:{r.item_id}", "digests.item_line", {
        "sku": r.sku, "name": localized(ctx.me.locale, r.name_en, r.name_ar), "available": str(r.available)})
        for r in rows]
    return (Reply("digests.stockouts_list", {"n": len(rows)}, (*choices, BACK)),)


async def stockouts(ctx: StepContext) -> Step:
    chosen = c.chosen_id(ctx, "di")
    if chosen is None:
        return stay(reprompt=True)
    await ctx.uow.require(Permission.RECEIVE_DIGEST)
    if await lists.item_row(ctx.uow.session, _org(ctx), chosen, ctx.now) is None:
        return stay(Reply("digests.not_in_list"), reprompt=True)
    return go(FLOW, DigestState.ITEM, data={"item": chosen})


async def item_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    await ctx.uow.require(Permission.RECEIVE_DIGEST)
    row = await lists.item_row(ctx.uow.session, _org(ctx), c.data_int(ctx.data, "item") or 0, ctx.now)
    if row is None:
        return (Reply("digests.not_in_list", {}, (BACK,)),)
    return (Reply("digests.item", {
        "sku": row.sku, "name": localized(ctx.me.locale, row.name_en, row.name_ar),
        "available": str(row.available), "min": str(row.min_level), "wanted": str(row.wanted)}, (BACK,)),)


async def item(ctx: StepContext) -> Step:
    return stay(reprompt=True)


async def receivables_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    await ctx.uow.require(Permission.RECEIVE_DIGEST)
    rows = await lists.old_receivables(ctx.uow.session, _org(ctx), ctx.now)
    choices = [Choice(f"dr:{r.invoice_id}", "digests.invoice_line", {
        "number": r.number, "payer": r.payer, "balance": format_money(r.balance, ctx.me.locale),
        "days": r.days}) for r in rows]
    return (Reply("digests.receivables_list", {"n": len(rows)}, (*choices, BACK)),)


async def receivables(ctx: StepContext) -> Step:
    chosen = c.chosen_id(ctx, "dr")
    if chosen is None:
        return stay(reprompt=True)
    await ctx.uow.require(Permission.RECEIVE_DIGEST)
    listed = {int(r.invoice_id) for r in await lists.old_receivables(
        ctx.uow.session, _org(ctx), ctx.now, limit=1000)}
    if chosen not in listed:
        return stay(Reply("digests.not_in_list"), reprompt=True)
    return go(BILLING, BillingState.INVOICE, data={"invoice": chosen})


async def settings_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    mine = {s.kind: s for s in await my_schedules(ctx.uow)}
    daily, weekly = mine[DigestKind.DAILY], mine[DigestKind.WEEKLY]
    params: dict[str, str | int] = {
        "@daily": "digests.on" if daily.enabled else "digests.off", "daily_time": hhmm(daily.at),
        "@weekly": "digests.on" if weekly.enabled else "digests.off", "weekly_time": hhmm(weekly.at),
        "@day": f"digests.day_{weekly.weekday}"}
    choices = (
        Choice("ds:daily", "digests.btn_daily_off" if daily.enabled else "digests.btn_daily_on"),
        Choice("ds:weekly", "digests.btn_weekly_off" if weekly.enabled else "digests.btn_weekly_on"),
        Choice("dt:daily", "digests.btn_daily_time"), Choice("dt:weekly", "digests.btn_weekly_time"), BACK)
    return (Reply("digests.settings", params, choices),)


def _kind(ctx: StepContext, prefix: str) -> DigestKind | None:
    choice = ctx.msg.choice or ""
    tail = choice.removeprefix(prefix + ":") if choice.startswith(prefix + ":") else ""
    return DigestKind(tail) if tail in {k.value for k in DigestKind} else None


async def settings(ctx: StepContext) -> Step:
    switched = _kind(ctx, "ds")
    if switched is not None:
        mine = {s.kind: s for s in await my_schedules(ctx.uow)}
        now_on = await set_my_digest(ctx.uow, switched, enabled=not mine[switched].enabled)
        return stay(Reply("digests.switched_on" if now_on.enabled else "digests.switched_off",
                          {"@kind": f"digests.kind_{switched.value}"}), reprompt=True)
    timed = _kind(ctx, "dt")
    if timed is not None:
        return go(FLOW, DigestState.TIME, data={"kind": timed.value})
    return stay(reprompt=True)


async def time_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    kind = str(ctx.data.get("kind", DigestKind.DAILY.value))
    return (Reply("digests.time_prompt", {"@kind": f"digests.kind_{kind}"}, (BACK,)),)


async def time(ctx: StepContext) -> Step:
    text = c.typed(ctx)
    if not text:
        return stay(reprompt=True)
    raw = str(ctx.data.get("kind", DigestKind.DAILY.value))
    kind = DigestKind(raw) if raw in {k.value for k in DigestKind} else DigestKind.DAILY
    done = await set_my_digest(ctx.uow, kind, at_time=text)
    return go(FLOW, DigestState.SETTINGS, Reply("digests.time_set", {
        "@kind": f"digests.kind_{kind.value}", "time": hhmm(done.at)}), data={}, remember=False)


def digest_flow(storage: FileStorage | None = None) -> Flow:
    return DigestFlow(storage).flow()

"""The advisor's quote: a preview of the session's latest version (its lines,
tax, total, discount), edited while it is a draft (``quote_edit``), sent
only after a confirmation; once sent or decided, only "revise" is offered,
and a revision carries only the work still undecided (core.billing.quotes).

```mermaid
stateDiagram-v2
    [*] --> preview
    preview --> preview: send, then yes (the client gets the approval link) / no
    preview --> preview: revise (a new draft of what is still undecided)
    preview --> add: add a line
    preview --> line: a line
    preview --> discount: discount
    add --> template: labour from a template
    add --> part: a reserved part
    add --> typed: a fee / a free line
    template --> preview: a template
    part --> preview: a part
    typed --> preview: "description amount"
    line --> value: quantity / price / line discount
    line --> preview: remove
    value --> preview: a number
    discount --> preview: an amount or a percentage
    preview --> sessions.session: sent
```
"""

from __future__ import annotations

from sqlalchemy import select

from garagebot.conversations.router import BACK, Flow, StateSpec, Step, StepContext, go, stay
from garagebot.conversations.staff import common as c
from garagebot.conversations.staff import quote_edit as edit
from garagebot.conversations.staff.labels import label
from garagebot.conversations.types import Choice, Reply
from garagebot.core.billing.enums import DiscountStatus, QuoteStatus
from garagebot.core.billing.quote_flow import send_quote
from garagebot.core.billing.quotes import create_quote, revise_quote
from garagebot.core.billing.views import QuoteLineView, QuoteView, quote_view
from garagebot.core.ids import OrgId, QuoteId, SessionId
from garagebot.core.models import Quote, RepairSession
from garagebot.core.money import format_money
from garagebot.core.uow import UnitOfWork

FLOW = "quote"
S = edit.QuoteState


async def latest_quote(uow: UnitOfWork, sid: SessionId) -> QuoteId | None:
    found = (await uow.session.execute(select(Quote.id).where(
        Quote.organization_id == uow.org_id, Quote.session_id == sid,
    ).order_by(Quote.version.desc()).limit(1))).scalar_one_or_none()
    return None if found is None else QuoteId(found)


async def latest_or_new_quote(uow: UnitOfWork, sid: SessionId) -> QuoteId:
    """The session's latest version, or a new draft built from the session."""
    return await latest_quote(uow, sid) or await create_quote(uow, sid)


async def _view(ctx: StepContext) -> QuoteView:
    qid = await latest_quote(ctx.uow, c.data_session(ctx) or SessionId(0)) or QuoteId(0)
    return await quote_view(ctx.uow.session, OrgId(ctx.me.org_id), qid)


def _line_choice(ctx: StepContext, line: QuoteLineView, draft: bool) -> Choice:
    params: dict[str, str | int] = {
        "n": line.position, "text": c.localized(ctx, line.description_en, line.description_ar),
        "total": format_money(line.total, ctx.me.locale)}
    if draft:
        return Choice(f"ql:{line.id}", "quote.line", params)
    decision = label(ctx, f"quote.decision_{line.decision.value.lower()}")
    return Choice("qa:noop", "quote.line_decided", {**params, "decision": decision})


async def preview_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    v = await _view(ctx)
    rs = await ctx.uow.get(RepairSession, v.session_id)
    loc = ctx.me.locale
    if ctx.data.get("confirm"):
        return (Reply("quote.confirm_send", {"version": v.version, "total": format_money(v.total, loc),
                                             "number": rs.number},
                      (Choice("qa:yes", "quote.btn_yes_send"), Choice("qa:no", "quote.btn_no"))),)
    draft = v.status is QuoteStatus.DRAFT
    actions = [Choice("qa:add", "quote.btn_add"), Choice("qa:discount", "quote.btn_discount"),
               Choice("qa:send", "quote.btn_send")] if draft else [Choice("qa:revise", "quote.btn_revise")]
    pending = v.discount_status is DiscountStatus.PENDING
    return (Reply("quote.preview", {
        "number": rs.number, "version": v.version,
        "status": label(ctx, f"quote.status_{v.status.value.lower()}"),
        "count": len(v.lines), "subtotal": format_money(v.subtotal, loc),
        "discount": format_money(v.discount_total, loc), "tax": format_money(v.tax_total, loc),
        "total": format_money(v.total, loc),
    }, (*(_line_choice(ctx, line, draft) for line in v.lines), *actions, BACK)),
        *((Reply("quote.discount_waits"),) if pending and draft else ()))


async def preview(ctx: StepContext) -> Step:
    sid = c.data_session(ctx) or SessionId(0)
    base = {"session": sid}
    if ctx.data.get("confirm") and c.pressed(ctx, "qa:yes"):
        return await _confirmed(ctx, sid)
    v = await _view(ctx)
    if c.pressed(ctx, "qa:send") and v.status is QuoteStatus.DRAFT:
        return stay(data={**base, "confirm": True}, reprompt=True)
    if c.pressed(ctx, "qa:revise") and v.status is not QuoteStatus.DRAFT:
        new = await quote_view(ctx.uow.session, OrgId(ctx.me.org_id), await revise_quote(ctx.uow, v.id))
        return stay(Reply("quote.revised", {"version": new.version, "count": len(new.lines)}), data=base,
                    reprompt=True)
    target = {"qa:add": S.ADD, "qa:discount": S.DISCOUNT}.get(ctx.msg.choice or "")
    if target is not None and v.status is QuoteStatus.DRAFT:
        return go(FLOW, target, data={**base, "quote": v.id})
    line = c.chosen_id(ctx, "ql")
    if line is not None and v.status is QuoteStatus.DRAFT and any(x.id == line for x in v.lines):
        return go(FLOW, S.LINE, data={**base, "quote": v.id, "line": line})
    return stay(data=base, reprompt=True)


async def _confirmed(ctx: StepContext, sid: SessionId) -> Step:
    v = await _view(ctx)
    if v.status is not QuoteStatus.DRAFT:  # sent meanwhile (a second tap)
        return stay(data={"session": sid}, reprompt=True)
    await send_quote(ctx.uow, v.id)
    total = format_money(v.total, ctx.me.locale)
    return go("sessions", "session", Reply("staff.quote_sent", {"version": v.version, "total": total}),
              data={"session": sid}, remember=False)


QUOTE = Flow(FLOW, S.PREVIEW, {S.PREVIEW.value: StateSpec(preview_prompt, preview, help_key="quote.help"),
                               **edit.STATES})

"""Deciding a quote from the chat: buttons, "1,3", "all" / "الكل".

Typed replies (any state, whenever a quote waits for the client):
"all" / "الكل" / "approve" approves every pending line; "none" / "رفض الكل"
declines them; "1,3" approves lines 1 and 3 and declines the other pending
ones (the prompt says so); "decline 2", "defer 3", "approve 1,3" decide only
the lines named. Buttons carry the quote and line ids, so a button on an old
message decides exactly what it showed (or is refused once that version is
no longer open). The decision key is the provider's message id, so a
redelivered message decides nothing twice.
"""

from __future__ import annotations

from collections.abc import Mapping

from garagebot.conversations.client.intents import Intent, after_intent, intents, numbers
from garagebot.conversations.client.status import car
from garagebot.conversations.client.types import ClientCtx, ClientStep, reply
from garagebot.conversations.types import ParamValue, Reply
from garagebot.core.billing.enums import LineDecision, QuoteStatus
from garagebot.core.billing.quote_flow import decide_quote_lines
from garagebot.core.billing.views import QuoteLineView, QuoteView, quote_view
from garagebot.core.errors import InvalidInput
from garagebot.core.ids import OrgId, QuoteId, QuoteLineId
from garagebot.core.links import approval_url
from garagebot.core.money import format_money, money_sum
from garagebot.core.ports import Choice

PREFIX = "q:"
_CODES = {"a": LineDecision.APPROVED, "d": LineDecision.DECLINED, "f": LineDecision.DEFERRED}
_MARK = {LineDecision.APPROVED: "✅", LineDecision.DECLINED: "❌", LineDecision.DEFERRED: "⏸",
         LineDecision.PENDING: "•"}
_VERBS = {Intent.APPROVE: LineDecision.APPROVED, Intent.DECLINE: LineDecision.DECLINED,
          Intent.DEFER: LineDecision.DEFERRED}


async def open_quote(ctx: ClientCtx) -> QuoteView | None:
    """The quote version waiting for this client's decision, if any."""
    if ctx.visit is None:
        return None
    qid = ctx.visit.pending_quote  # read with the visit, at the start of the turn
    return None if qid is None else await quote_view(ctx.uow.session, OrgId(ctx.garage.id), qid)


def _desc(ctx: ClientCtx, line: QuoteLineView) -> str:
    return line.description_ar if ctx.locale == "ar" and line.description_ar else line.description_en


def _lines(ctx: ClientCtx, view: QuoteView) -> str:
    return "\n".join(f"{_MARK[ln.decision]} {n}. {_desc(ctx, ln)} — {format_money(ln.total, ctx.locale)}"
                     for n, ln in enumerate(view.lines, 1))


async def show_quote(ctx: ClientCtx) -> ClientStep:
    """The open quote, numbered, with how to answer (buttons where the channel has them)."""
    view = await open_quote(ctx)
    if view is None or ctx.visit is None:
        return reply(Reply("client.no_pending_quote"))
    links = ctx.services.links
    params: dict[str, ParamValue] = {
        "car": car(ctx.visit), "number": ctx.visit.number, "version": view.version,
        "lines": _lines(ctx, view), "total": format_money(view.total, ctx.locale),
        "link": approval_url(links.public_url, links.secret, view.id, now=ctx.now),
    }
    if not ctx.buttons:
        return reply(Reply("client.quote_typed", params), numbered_choices=False)
    choices = (Choice(f"{PREFIX}{view.id}:all:a", "client.choice_approve_all"),
               Choice(f"{PREFIX}{view.id}:all:d", "client.choice_decline_all"),
               Choice(f"{PREFIX}{view.id}:pick", "client.choice_pick_lines"))
    return reply(Reply("client.quote", params, choices), numbered_choices=False)


def _by_number(view: QuoteView, wanted: list[int]) -> list[QuoteLineView]:
    for n in wanted:
        if not 1 <= n <= len(view.lines):
            raise InvalidInput("error.quote_line_number", number=n, count=len(view.lines))
    return [view.lines[n - 1] for n in wanted]


def _pending(view: QuoteView) -> list[QuoteLineView]:
    return [ln for ln in view.lines if ln.decision is LineDecision.PENDING]


def typed_decisions(text: str, view: QuoteView) -> dict[QuoteLineId, LineDecision] | None:
    """What a typed reply decides on ``view``; None when it is not about the quote."""
    found = intents(text)
    listed = numbers(text)
    if listed is not None:  # "1,3": these approved, the other pending lines declined
        chosen: dict[QuoteLineId, LineDecision] = {ln.id: LineDecision.DECLINED for ln in _pending(view)}
        chosen.update({ln.id: LineDecision.APPROVED for ln in _by_number(view, listed)})
        return chosen
    for verb, decision in _VERBS.items():
        named = after_intent(text, verb)
        if named is not None:
            return {ln.id: decision for ln in _by_number(view, named)}
    if Intent.ALL in found or (found and found[0] is Intent.APPROVE):
        return {ln.id: LineDecision.APPROVED for ln in _pending(view)}
    if Intent.NONE in found or (found and found[0] is Intent.DECLINE):
        return {ln.id: LineDecision.DECLINED for ln in _pending(view)}
    if found and found[0] is Intent.DEFER:
        return {ln.id: LineDecision.DEFERRED for ln in _pending(view)}
    return None


async def decide(
    ctx: ClientCtx, view: QuoteView, decisions: Mapping[QuoteLineId, LineDecision]
) -> ClientStep:
    """Record the decisions (keyed by the provider's message id) and sum them up."""
    if not decisions:
        return reply(Reply("client.quote_nothing_pending"))
    for n, ln in enumerate(view.lines, 1):
        if ln.id in decisions and ln.decision is not LineDecision.PENDING:
            raise InvalidInput("error.quote_line_already_decided", number=n)
    status = await decide_quote_lines(ctx.uow, QuoteId(view.id), dict(decisions),
                                      key=f"{ctx.msg.provider}:{ctx.msg.event_id}")
    after = await quote_view(ctx.uow.session, OrgId(ctx.garage.id), QuoteId(view.id))
    return reply(*summary(ctx, after, status), numbered_choices=False)


def summary(ctx: ClientCtx, view: QuoteView, status: QuoteStatus) -> tuple[Reply, ...]:
    count = {d: sum(1 for ln in view.lines if ln.decision is d) for d in LineDecision}
    approved = money_sum([ln.total for ln in view.lines if ln.decision is LineDecision.APPROVED],
                         view.total.currency)
    out = [Reply("client.quote_decided", {
        "approved": count[LineDecision.APPROVED], "declined": count[LineDecision.DECLINED],
        "deferred": count[LineDecision.DEFERRED], "approved_total": format_money(approved, ctx.locale)})]
    if status is QuoteStatus.SENT:
        waiting = ", ".join(str(n) for n, ln in enumerate(view.lines, 1)
                            if ln.decision is LineDecision.PENDING)
        out.append(Reply("client.quote_still_open", {"lines": waiting}))
    else:
        out.append(Reply("client.quote_complete"))
    return tuple(out)


async def on_choice(ctx: ClientCtx, choice: str) -> ClientStep:
    """A quote button: q:<quote>:all:a|d, q:<quote>:pick, q:<quote>:l:<line>[:a|d|f]."""
    parts = choice[len(PREFIX):].split(":")
    if not parts[0].isdigit():
        return reply(Reply("client.not_understood"))
    view = await quote_view(ctx.uow.session, OrgId(ctx.garage.id), QuoteId(int(parts[0])))
    rest = parts[1:]
    if rest == ["pick"]:
        return _pick(ctx, view)
    if len(rest) == 2 and rest[0] == "all" and rest[1] in _CODES:
        return await decide(ctx, view, {ln.id: _CODES[rest[1]] for ln in _pending(view)})
    if len(rest) >= 2 and rest[0] == "l" and rest[1].isdigit():
        found = [(n, ln) for n, ln in enumerate(view.lines, 1) if ln.id == int(rest[1])]
        if found and len(rest) == 2:
            return _line(ctx, view, *found[0])
        if found and len(rest) == 3 and rest[2] in _CODES:
            return await decide(ctx, view, {found[0][1].id: _CODES[rest[2]]})
    return reply(Reply("client.not_understood"))


def _pick(ctx: ClientCtx, view: QuoteView) -> ClientStep:
    rows = tuple(Choice(f"{PREFIX}{view.id}:l:{ln.id}", "client.choice_line",
                        {"n": n, "desc": _desc(ctx, ln)[:60]})
                 for n, ln in enumerate(view.lines, 1) if ln.decision is LineDecision.PENDING)
    if not rows:
        return reply(Reply("client.quote_nothing_pending"))
    return reply(Reply("client.quote_pick", {"count": len(rows)}, rows[:10]), numbered_choices=False)


def _line(ctx: ClientCtx, view: QuoteView, n: int, line: QuoteLineView) -> ClientStep:
    base = f"{PREFIX}{view.id}:l:{line.id}"
    choices = (Choice(f"{base}:a", "client.choice_approve"), Choice(f"{base}:d", "client.choice_decline"),
               Choice(f"{base}:f", "client.choice_defer"))
    return reply(Reply("client.quote_line", {"n": n, "desc": _desc(ctx, line),
                                             "total": format_money(line.total, ctx.locale)}, choices),
                 numbered_choices=False)

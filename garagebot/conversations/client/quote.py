"""Deciding a quote from the chat: buttons, "1,3", "all" / "الكل".

Typed replies (whenever a quote waits for the client) are read by
``decisions``: an exact form decides at once, any other reply that reads as
a decision is echoed for confirmation (``confirm``), and an ambiguous one
asks again; never guessed. Buttons carry the quote and line ids, so a button
on an old message decides exactly what it showed (or is refused once that
version is no longer open). The decision key is the provider's message id,
so a redelivered message decides nothing twice.

**Whose button it is.** A button payload is only a pointer: whoever sends it
can type any id. ``on_choice`` acts on a quote only when it is a quote of
the sender's own visit in the garage the message came to (``own_quote``),
and answers every other id (another client's, another garage's, one that
does not exist, or any id from a number the garage does not know) with the
same polite refusal, revealing nothing and changing nothing. This binds the
ids to the chat that received them by who the chat is, checked when the
button is used, rather than by what the chat was shown: a signature (HMAC)
on each payload would spend Telegram's and WhatsApp's few bytes of button
data and a key to rotate, and a list of offered ids in the chat's state goes
stale as quotes are revised and messages are scrolled back to; the owner of
the quote is the fact that matters, it is one indexed read, and the core
checks it again (``quote_flow._may_decide``).
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select

from garagebot.conversations.client.status import car
from garagebot.conversations.client.types import ClientCtx, ClientStep, reply
from garagebot.conversations.types import ParamValue, Reply
from garagebot.core.billing.enums import LineDecision, QuoteStatus
from garagebot.core.billing.quote_flow import decide_quote_lines
from garagebot.core.billing.views import QuoteLineView, QuoteView, quote_view
from garagebot.core.errors import InvalidInput
from garagebot.core.ids import OrgId, QuoteId, QuoteLineId
from garagebot.core.links import approval_url
from garagebot.core.models import Quote, RepairSession
from garagebot.core.money import format_money, money_sum
from garagebot.core.ports import Choice

PREFIX = "q:"
REFUSED = "client.quote_button_refused"
_MAX_ID = 9  # digits: larger ids exist nowhere (and would overflow the database's integers)
_CODES = {"a": LineDecision.APPROVED, "d": LineDecision.DECLINED, "f": LineDecision.DEFERRED}
_MARK = {LineDecision.APPROVED: "✅", LineDecision.DECLINED: "❌", LineDecision.DEFERRED: "⏸",
         LineDecision.PENDING: "•"}


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


def by_number(view: QuoteView, wanted: Mapping[int, LineDecision]) -> dict[QuoteLineId, LineDecision]:
    """Line numbers (1-based) → line ids; a number the quote does not have is refused."""
    for n in wanted:
        if not 1 <= n <= len(view.lines):
            raise InvalidInput("error.quote_line_number", number=n, count=len(view.lines))
    return {view.lines[n - 1].id: d for n, d in wanted.items()}


def pending_numbers(view: QuoteView) -> list[int]:
    return [n for n, ln in enumerate(view.lines, 1) if ln.decision is LineDecision.PENDING]


def _pending(view: QuoteView) -> list[QuoteLineView]:
    return [ln for ln in view.lines if ln.decision is LineDecision.PENDING]


async def own_quote(ctx: ClientCtx, raw_id: str) -> QuoteView | None:
    """The quote ``raw_id`` names when it is one of the sender's own visits in
    this garage; None for anything else (nothing said about why)."""
    if ctx.client is None or not raw_id.isdigit() or len(raw_id) > _MAX_ID:
        return None
    owner = (await ctx.uow.session.execute(
        select(RepairSession.client_id).join(Quote, Quote.session_id == RepairSession.id)
        .where(Quote.organization_id == ctx.garage.id, Quote.id == int(raw_id),
               RepairSession.organization_id == ctx.garage.id)
    )).scalar_one_or_none()
    if owner is None or owner != ctx.client.id:
        return None
    return await quote_view(ctx.uow.session, OrgId(ctx.garage.id), QuoteId(int(raw_id)))


def check_pending(view: QuoteView, decisions: Mapping[QuoteLineId, LineDecision]) -> None:
    """Refuse deciding a line that was decided before."""
    for n, ln in enumerate(view.lines, 1):
        if ln.id in decisions and ln.decision is not LineDecision.PENDING:
            raise InvalidInput("error.quote_line_already_decided", number=n)


async def decide(
    ctx: ClientCtx, view: QuoteView, decisions: Mapping[QuoteLineId, LineDecision]
) -> ClientStep:
    """Record the decisions (keyed by the provider's message id) and sum them up."""
    if not decisions:
        return reply(Reply("client.quote_nothing_pending"))
    check_pending(view, decisions)
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
    """A quote button: q:<quote>:all:a|d, q:<quote>:pick, q:<quote>:l:<line>[:a|d|f];
    only on the sender's own quote (see the module docstring)."""
    parts = choice[len(PREFIX):].split(":")
    view = await own_quote(ctx, parts[0])
    if view is None:
        return reply(Reply(REFUSED))
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

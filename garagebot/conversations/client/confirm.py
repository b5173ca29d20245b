"""A typed answer to a quote, decided exactly, confirmed first, or asked again.

```mermaid
stateDiagram-v2
    main --> main: exact ("1,3", "all", "الكل", "decline 2"): decided
    main --> main: ambiguous ("approve 1-3", "the first one"): asked again
    main --> quote_confirm: reads as a decision ("موافق على ١ بس"): echoed
    quote_confirm --> main: yes / نعم: exactly what was echoed is decided
    quote_confirm --> main: no / لا: nothing decided, asked again
    quote_confirm --> main: anything else: the echo is dropped, the message read as in main
```

What was echoed is kept in the chat's data (line ids and decisions, the
quote and when), so "yes" decides exactly that, on that quote version, and
only within ``CONFIRM_TTL``; a revised quote or an older echo decides
nothing. The confirming message's id is the decision key, as for any other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import replace

from garagebot.conversations.client import decisions, quote
from garagebot.conversations.client.status import car
from garagebot.conversations.client.types import ClientCtx, ClientState, ClientStep, reply
from garagebot.conversations.text import normalize
from garagebot.conversations.types import Reply
from garagebot.core.billing.enums import LineDecision
from garagebot.core.billing.views import QuoteView
from garagebot.core.ids import QuoteLineId
from garagebot.core.jsonable import JsonValue
from garagebot.core.money import format_money, money_sum
from garagebot.core.ports import Choice

CONFIRM_TTL = dt.timedelta(minutes=30)
YES_CHOICE = "qc:yes"
NO_CHOICE = "qc:no"
_KEY = "confirm"
_YES = frozenset(
    normalize(w)
    for w in (
        "yes",
        "y",
        "yes please",
        "yes confirm",
        "confirm",
        "ok",
        "okay",
        "sure",
        "yep",
        "yeah",
        "correct",
        "نعم",
        "اه",
        "ايوه",
        "ايوا",
        "اكيد",
        "تمام",
        "اكد",
        "أكد",
        "تأكيد",
        "موافق",
        "اوافق",
        "ماشي",
        "صح",
        "نعم اكد",
    )
)
_NO = frozenset(
    normalize(w)
    for w in (
        "no",
        "n",
        "nope",
        "cancel",
        "wrong",
        "change",
        "لا",
        "لأ",
        "الغاء",
        "إلغاء",
        "غلط",
        "مش هيك",
        "لا مش هيك",
        "تعديل",
    )
)
_SUMMARY = (
    (LineDecision.APPROVED, "client.quote_confirm_approve"),
    (LineDecision.DECLINED, "client.quote_confirm_decline"),
    (LineDecision.DEFERRED, "client.quote_confirm_defer"),
)


async def typed(ctx: ClientCtx, view: QuoteView) -> ClientStep | None:
    """The client's typed reply while ``view`` waits for them; None when it is
    not about the quote."""
    reading = decisions.read(ctx.msg.text, quote.pending_numbers(view))
    if reading is None:
        return None
    if reading.certainty is decisions.Certainty.AGAIN:
        return reply(Reply("client.quote_ask_again"), numbered_choices=False)
    chosen = quote.by_number(view, reading.by_number)
    if reading.certainty is decisions.Certainty.EXACT:
        return await quote.decide(ctx, view, chosen)
    quote.check_pending(view, chosen)
    return _echo(ctx, view, chosen)


def _echo(ctx: ClientCtx, view: QuoteView, chosen: Mapping[QuoteLineId, LineDecision]) -> ClientStep:
    sep = "، " if ctx.locale == "ar" else ", "
    parts = []
    for decision, key in _SUMMARY:
        lines = [(n, ln) for n, ln in enumerate(view.lines, 1) if chosen.get(ln.id) is decision]
        if lines:
            total = money_sum([ln.total for _, ln in lines], view.total.currency)
            parts.append(
                ctx.text(
                    f"{key}_{'one' if len(lines) == 1 else 'many'}",
                    {"lines": sep.join(str(n) for n, _ in lines), "total": format_money(total, ctx.locale)},
                )
            )
    visit = ctx.visit
    assert visit is not None  # a quote waits only on a visit
    choices = (
        (Choice(YES_CHOICE, "client.choice_confirm_yes"), Choice(NO_CHOICE, "client.choice_confirm_no"))
        if ctx.buttons
        else ()
    )
    echoed: dict[str, JsonValue] = {
        "quote": view.id,
        "at": ctx.now.isoformat(),
        "d": {str(line): d.value for line, d in chosen.items()},
    }
    data = {**ctx.data, _KEY: echoed}
    said = Reply(
        "client.quote_confirm",
        {"car": car(visit), "number": visit.number, "summary": "\n".join(parts)},
        choices,
    )
    return reply(said, state=ClientState.QUOTE_CONFIRM, data=data, numbered_choices=False)


async def answer(ctx: ClientCtx) -> ClientStep | None:
    """In ``quote_confirm``: yes decides exactly what was echoed, no decides
    nothing; None for anything else (see ``dropped``)."""
    word = normalize(ctx.msg.text) if ctx.msg.choice is None else ""
    yes = ctx.msg.choice == YES_CHOICE or word in _YES
    if not yes and not (ctx.msg.choice == NO_CHOICE or word in _NO):
        return None
    data = _without(ctx.data)
    if not yes:
        return reply(
            Reply("client.quote_confirm_cancelled"), state=ClientState.MAIN, data=data, numbered_choices=False
        )
    echoed = ctx.data.get(_KEY)
    view = await quote.open_quote(ctx)
    chosen = _echoed(echoed, view, ctx.now)
    if view is None or chosen is None:
        return reply(
            Reply("client.quote_confirm_expired"), state=ClientState.MAIN, data=data, numbered_choices=False
        )
    step = await quote.decide(ctx, view, chosen)
    return replace(step, state=ClientState.MAIN, data=data)


def _echoed(
    echoed: JsonValue, view: QuoteView | None, now: dt.datetime
) -> dict[QuoteLineId, LineDecision] | None:
    """The decisions kept by the echo, if they are for ``view`` and still fresh."""
    if not isinstance(echoed, dict) or view is None or echoed.get("quote") != view.id:
        return None
    at, kept = echoed.get("at"), echoed.get("d")
    if (
        not isinstance(at, str)
        or not isinstance(kept, dict)
        or now - dt.datetime.fromisoformat(at) > CONFIRM_TTL
    ):
        return None
    return {QuoteLineId(int(line)): LineDecision(str(d)) for line, d in kept.items()}


def dropped(ctx: ClientCtx) -> ClientCtx:
    """``ctx`` in ``main`` without the echo: a message other than yes / no
    leaves the echoed answer undecided and is read afresh."""
    return replace(ctx, state=ClientState.MAIN, data=_without(ctx.data))


def _without(data: Mapping[str, JsonValue]) -> dict[str, JsonValue]:
    return {k: v for k, v in data.items() if k != _KEY}

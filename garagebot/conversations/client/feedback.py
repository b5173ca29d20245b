"""After delivery: a 1–5 rating (a digit, stars or a button), then an
optional comment (any text; "no" / "لا" skips it).

```mermaid
stateDiagram-v2
    main --> rating_comment: 1-5 / ⭐⭐⭐⭐ / rate:n (delivered visit)
    rating_comment --> main: a comment (stored) or "no" (skipped)
```
"""

from __future__ import annotations

from garagebot.conversations.client.intents import Intent, intents
from garagebot.conversations.client.types import ClientCtx, ClientState, ClientStep, reply
from garagebot.conversations.types import Reply
from garagebot.core.enums import SessionStatus
from garagebot.core.feedback import comment_visit, rate_visit
from garagebot.core.ports import Choice

RATE_PREFIX = "rate:"


def can_rate(ctx: ClientCtx) -> bool:
    return ctx.client is not None and ctx.visit is not None and ctx.visit.status is SessionStatus.DELIVERED


def ask(ctx: ClientCtx) -> ClientStep:
    """The 1–5 question (buttons where the channel has them)."""
    if not can_rate(ctx):
        return reply(Reply("client.rating_nothing_to_rate"))
    choices = tuple(Choice(f"{RATE_PREFIX}{n}", "client.choice_stars", {"stars": "⭐" * n})
                    for n in range(1, 6))
    return reply(Reply("client.rating_question", {}, choices))


async def rate(ctx: ClientCtx, score: int) -> ClientStep:
    if not can_rate(ctx):
        return reply(Reply("client.rating_nothing_to_rate"))
    assert ctx.visit is not None
    await rate_visit(ctx.uow, ctx.visit.session_id, score)
    return reply(Reply("client.rating_thanks", {"score": score}), state=ClientState.RATING_COMMENT)


async def on_choice(ctx: ClientCtx, choice: str) -> ClientStep:
    value = choice[len(RATE_PREFIX):]
    if not value.isdigit():
        return reply(Reply("client.not_understood"))
    return await rate(ctx, int(value))


async def comment(ctx: ClientCtx) -> ClientStep:
    """The comment after a rating, or "no" to skip it."""
    found = intents(ctx.msg.text)
    if not ctx.msg.text.strip() or (found and found[0] is Intent.SKIP):
        return reply(Reply("client.rating_done"), state=ClientState.MAIN)
    if ctx.visit is None:
        return reply(Reply("client.rating_done"), state=ClientState.MAIN)
    await comment_visit(ctx.uow, ctx.visit.session_id, ctx.msg.text)
    return reply(Reply("client.comment_thanks"), state=ClientState.MAIN)

"""One turn of a client conversation: the state table and the main reader.

```mermaid
stateDiagram-v2
    [*] --> main
    main --> main: where is my car / quote / 1,3 / all / pin / language / menu
    main --> main: 1 / 2 / 3 answering an offered or reminded appointment (no quote open)
    main --> main: anything else (forwarded to the advisor)
    main --> intake_name: a number the garage does not know
    main --> intake_plate: "book"
    main --> intake_time: 1 after a service-due reminder (car and service filled in)
    main --> rating_comment: 1-5 after delivery
    main --> quote_confirm: a decision that is not exact ("موافق على ١ بس"), echoed
    quote_confirm --> main: yes (decided as echoed) / no / anything else (read as in main)
    intake_name --> intake_plate
    intake_plate --> intake_complaint
    intake_complaint --> intake_time
    intake_time --> main: request created
    rating_comment --> main
```

Buttons (``choice``) mean the same in every state; files attach to the
visit in every state; the language can be switched in every state.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from garagebot.conversations.client import (
    appointments,
    confirm,
    feedback,
    intake,
    quote,
    service,
    status,
    threads,
)
from garagebot.conversations.client.intents import Intent, intents, rating
from garagebot.conversations.client.types import ClientCtx, ClientState, ClientStep, reply
from garagebot.conversations.types import Reply

Handler = Callable[[ClientCtx], Awaitable[ClientStep]]

_LANGUAGES = {Intent.ENGLISH: "en", Intent.ARABIC: "ar"}
_QUOTE_WORDS = frozenset({Intent.APPROVE, Intent.DECLINE, Intent.DEFER, Intent.ALL, Intent.NONE})


async def _main(ctx: ClientCtx) -> ClientStep:
    """What a client says outside any question."""
    if ctx.client is None:
        return intake.start(ctx)
    if ctx.msg.location is not None and not ctx.msg.text:
        loc = ctx.msg.location
        return await threads.forward(ctx, f"📍 {loc.latitude:.5f},{loc.longitude:.5f}")
    text = ctx.msg.text
    found = intents(text)
    open_quote = await quote.open_quote(ctx)
    if open_quote is not None:
        answered = await confirm.typed(ctx, open_quote)
        if answered is not None:
            return answered
    else:
        booked = await appointments.typed(ctx)
        if booked is not None:
            return booked
    booked = await service.book_service(ctx)
    if booked is not None:
        return booked
    score = rating(text)
    if score is not None and feedback.can_rate(ctx):
        return await feedback.rate(ctx, score)
    first = found[0] if found else None
    if first is not None and first in _QUOTE_WORDS:
        return reply(Reply("client.no_pending_quote"))
    handler = _BY_INTENT.get(first) if first is not None else None
    if handler is not None:
        return await handler(ctx)
    return await threads.forward(ctx)


async def _status(ctx: ClientCtx) -> ClientStep:
    return status.status_reply(ctx)


async def _pin(ctx: ClientCtx) -> ClientStep:
    return status.pin_reply(ctx)


async def _rate(ctx: ClientCtx) -> ClientStep:
    return feedback.ask(ctx)


async def _book(ctx: ClientCtx) -> ClientStep:
    return intake.start(ctx)


async def _language(ctx: ClientCtx) -> ClientStep:
    return status.language_question()


_BY_INTENT: Mapping[Intent, Handler] = {
    Intent.STATUS: _status,
    Intent.QUOTE: quote.show_quote,
    Intent.PIN: _pin,
    Intent.RATE: _rate,
    Intent.BOOK: _book,
    Intent.LANGUAGE: _language,
    Intent.MENU: status.menu_reply,
}

# The state table: what reads the next message in each state.
STATES: Mapping[ClientState, Handler] = {
    ClientState.MAIN: _main,
    ClientState.INTAKE_NAME: intake.answer,
    ClientState.INTAKE_PLATE: intake.answer,
    ClientState.INTAKE_COMPLAINT: intake.answer,
    ClientState.INTAKE_TIME: intake.answer,
    ClientState.RATING_COMMENT: feedback.comment,
    ClientState.QUOTE_CONFIRM: _main,  # after ``confirm.dropped`` (``run_turn``)
}

_CHOICES: Mapping[str, Handler] = {
    status.STATUS_CHOICE: _status,
    status.QUOTE_CHOICE: quote.show_quote,
    status.PIN_CHOICE: _pin,
    status.LANGUAGE_CHOICE: _language,
}


async def _choice(ctx: ClientCtx, choice: str) -> ClientStep:
    """A pressed button (or a numbered option typed back)."""
    handler = _CHOICES.get(choice)
    if handler is not None:
        return await handler(ctx)
    if choice.startswith(status.LANGUAGE_PREFIX):
        return await status.switch_language(ctx, choice[len(status.LANGUAGE_PREFIX):])
    if choice.startswith(quote.PREFIX):
        return await quote.on_choice(ctx, choice)
    if choice.startswith(feedback.RATE_PREFIX):
        return await feedback.on_choice(ctx, choice)
    if choice.startswith(appointments.PREFIX):
        return await appointments.on_choice(ctx, choice)
    if choice.startswith(intake.TIME_PREFIX):
        return await intake.on_time_choice(ctx, choice)
    return reply(Reply("client.not_understood"))


async def run_turn(ctx: ClientCtx) -> ClientStep:
    """Read one message in the conversation's state."""
    if ctx.state is not ClientState.QUOTE_CONFIRM:
        return await _read(ctx)
    answered = await confirm.answer(ctx)
    if answered is not None:
        return answered
    ctx = confirm.dropped(ctx)  # not yes / no: the echoed answer stays undecided
    step = await _read(ctx)
    data = ctx.data if step.data is None else step.data
    return ClientStep(step.replies, step.state or ClientState.MAIN, data, step.numbered_choices, step.locale)


async def _read(ctx: ClientCtx) -> ClientStep:
    msg = ctx.msg
    if msg.choice is not None:
        return await _choice(ctx, msg.choice)
    if msg.media:
        return await threads.attach(ctx)
    found = intents(msg.text)
    if len(found) == 1 and found[0] in _LANGUAGES and len(msg.text.split()) <= 2:
        return await status.switch_language(ctx, _LANGUAGES[found[0]])
    return await STATES[ctx.state](ctx)

"""Booking a visit by chat: a number the garage does not know (or a client
who types "book") answers name → plate → complaint → preferred time, and a
request (``core.repair.intake.create_request``) waits for the advisors, who
hear of it on Telegram.

```mermaid
stateDiagram-v2
    [*] --> intake_name: unknown number writes
    main --> intake_plate: known client types "book"
    intake_name --> intake_plate: a name
    intake_plate --> intake_plate: not a plate
    intake_plate --> intake_complaint: a plate
    intake_complaint --> intake_time: what is wrong
    intake_time --> intake_time: not a time
    intake_time --> main: today / tomorrow 10 / any time (request created)
```

The request is written by whoever writes: the client, or for a number the
garage does not know the *contact* (``Actor.contact``), never the system;
the core lets a chat book only for the phone it writes from.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

from garagebot.conversations.client.intents import Preferred, preferred_time
from garagebot.conversations.client.status import when
from garagebot.conversations.client.types import ClientCtx, ClientState, ClientStep, reply
from garagebot.conversations.text import plate_in
from garagebot.conversations.types import Reply
from garagebot.core.client_threads import announce_request
from garagebot.core.jsonable import JsonValue
from garagebot.core.normalize import clean_text
from garagebot.core.ports import Choice
from garagebot.core.repair.intake import create_request

MAX_NAME = 100
MAX_COMPLAINT = 2000
TIME_PREFIX = "it:"
_TIME_CHOICES = (Choice(f"{TIME_PREFIX}today", "client.choice_today"),
                 Choice(f"{TIME_PREFIX}tomorrow", "client.choice_tomorrow"),
                 Choice(f"{TIME_PREFIX}any", "client.choice_any_time"))
TIME_CHOICES = _TIME_CHOICES
_CHOICE_TEXT = {"today": "today", "tomorrow": "tomorrow", "any": "any time"}


def _answers(ctx: ClientCtx) -> dict[str, JsonValue]:
    return dict(cast(Mapping[str, JsonValue], ctx.data.get("intake") or {}))


def _data(ctx: ClientCtx, answers: Mapping[str, JsonValue] | None) -> dict[str, JsonValue]:
    data = {k: v for k, v in ctx.data.items() if k != "intake"}
    if answers is not None:
        data["intake"] = dict(answers)
    return data


def start(ctx: ClientCtx) -> ClientStep:
    """Welcome a new number (ask the name) or a known client (ask the plate)."""
    garage = ctx.garage.name(ctx.locale)
    if ctx.client is None:
        return reply(Reply("client.intake_welcome", {"garage": garage}),
                     state=ClientState.INTAKE_NAME, data=_data(ctx, {}))
    answers: dict[str, JsonValue] = {"name": ctx.client.name}
    return reply(Reply("client.intake_plate", {"name": ctx.client.name}),
                 state=ClientState.INTAKE_PLATE, data=_data(ctx, answers))


async def answer(ctx: ClientCtx) -> ClientStep:
    """The answer to the intake question of the current state."""
    text = clean_text(ctx.msg.text)
    answers = _answers(ctx)
    if ctx.state is ClientState.INTAKE_NAME:
        if not text or len(text) > MAX_NAME:
            return reply(Reply("client.intake_name_again"))
        answers["name"] = text
        return reply(Reply("client.intake_plate", {"name": text}),
                     state=ClientState.INTAKE_PLATE, data=_data(ctx, answers))
    if ctx.state is ClientState.INTAKE_PLATE:
        found = plate_in(text)
        if found is None:
            return reply(Reply("client.intake_plate_again"))
        answers["plate"] = found
        return reply(Reply("client.intake_complaint"), state=ClientState.INTAKE_COMPLAINT,
                     data=_data(ctx, answers))
    if ctx.state is ClientState.INTAKE_COMPLAINT:
        if not text or len(text) > MAX_COMPLAINT:
            return reply(Reply("client.intake_complaint_again"))
        answers["complaint"] = text
        return reply(Reply("client.intake_time", {}, _TIME_CHOICES), state=ClientState.INTAKE_TIME,
                     data=_data(ctx, answers))
    return await _time(ctx, text, answers)


async def on_time_choice(ctx: ClientCtx, choice: str) -> ClientStep:
    word = _CHOICE_TEXT.get(choice[len(TIME_PREFIX):])
    if ctx.state is not ClientState.INTAKE_TIME or word is None:
        return reply(Reply("client.not_understood"))
    return await _time(ctx, word, _answers(ctx))


async def _time(ctx: ClientCtx, text: str, answers: Mapping[str, JsonValue]) -> ClientStep:
    wanted = preferred_time(text, ctx.now, ctx.garage.timezone)
    if wanted is None:
        return reply(Reply("client.intake_time_again", {}, _TIME_CHOICES))
    return await _finish(ctx, answers, wanted)


async def _finish(ctx: ClientCtx, answers: Mapping[str, JsonValue], wanted: Preferred) -> ClientStep:
    name, number_plate = str(answers.get("name") or ""), str(answers.get("plate") or "")
    complaint = str(answers.get("complaint") or "")
    request_id = await create_request(  # as the client or the contact writing: never the system
        ctx.uow, phone=ctx.msg.sender, plate=number_plate, complaint=complaint, client_name=name or None,
        locale=ctx.locale, preferred_time=wanted.when,
    )
    shown = when(ctx, wanted.when) if wanted.when else ctx.text("client.any_time")
    await announce_request(ctx.uow, request_id, name=name or ctx.msg.sender, phone=ctx.msg.sender,
                           plate=number_plate, complaint=complaint, preferred=shown)
    done = Reply("client.intake_done", {"name": name, "id": request_id, "car": number_plate, "when": shown})
    return reply(done, state=ClientState.MAIN, data=_data(ctx, None))

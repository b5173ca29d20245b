"""Time typed in afterwards on a step ("time 30", "وقت ٣٠", or the ⏲ button
and then the minutes): recorded with ``add_manual_time`` for the technician
on the card."""

from __future__ import annotations

from garagebot.conversations.router import StepContext
from garagebot.conversations.staff import common as c
from garagebot.conversations.text import Vocabulary, parse_int
from garagebot.conversations.types import Reply
from garagebot.core.ids import StepId
from garagebot.core.models import Step as StepRow
from garagebot.core.work.timers import add_manual_time

BUTTON = "ts:time"
PROMPT = "floor.time_prompt"
WORDS = Vocabulary({"time": ("time", "log time", "add time", "minutes",
                             "وقت", "سجل وقت", "اضف وقت", "دقائق")})


def typed_minutes(ctx: StepContext) -> tuple[bool, int | None]:
    """Whether the message asks to log time, and the minutes typed with it."""
    if ctx.msg.choice is not None:
        return ctx.msg.choice == BUTTON, None
    found = WORDS.match(c.typed(ctx)) if c.typed(ctx) else None
    return (found is not None, None if found is None else found.number)


def minutes_of(ctx: StepContext) -> int | None:
    """The minutes typed at the prompt ("30", "٣٠", "time 30")."""
    text = c.typed(ctx)
    found = WORDS.match(text) if text else None
    return found.number if found is not None else (parse_int(text) if text else None)


async def log_time(ctx: StepContext, step_id: StepId, minutes: int) -> Reply:
    await add_manual_time(ctx.uow, step_id, minutes)
    row = await ctx.uow.get(StepRow, step_id)
    return Reply("floor.time_added", {"minutes": minutes, "step": c.localized(ctx, row.name_en, row.name_ar)})

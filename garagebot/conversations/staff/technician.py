"""The technician's and assistant's flow: today's jobs, a step's card (timer,
checklist, photos / documents / voice notes, done), a note, an exception, and
additional work found. Parts open the parts flow for the step's session.

```mermaid
stateDiagram-v2
    [*] --> jobs
    jobs --> step: job button / number / "start 2" / session number / plate
    jobs --> jobs: photo while a timer runs (attached) / "done" (the running step) / not understood
    step --> step: "start 2" (job 2 of the list, started)
    step --> step: start / pause / stop (card edited in place) / tick / photo / "note …"
    step --> jobs: done (refused with the reason while evidence is missing) / "problem …"
    step --> note: note
    step --> flag: problem
    step --> extra: additional work
    step --> step: "time 30" (minutes worked, recorded)
    step --> time: ⏲ time
    time --> step: minutes
    step --> parts.search: parts
    note --> step: text
    flag --> flag: photo (kept)
    flag --> jobs: reason (exception raised)
    extra --> step: description [minutes]
```
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.conversations.router import (
    MENU,
    MENU_FLOW,
    MENU_STATE,
    Flow,
    StateSpec,
    Step,
    StepContext,
    Waiting,
    go,
    stay,
)
from garagebot.conversations.staff import common as c
from garagebot.conversations.staff import time_entry
from garagebot.conversations.staff.parts import FLOW as PARTS_FLOW
from garagebot.conversations.staff.parts import PartsState
from garagebot.conversations.staff.technician_views import asks_for_the_list, job_rows, pick_job, step_card
from garagebot.conversations.text import Match, parse_int
from garagebot.conversations.types import Reply
from garagebot.core.additional_work import report_additional_work
from garagebot.core.ids import MediaId, StepId
from garagebot.core.models import Step as StepRow
from garagebot.core.models import StepChecklistItem
from garagebot.core.ports import FileStorage
from garagebot.core.work.exceptions import flag_exception
from garagebot.core.work.queries import read_my_jobs_ahead
from garagebot.core.work.steps import add_step_note, complete_step, tick_checklist_item
from garagebot.core.work.timers import pause_timer, start_timer, stop_timer

FLOW = "tech"


class TechState(StrEnum):
    JOBS = "jobs"
    STEP = "step"
    NOTE = "note"
    FLAG = "flag"
    EXTRA = "extra"
    TIME = "time"


_LISTS_AT = frozenset({(MENU_FLOW, MENU_STATE), (FLOW, TechState.JOBS.value)})


def lists_only(waiting: Waiting) -> bool:
    """Whether the message only asks for the job list where that changes
    nothing before the list is read: plain "my jobs" at the menu or on the
    list itself (``asks_for_the_list``)."""
    msg = waiting.msg
    if (waiting.flow, waiting.state) not in _LISTS_AT or msg.media or msg.choice is not None or not msg.text:
        return False
    found = c.WORDS.match(msg.text)
    return found is not None and found.intent == "my_jobs" and not found.rest


async def read_lists_ahead(session: AsyncSession, waiting: Sequence[Waiting], now: dt.datetime) -> None:
    """The job lists a chat group's plain "my jobs" will show, in one statement."""
    await read_my_jobs_ahead(session, [(w.me.org_id, w.me.user_id) for w in waiting if lists_only(w)], now)


def _to_step(step_id: int, *replies: Reply) -> Step:
    return go(FLOW, TechState.STEP, *replies, data={"step": step_id})


class Technician:
    """The flow's steps; ``storage`` receives attached files."""

    def __init__(self, storage: FileStorage | None) -> None:
        self.storage = storage

    async def _attach(self, ctx: StepContext, step_id: StepId) -> list[MediaId]:
        if self.storage is None:
            return []
        return await c.attach_sent_media(ctx, self.storage, step_id=step_id)

    async def jobs_prompt(self, ctx: StepContext) -> tuple[Reply, ...]:
        rows = await job_rows(ctx)
        if not rows:
            return (Reply("staff.no_jobs", {}, (MENU,)),)
        return (Reply("staff.my_jobs", {"n": len(rows)}, tuple(rows)),)

    async def jobs(self, ctx: StepContext) -> Step:
        if asks_for_the_list(ctx):
            return stay(reprompt=True)
        picked = await pick_job(ctx)
        if picked.step_id is None:
            return await self._jobs_other(ctx, picked.running)
        if picked.start:
            await start_timer(ctx.uow, picked.step_id)
            return _to_step(picked.step_id, Reply("staff.timer_started"))
        return _to_step(picked.step_id)

    async def _jobs_other(self, ctx: StepContext, running: StepId | None) -> Step:
        if ctx.msg.media:
            if running is None:
                return stay(Reply("staff.media_which_step"), reprompt=True)
            attached = await self._attach(ctx, running)
            return _to_step(running, Reply("staff.media_attached", {"n": len(attached)}))
        found = c.understood(ctx)
        if found is not None and found.intent == "my_jobs":
            return stay(reprompt=True)
        if found is not None and found.intent == "done" and not found.rest:
            if running is None:
                return stay(Reply("staff.done_which_step"), reprompt=True)
            await complete_step(ctx.uow, running)  # "done" means the job whose timer runs
            return stay(await _finished(ctx, running), reprompt=True)
        return stay(Reply("staff.not_understood_jobs"), reprompt=True)

    async def step_prompt(self, ctx: StepContext) -> tuple[Reply, ...]:
        step_id = c.data_step(ctx)
        if step_id is None:
            return await self.jobs_prompt(ctx)
        return (await step_card(ctx, step_id),)

    async def step(self, ctx: StepContext) -> Step:
        step_id = c.data_step(ctx)
        if step_id is None:
            return go(FLOW, TechState.JOBS, remember=False)
        if ctx.msg.media:
            attached = await self._attach(ctx, step_id)
            return stay(Reply("staff.media_attached", {"n": len(attached)}), reprompt=True)
        item = c.chosen_id(ctx, "tc")
        if item is not None:
            return await _tick(ctx, step_id, item)
        action = _action(ctx)
        if action == "start" and (c.understood(ctx) or _NO_MATCH).number is not None:
            return await self.jobs(ctx)  # "start 2" on a card: job 2 of the list
        if action in _TIMER:
            await _TIMER[action](ctx.uow, step_id)
            return await _show_timer(ctx, step_id, action)
        return await self._step_action(ctx, step_id, action)

    async def _step_action(self, ctx: StepContext, step_id: StepId, action: str | None) -> Step:
        rest = (c.understood(ctx) or _NO_MATCH).rest
        if action == "done":
            await complete_step(ctx.uow, step_id)
            return go(FLOW, TechState.JOBS, await _finished(ctx, step_id), remember=False)
        if action == "tick":
            return await _tick_position(ctx, step_id, parse_int(rest))
        if action == "note":
            return await _note(ctx, step_id, rest) if rest else go(FLOW, TechState.NOTE)
        if action == "flag":
            return await self._flag(ctx, step_id, rest, None) if rest else go(FLOW, TechState.FLAG)
        if action == "extra":
            return await _extra(ctx, step_id, rest) if rest else go(FLOW, TechState.EXTRA)
        if action == "parts":
            return await _to_parts(ctx, step_id)
        if action == "my_jobs":
            return go(FLOW, TechState.JOBS, remember=False)
        asks_time, minutes = time_entry.typed_minutes(ctx)
        if asks_time:
            return (_to_step(step_id, await time_entry.log_time(ctx, step_id, minutes)) if minutes
                    else go(FLOW, TechState.TIME))
        return stay(Reply("staff.not_understood_step"), reprompt=True)

    async def note(self, ctx: StepContext) -> Step:
        step_id = c.data_step(ctx)
        text = c.typed(ctx)
        if step_id is None or not text:
            return stay(Reply("staff.note_prompt"))
        return await _note(ctx, step_id, text)

    async def flag(self, ctx: StepContext) -> Step:
        step_id = c.data_step(ctx)
        if step_id is None:
            return go(FLOW, TechState.JOBS, remember=False)
        media = c.data_int(ctx.data, "media")
        if ctx.msg.media:
            attached = await self._attach(ctx, step_id)
            media = attached[0] if attached else media
        reason = c.typed(ctx)
        if not reason:
            return stay(Reply("staff.flag_photo_kept"), data={**ctx.data, "media": media})
        return await self._flag(ctx, step_id, reason, None if media is None else MediaId(media))

    async def _flag(self, ctx: StepContext, step_id: StepId, reason: str, media: MediaId | None) -> Step:
        await flag_exception(ctx.uow, step_id, reason, media)
        return go(FLOW, TechState.JOBS, Reply("staff.flag_sent"), remember=False)

    async def extra(self, ctx: StepContext) -> Step:
        step_id = c.data_step(ctx)
        text = c.typed(ctx)
        if step_id is None or not text:
            return stay(Reply("staff.extra_prompt"))
        return await _extra(ctx, step_id, text)

    async def time(self, ctx: StepContext) -> Step:
        step_id = c.data_step(ctx)
        minutes = time_entry.minutes_of(ctx)
        if step_id is None or not minutes:
            return stay(Reply(time_entry.PROMPT))
        return _to_step(step_id, await time_entry.log_time(ctx, step_id, minutes))

    def flow(self) -> Flow:
        async def ask(key: str, _: StepContext) -> tuple[Reply, ...]:
            return (Reply(key, {}, (MENU,)),)

        async def note_p(ctx: StepContext) -> tuple[Reply, ...]:
            return await ask("staff.note_prompt", ctx)

        async def flag_p(ctx: StepContext) -> tuple[Reply, ...]:
            return await ask("staff.flag_prompt", ctx)

        async def extra_p(ctx: StepContext) -> tuple[Reply, ...]:
            return await ask("staff.extra_prompt", ctx)

        async def time_p(ctx: StepContext) -> tuple[Reply, ...]:
            return await ask(time_entry.PROMPT, ctx)

        return Flow(FLOW, TechState.JOBS, {
            TechState.JOBS: StateSpec(self.jobs_prompt, self.jobs, help_key="staff.help_jobs"),
            TechState.STEP: StateSpec(self.step_prompt, self.step, help_key="staff.help_step"),
            TechState.NOTE: StateSpec(note_p, self.note, help_key="staff.help_step"),
            TechState.FLAG: StateSpec(flag_p, self.flag, help_key="staff.help_step"),
            TechState.EXTRA: StateSpec(extra_p, self.extra, help_key="staff.help_step"),
            TechState.TIME: StateSpec(time_p, self.time, help_key="staff.help_step"),
        })


_NO_MATCH = Match("")
_TIMER = {"start": start_timer, "pause": pause_timer, "stop": stop_timer}
_TIMER_KEYS = {"start": "staff.timer_started", "pause": "staff.timer_paused", "stop": "staff.timer_stopped"}
_BUTTONS = {"ts:start": "start", "ts:pause": "pause", "ts:stop": "stop", "ts:done": "done",
            "ts:note": "note", "ts:flag": "flag", "ts:extra": "extra", "ts:parts": "parts",
            "ts:jobs": "my_jobs"}


def _action(ctx: StepContext) -> str | None:
    if ctx.msg.choice is not None:
        return _BUTTONS.get(ctx.msg.choice)
    found = c.understood(ctx)
    return None if found is None else found.intent


async def _show_timer(ctx: StepContext, step_id: StepId, action: str) -> Step:
    """A button on the card edits the card (the live timer display); typed words get a new one."""
    said = Reply(_TIMER_KEYS[action])
    if ctx.msg.origin_message_id is None:
        return stay(said, reprompt=True)
    card = await step_card(ctx, step_id)
    edited = Reply(card.key, card.params, card.choices, edit_message_id=ctx.msg.origin_message_id)
    return stay(said, edited)


async def _finished(ctx: StepContext, step_id: StepId) -> Reply:
    """"<step> is done", named in the reader's language."""
    row = await ctx.uow.get(StepRow, step_id)
    return Reply("floor.step_finished", {"step": c.localized(ctx, row.name_en, row.name_ar)})


async def _tick(ctx: StepContext, step_id: StepId, item_id: int) -> Step:
    item = await ctx.uow.get(StepChecklistItem, item_id)
    if item.step_id != step_id:
        return stay(Reply("staff.not_understood_step"), reprompt=True)
    await tick_checklist_item(ctx.uow, item.id, not item.done)
    return stay(Reply("staff.ticked", {"text": c.localized(ctx, item.text_en, item.text_ar)}), reprompt=True)


async def _tick_position(ctx: StepContext, step_id: StepId, position: int | None) -> Step:
    items = (await ctx.uow.session.scalars(
        select(StepChecklistItem.id).where(StepChecklistItem.organization_id == ctx.uow.org_id,
                                           StepChecklistItem.step_id == step_id)
        .order_by(StepChecklistItem.position)
    )).all()
    if position is None or not 1 <= position <= len(items):
        return stay(Reply("staff.tick_which", {"n": len(items)}), reprompt=True)
    return await _tick(ctx, step_id, items[position - 1])


async def _note(ctx: StepContext, step_id: StepId, text: str) -> Step:
    await add_step_note(ctx.uow, step_id, text)
    return _to_step(step_id, Reply("staff.note_added"))


async def _extra(ctx: StepContext, step_id: StepId, text: str) -> Step:
    """"replace rear pads 90": the trailing number is the minutes (default 60)."""
    words = text.rsplit(" ", 1)
    minutes = parse_int(words[-1]) if len(words) == 2 else None
    description = words[0] if minutes is not None else text
    await report_additional_work(ctx.uow, step_id, description, minutes or 60)
    return _to_step(step_id, Reply("staff.extra_reported", {"text": description}))


async def _to_parts(ctx: StepContext, step_id: StepId) -> Step:
    row = await ctx.uow.get(StepRow, step_id)
    return go(PARTS_FLOW, PartsState.SEARCH, data={"session": row.session_id, "step": step_id})

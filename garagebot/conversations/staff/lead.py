"""The lead technician's flow: the exception queue (shown with the photo the
technician sent; retry / skip with a comment / delay / reassign the step) and the final review of job cards
(approve, send back with a reason, or reject the job with a reason). The
reassign picker shows each person's load and skill, the suggested one first.

```mermaid
stateDiagram-v2
    [*] --> queue
    queue --> exception: an open exception
    queue --> card: a job card awaiting review
    exception --> queue: retry / "skip <comment>" / "delay <hours>"
    exception --> skip: skip
    exception --> delay: delay
    exception --> assign: reassign
    skip --> queue: comment
    delay --> queue: hours
    assign --> queue: a person
    card --> queue: approve / "send back <reason>"
    card --> reason: send back
    card --> drop: reject the job
    reason --> queue: reason
    drop --> queue: reason (the job is rejected, its open steps skipped)
```
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from garagebot.conversations.router import BACK, Flow, StateSpec, Step, StepContext, go, stay
from garagebot.conversations.staff import common as c
from garagebot.conversations.staff.assignees import PROMPT as PICK_PROMPT
from garagebot.conversations.staff.assignees import person_choices
from garagebot.conversations.text import parse_int
from garagebot.conversations.types import Choice, Reply
from garagebot.core.ids import ExceptionId, JobCardId, OrgId, StepId, UserId
from garagebot.core.models import MediaFile, StepException
from garagebot.core.staff_views import cards_to_review
from garagebot.core.work.assignment import assign_step
from garagebot.core.work.exceptions import decide_exception
from garagebot.core.work.jobcards import reject_job_card
from garagebot.core.work.queries import open_exceptions
from garagebot.core.work.review import review_job_card

FLOW = "lead"


class LeadState(StrEnum):
    QUEUE = "queue"
    EXCEPTION = "exception"
    SKIP = "skip"
    DELAY = "delay"
    ASSIGN = "assign"
    CARD = "card"
    REASON = "reason"
    DROP = "drop"


def _home(*replies: Reply) -> Step:
    return go(FLOW, LeadState.QUEUE, *replies, data={}, remember=False)


async def queue_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    org = OrgId(ctx.me.org_id)
    excs = await open_exceptions(ctx.uow.session, org)
    cards = await cards_to_review(ctx.uow.session, org)
    choices = [Choice(f"lx:{e.exception_id}", "staff.exception_line", {
        "plate": e.plate, "step": c.localized(ctx, e.step_name_en, e.step_name_ar), "reason": e.reason[:40]})
        for e in excs]
    choices += [Choice(f"lr:{r.job_card_id}", "staff.review_line", {
        "plate": r.plate, "title": c.localized(ctx, r.title_en, r.title_ar)}) for r in cards]
    return (Reply("staff.lead_queue", {"exceptions": len(excs), "reviews": len(cards)}, tuple(choices)),)


async def queue(ctx: StepContext) -> Step:
    exc = c.chosen_id(ctx, "lx")
    if exc is not None:
        return go(FLOW, LeadState.EXCEPTION, data={"exc": exc})
    card = c.chosen_id(ctx, "lr")
    if card is not None:
        return go(FLOW, LeadState.CARD, data={"card": card})
    return stay(Reply("staff.not_understood_queue"), reprompt=True)


async def exception_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    exc_id = c.data_int(ctx.data, "exc")
    row = next((e for e in await open_exceptions(ctx.uow.session, OrgId(ctx.me.org_id))
                if e.exception_id == exc_id), None)
    if row is None:
        return (Reply("staff.exception_gone", {}, (BACK,)),)
    choices = (Choice("le:retry", "staff.btn_retry"), Choice("le:skip", "staff.btn_skip"),
               Choice("le:delay", "staff.btn_delay"), Choice("le:assign", "staff.btn_reassign"), BACK)
    photo = () if row.media_id is None else ((await ctx.uow.get(MediaFile, row.media_id)).storage_key,)
    return (Reply("staff.exception_card", {
        "plate": row.plate, "number": row.session_number, "by": row.raised_by_name,
        "step": c.localized(ctx, row.step_name_en, row.step_name_ar), "reason": row.reason}, choices,
        media=photo),)


_EXC_BUTTONS = {"le:retry": "retry", "le:skip": "skip", "le:delay": "delay", "le:assign": "assign"}


async def exception(ctx: StepContext) -> Step:
    found = c.understood(ctx)
    action = _EXC_BUTTONS.get(ctx.msg.choice or "") or (found.intent if found else None)
    exc_id = ExceptionId(c.data_int(ctx.data, "exc") or 0)
    rest = found.rest if found else ""
    if action == "retry":
        await decide_exception(ctx.uow, exc_id, "retry")
        return _home(Reply("staff.exception_decided"))
    if action == "skip":
        return await _skip(ctx, exc_id, rest) if rest else go(FLOW, LeadState.SKIP)
    if action == "delay":
        hours = found.number if found else None
        return await _delay(ctx, exc_id, hours) if hours else go(FLOW, LeadState.DELAY)
    if action == "assign":
        return go(FLOW, LeadState.ASSIGN)
    return stay(Reply("staff.not_understood_exception"), reprompt=True)


async def _skip(ctx: StepContext, exc_id: ExceptionId, comment: str) -> Step:
    await decide_exception(ctx.uow, exc_id, "skip", comment)
    return _home(Reply("staff.exception_decided"))


async def _delay(ctx: StepContext, exc_id: ExceptionId, hours: int) -> Step:
    await decide_exception(ctx.uow, exc_id, "delay", None, ctx.now + dt.timedelta(hours=hours))
    return _home(Reply("staff.exception_decided"))


async def skip(ctx: StepContext) -> Step:
    text = c.typed(ctx)
    if not text:
        return stay(Reply("staff.skip_prompt"))
    return await _skip(ctx, ExceptionId(c.data_int(ctx.data, "exc") or 0), text)


async def delay(ctx: StepContext) -> Step:
    hours = parse_int(c.typed(ctx))
    if hours is None or not 1 <= hours <= 24 * 14:
        return stay(Reply("staff.delay_prompt"))
    return await _delay(ctx, ExceptionId(c.data_int(ctx.data, "exc") or 0), hours)


async def _step_of(ctx: StepContext) -> StepId | None:
    step_id = c.data_int(ctx.data, "step")
    exc_id = c.data_int(ctx.data, "exc")
    if step_id is None and exc_id is not None:
        step_id = (await ctx.uow.get(StepException, exc_id)).step_id
    return None if step_id is None else StepId(step_id)


async def assign_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    step_id = await _step_of(ctx)
    choices = await person_choices(ctx, "la", [] if step_id is None else [step_id])
    return (Reply(PICK_PROMPT, {}, (*choices, BACK)),)


async def assign(ctx: StepContext) -> Step:
    person = c.chosen_id(ctx, "la")
    if person is None:
        return stay(Reply("staff.assign_prompt"), reprompt=True)
    step_id = await _step_of(ctx)
    await assign_step(ctx.uow, step_id or StepId(0), UserId(person), override=True)
    return _home(Reply("staff.assigned"))


async def card_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    card_id = c.data_int(ctx.data, "card")
    row = next((r for r in await cards_to_review(ctx.uow.session, OrgId(ctx.me.org_id))
                if r.job_card_id == card_id), None)
    if row is None:
        return (Reply("staff.review_gone", {}, (BACK,)),)
    choices = (Choice("lc:approve", "staff.btn_approve"), Choice("lc:back", "staff.btn_send_back"),
               Choice("lc:drop", "floor.btn_reject_job"), BACK)
    return (Reply("staff.review_card", {
        "plate": row.plate, "number": row.number, "title": c.localized(ctx, row.title_en, row.title_ar),
        "steps": row.steps}, choices),)


async def card(ctx: StepContext) -> Step:
    found = c.understood(ctx)
    action = {"lc:approve": "approve", "lc:back": "send_back"}.get(ctx.msg.choice or "") or (
        found.intent if found else None)
    card_id = JobCardId(c.data_int(ctx.data, "card") or 0)
    if action in ("approve", "yes"):
        await review_job_card(ctx.uow, card_id, True)
        return _home(Reply("staff.review_approved"))
    if action == "send_back":
        rest = found.rest if found else ""
        return await _send_back(ctx, card_id, rest) if rest else go(FLOW, LeadState.REASON)
    if ctx.msg.choice == "lc:drop":
        return go(FLOW, LeadState.DROP)
    return stay(Reply("staff.not_understood_review"), reprompt=True)


async def _send_back(ctx: StepContext, card_id: JobCardId, reason: str) -> Step:
    await review_job_card(ctx.uow, card_id, False, reason)
    return _home(Reply("staff.review_sent_back"))


async def reason(ctx: StepContext) -> Step:
    text = c.typed(ctx)
    if not text:
        return stay(Reply("staff.send_back_prompt"))
    return await _send_back(ctx, JobCardId(c.data_int(ctx.data, "card") or 0), text)


async def drop(ctx: StepContext) -> Step:
    """The job is not to be done at all: rejected with the reason (audited),
    its open steps skipped."""
    text = c.typed(ctx)
    if not text:
        return stay(Reply("floor.reject_prompt"))
    card_id = JobCardId(c.data_int(ctx.data, "card") or 0)
    await reject_job_card(ctx.uow, card_id, text)
    return _home(Reply("floor.job_rejected", {"reason": text}))


async def drop_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    return await _ask("floor.reject_prompt")


async def _ask(key: str) -> tuple[Reply, ...]:
    return (Reply(key, {}, (BACK,)),)


async def skip_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    return await _ask("staff.skip_prompt")


async def delay_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    return await _ask("staff.delay_prompt")


async def reason_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    return await _ask("staff.send_back_prompt")


LEAD = Flow(FLOW, LeadState.QUEUE, {
    LeadState.QUEUE: StateSpec(queue_prompt, queue, help_key="staff.help_lead"),
    LeadState.EXCEPTION: StateSpec(exception_prompt, exception, help_key="staff.help_lead"),
    LeadState.SKIP: StateSpec(skip_prompt, skip, help_key="staff.help_lead"),
    LeadState.DELAY: StateSpec(delay_prompt, delay, help_key="staff.help_lead"),
    LeadState.ASSIGN: StateSpec(assign_prompt, assign, help_key="staff.help_lead"),
    LeadState.CARD: StateSpec(card_prompt, card, help_key="staff.help_lead"),
    LeadState.REASON: StateSpec(reason_prompt, reason, help_key="staff.help_lead"),
    LeadState.DROP: StateSpec(drop_prompt, drop, help_key="staff.help_lead"),
})

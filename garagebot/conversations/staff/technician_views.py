"""What the technician's flow shows and how it reads a pick from the job list:
the job lines (running timer, priority, ETA, overdue marked), which job a
message means, and a step's card with its buttons."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from garagebot.conversations.router import StepContext
from garagebot.conversations.staff import common as c
from garagebot.conversations.text import parse_int, plate_in, session_number
from garagebot.conversations.types import Choice, ParamValue, Reply
from garagebot.core.enums import StepStatus
from garagebot.core.ids import OrgId, StepId
from garagebot.core.models import TimeLog
from garagebot.core.work.queries import MyJobRow, my_jobs, step_detail

RUNNING, OVERDUE, URGENT = "⏱", "⚠️", "★"


async def _rows(ctx: StepContext) -> list[MyJobRow]:
    return await my_jobs(ctx.uow.session, OrgId(ctx.me.org_id), ctx.me.user_id, ctx.now)


async def job_rows(ctx: StepContext) -> list[Choice]:
    """One button per open step of today, in the order of ``my_jobs``, marked
    running / overdue / urgent (the marks go in a template of their own: a
    parameter's surrounding spaces are trimmed when it is rendered)."""
    out = []
    for n, row in enumerate(await _rows(ctx), start=1):
        marks = [m for m, on in ((RUNNING, row.timer_started_at is not None), (OVERDUE, row.overdue),
                                 (URGENT, row.priority > 0)) if on]
        key = "staff.job_line_marked" if marks else "staff.job_line"
        out.append(Choice(f"tj:{row.step_id}", key, {
            "n": n, "mark": " ".join(marks), "plate": row.plate, "number": row.session_number,
            "step": c.localized(ctx, row.step_name_en, row.step_name_ar),
            "eta": await c.local_time(ctx.uow, row.eta),
        }))
    return out


@dataclass(frozen=True, slots=True)
class Picked:
    step_id: StepId | None
    start: bool = False
    running: StepId | None = None


async def pick_job(ctx: StepContext) -> Picked:
    """The job meant by a button, "2", "start 2", a session number or a plate."""
    chosen = c.chosen_id(ctx, "tj")
    if chosen is not None:
        return Picked(StepId(chosen))
    rows = await _rows(ctx)
    running = next((r.step_id for r in rows if r.timer_started_at), None)
    text = c.typed(ctx)
    found = c.understood(ctx)
    number = found.number if found is not None and found.intent == "start" else _int(text)
    if number is not None and 1 <= number <= len(rows):
        return Picked(rows[number - 1].step_id, start=found is not None, running=running)
    session, plate = session_number(text), plate_in(text) if text else None
    for row in rows:
        if (session and row.session_number == session) or (plate and row.plate == plate):
            return Picked(row.step_id, running=running)
    return Picked(None, running=running)


def asks_for_the_list(ctx: StepContext) -> bool:
    """Plain "my jobs" on the job list: no button, media, number, session number
    or plate, so ``pick_job`` could pick nothing and the answer is the list
    again. The caller shows it without reading the rows twice."""
    if ctx.msg.media or c.chosen_id(ctx, "tj") is not None:
        return False
    found = c.understood(ctx)
    if found is None or found.intent != "my_jobs":
        return False
    text = c.typed(ctx)
    return _int(text) is None and session_number(text) is None and plate_in(text) is None


def _int(text: str) -> int | None:
    return parse_int(text) if text else None


async def _running_since(ctx: StepContext, step_id: StepId) -> str:
    started = (await ctx.uow.session.execute(
        select(TimeLog.started_at).where(
            TimeLog.organization_id == ctx.uow.org_id, TimeLog.step_id == step_id,
            TimeLog.user_id == ctx.me.user_id, TimeLog.ended_at.is_(None))
    )).scalar()
    return "" if started is None else (await c.local_time(ctx.uow, started))[-5:]


async def step_card(ctx: StepContext, step_id: StepId) -> Reply:
    """The step's card: status, time, evidence, checklist buttons and actions."""
    d = await step_detail(ctx.uow.session, OrgId(ctx.me.org_id), step_id, ctx.now)
    since = await _running_since(ctx, step_id)
    params: dict[str, ParamValue] = {
        "step": c.localized(ctx, d.name_en, d.name_ar), "worked": d.worked_minutes,
        "estimated": d.estimated_minutes, "attached": d.attachments, "required": d.required_attachments,
        "ticked": sum(1 for i in d.checklist if i.done), "items": len(d.checklist),
        "since": since or "-",
    }
    choices: list[Choice] = [
        Choice(f"tc:{i.item_id}", "staff.check_done" if i.done else "staff.check_open",
               {"text": c.localized(ctx, i.text_en, i.text_ar)})
        for i in d.checklist
    ]
    if since:
        choices += [Choice("ts:pause", "staff.btn_pause"), Choice("ts:stop", "staff.btn_stop")]
    elif d.status in (StepStatus.NOT_STARTED, StepStatus.IN_PROGRESS):
        choices.append(Choice("ts:start", "staff.btn_start"))
    if d.status is StepStatus.IN_PROGRESS:
        choices += [Choice("ts:done", "staff.btn_done"), Choice("ts:flag", "staff.btn_flag")]
    if d.status in (StepStatus.NOT_STARTED, StepStatus.IN_PROGRESS):
        choices.append(Choice("ts:time", "floor.btn_time"))
    choices += [Choice("ts:note", "staff.btn_note"), Choice("ts:parts", "staff.btn_parts"),
                Choice("ts:extra", "staff.btn_extra"), Choice("ts:jobs", "staff.btn_jobs")]
    return Reply(f"staff.step_{d.status.value.lower()}", params, tuple(choices))

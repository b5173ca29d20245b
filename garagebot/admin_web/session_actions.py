"""The session page's actions, each one form posting here and one core
service call, the same ones the chat's session screen uses: assign a job
card or a step, the ETA, hold / resume / cancel, check in, complete (a
manager over a guard), the QC list and "ready", the quote (make or revise,
add and remove lines, discount, send after a preview), the invoice (make,
issue, record a payment) and delivery on the client's PIN.

Every id is of the member's garage and of this session (else 404); the role
is checked by ``page`` and again by the service; a ``DomainError`` is shown
beside the form that failed, in the reader's language, with what was typed."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Awaitable, Callable, Iterable

from aiohttp import web

from garagebot.admin_web.deps import deps
from garagebot.admin_web.forms import Form
from garagebot.admin_web.frame import Ctx, page, redirect
from garagebot.admin_web.sessions import render_session
from garagebot.admin_web.text import Text
from garagebot.core.enums import SessionStatus
from garagebot.core.errors import DomainError, InvalidInput, NotFound
from garagebot.core.ids import JobCardId, QcItemId, SessionId, StepId, UserId
from garagebot.core.models import JobCard, RepairSession, SessionQcItem, Step
from garagebot.core.normalize import ascii_digits
from garagebot.core.permissions import Permission
from garagebot.core.repair.qc import tick_qc_item
from garagebot.core.repair.sessions import cancel_session, change_status, check_in, resume_session, set_eta
from garagebot.core.uow import UnitOfWork
from garagebot.core.work.assignment import assign_step
from garagebot.core.work.picker import assign_job_card

Action = Callable[[UnitOfWork, SessionId, Form, Text], Awaitable[str | None]]


def sid_of(ctx: Ctx) -> SessionId:
    return SessionId(int(ctx.request.match_info["id"]))


def of_session(row_session_id: int | None, sid: SessionId, entity: str, id_: int) -> None:
    """A record named in a form must be of this session (else it is "not found")."""
    if row_session_id != sid:
        raise NotFound("error.not_found", entity=entity, id=id_)


async def act(ctx: Ctx, name: str, fields: Iterable[str], action: Action, *,
              required: Iterable[str] = ()) -> web.StreamResponse:
    """Run ``action`` for the session in one unit of work as the member; on a
    domain error (or an error ``action`` sets) show the page again with the
    message beside form ``name``; else back to the page with a notice."""
    sid = sid_of(ctx)
    form = await Form.read(ctx.request, fields)
    notice: str | None = None
    if form.require(ctx.text, *required):
        try:
            async with deps(ctx.request).db.unit_of_work(ctx.me.actor) as uow:
                await uow.get(RepairSession, sid)  # of the member's garage
                notice = await action(uow, sid, form, ctx.text)
        except NotFound:
            raise
        except DomainError as exc:
            form.fail(ctx.text, exc)
    if form.errors:
        htmx = ctx.request.headers.get("HX-Request") == "true"
        return await render_session(ctx, sid, failed=name, form=form, status=200 if htmx else 400)
    raise redirect(f"/sessions/{sid}", notice or "saved")


def _id(form: Form, name: str) -> int:
    value = form.get(name)
    if not value.isdigit():
        raise InvalidInput("console.error.required")
    return int(value)


async def _assign(uow: UnitOfWork, sid: SessionId, form: Form, text: Text) -> str | None:
    kind, _, raw = form.get("work").partition(":")
    person = UserId(_id(form, "person"))
    if not raw.isdigit() or kind not in ("card", "step"):
        raise InvalidInput("console.error.required")
    if kind == "card":
        card = await uow.get(JobCard, int(raw))
        of_session(card.session_id, sid, "job_card", card.id)
        await assign_job_card(uow, JobCardId(card.id), person)
    else:
        step = await uow.get(Step, int(raw))
        of_session(step.session_id, sid, "step", step.id)
        await assign_step(uow, StepId(step.id), person, override=form.get("override") == "1")
    return "assigned"


async def _eta(uow: UnitOfWork, sid: SessionId, form: Form, text: Text) -> str | None:
    try:
        local = dt.datetime.strptime(ascii_digits(form.get("eta")), "%Y-%m-%dT%H:%M")
    except ValueError:
        form.errors["eta"] = text("console_floor.error.eta")
        return None
    zone = zoneinfo.ZoneInfo((await uow.organization()).timezone)
    await set_eta(uow, sid, local.replace(tzinfo=zone).astimezone(dt.UTC))
    return None


async def _hold(uow: UnitOfWork, sid: SessionId, form: Form, text: Text) -> str | None:
    await change_status(uow, sid, SessionStatus.ON_HOLD, note=form.get("reason"))
    return None


async def _resume(uow: UnitOfWork, sid: SessionId, form: Form, text: Text) -> str | None:
    await resume_session(uow, sid)
    return None


async def _cancel(uow: UnitOfWork, sid: SessionId, form: Form, text: Text) -> str | None:
    await cancel_session(uow, sid, reason=form.get("reason"))
    return None


async def _check_in(uow: UnitOfWork, sid: SessionId, form: Form, text: Text) -> str | None:
    await check_in(uow, sid, None)
    return None


async def _complete(uow: UnitOfWork, sid: SessionId, form: Form, text: Text) -> str | None:
    await change_status(uow, sid, SessionStatus.COMPLETED, override_reason=form.get("reason") or None)
    return None


async def _ready(uow: UnitOfWork, sid: SessionId, form: Form, text: Text) -> str | None:
    await change_status(uow, sid, SessionStatus.READY_FOR_PICKUP)
    return None


def _tick(item_id: int) -> Action:
    async def tick(uow: UnitOfWork, sid: SessionId, form: Form, text: Text) -> str | None:
        item = await uow.get(SessionQcItem, item_id)
        of_session(item.session_id, sid, "qc_item", item_id)
        await tick_qc_item(uow, QcItemId(item_id), done=form.get("done") == "1")
        return None

    return tick


@page(Permission.ASSIGN_STEP)
async def assign(ctx: Ctx) -> web.StreamResponse:
    return await act(ctx, "assign", ("work", "person", "override"), _assign, required=("work", "person"))


@page(Permission.CHANGE_SESSION_STATUS)
async def eta(ctx: Ctx) -> web.StreamResponse:
    return await act(ctx, "eta", ("eta",), _eta, required=("eta",))


@page(Permission.CHANGE_SESSION_STATUS)
async def hold(ctx: Ctx) -> web.StreamResponse:
    return await act(ctx, "hold", ("reason",), _hold, required=("reason",))


@page(Permission.CHANGE_SESSION_STATUS)
async def resume(ctx: Ctx) -> web.StreamResponse:
    return await act(ctx, "resume", (), _resume)


@page(Permission.CHANGE_SESSION_STATUS)
async def cancel(ctx: Ctx) -> web.StreamResponse:
    return await act(ctx, "cancel", ("reason",), _cancel, required=("reason",))


@page(Permission.CHANGE_SESSION_STATUS)
async def checkin(ctx: Ctx) -> web.StreamResponse:
    return await act(ctx, "checkin", (), _check_in)


@page(Permission.CHANGE_SESSION_STATUS)
async def complete(ctx: Ctx) -> web.StreamResponse:
    return await act(ctx, "complete", ("reason",), _complete)


@page(Permission.QC_CHECK)
async def qc_tick(ctx: Ctx) -> web.StreamResponse:
    return await act(ctx, "qc", ("done",), _tick(int(ctx.request.match_info["item"])))


@page(Permission.QC_CHECK)
async def ready(ctx: Ctx) -> web.StreamResponse:
    return await act(ctx, "ready", (), _ready)


def add_routes(app: web.Application) -> None:
    base = r"/sessions/{id:\d+}"
    for path, handler in (("/assign", assign), ("/eta", eta), ("/hold", hold), ("/resume", resume),
                          ("/cancel", cancel), ("/checkin", checkin), ("/complete", complete),
                          (r"/qc/{item:\d+}", qc_tick), ("/ready", ready)):
        app.router.add_post(base + path, handler)

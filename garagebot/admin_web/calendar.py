"""The appointments calendar: a day or a week, the bays as columns, each
appointment with its client, car, technician and status; book an open
booking request into a bay and time, move an appointment or cancel it
(``core.appointments.booking``). Advisors, managers and owners (``intake``);
every record of another garage is a 404. A refused time (a bay or a
technician already booked then, outside the opening hours) is shown beside
the time field, with what was typed kept."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass

from aiohttp import web
from babel.dates import format_date

from garagebot.admin_web.deps import deps
from garagebot.admin_web.forms import TOP, Form
from garagebot.admin_web.frame import Ctx, page, render
from garagebot.core.appointments.booking import Slot, book_appointment, cancel_appointment, move_appointment
from garagebot.core.appointments.settings import settings_of
from garagebot.core.appointments.views import (
    AppointmentRow,
    active_bays,
    appointments_between,
    day_bounds,
    technicians,
)
from garagebot.core.errors import DomainError
from garagebot.core.models import Organization
from garagebot.core.permissions import Permission
from garagebot.core.repair.bookings import open_bookings

FIELDS = ("request", "bay", "starts", "minutes", "technician", "reason")
# Error key → the field it is shown beside.
FIELD_OF: Mapping[str, str] = {
    "appointment.bay_taken": "starts", "appointment.technician_taken": "technician",
    "appointment.slot_taken": "starts", "appointment.time_past": "starts",
    "appointment.outside_hours": "starts", "appointment.length_invalid": "minutes",
    "appointment.bay_inactive": "bay", "appointment.not_a_technician": "technician",
    "appointment.reason_required": "reason", "error.request_not_open": "request",
    "appointment.request_booked": "request",
}
SHOWN = ("BOOKED", "CONFIRMED", "CONVERTED", "NO_SHOW")


@dataclass(frozen=True, slots=True)
class Day:
    date: dt.date
    label: str  # "Mon 23 Nov" in the reader's language
    closed: bool  # a closed weekday or a holiday
    cells: tuple[tuple[AppointmentRow, ...], ...]  # one per bay, in the bays' order


def _label(ctx: Ctx, day: dt.date) -> str:
    pattern = "EEE d MMM" if ctx.text.locale == "en" else "EEEE d MMMM"
    return str(format_date(day, pattern, locale=ctx.text.locale))


def _day(ctx: Ctx, zone: str) -> dt.date:
    try:
        return dt.date.fromisoformat(ctx.request.query.get("day", ""))
    except ValueError:
        return deps(ctx.request).db.clock.now().astimezone(zoneinfo.ZoneInfo(zone)).date()


async def _page(ctx: Ctx, *, form: Form | None = None, failed: int | None = None,
                status: int = 200) -> web.Response:
    view = "week" if ctx.request.query.get("view") == "week" else "day"
    async with deps(ctx.request).db.read() as s:
        org = await s.get(Organization, ctx.me.org_id)
        assert org is not None
        zone = org.timezone
        first = _day(ctx, zone)
        count = 7 if view == "week" else 1
        start, end = day_bounds(first, zone, count)
        bays = await active_bays(s, ctx.me.org_id)
        rows = [r for r in await appointments_between(s, ctx.me.org_id, start, end) if r.status in SHOWN]
        requests = await open_bookings(s, ctx.me.org_id)
        techs = await technicians(s, ctx.me.org_id)
    tz = zoneinfo.ZoneInfo(zone)
    hours = settings_of(org)
    days = [Day(d, _label(ctx, d), hours.open_on(d) is None, tuple(
        tuple(r for r in rows if r.bay_id == b.id and r.starts_at.astimezone(tz).date() == d) for b in bays))
        for d in (first + dt.timedelta(days=i) for i in range(count))]
    step = dt.timedelta(days=count)
    return render(ctx, "calendar.html", {
        "view": view, "days": days, "bays": bays, "requests": requests, "techs": techs, "zone": zone,
        "first": first, "prev": (first - step).isoformat(), "next": (first + step).isoformat(),
        "form": form or Form(), "failed": failed, "local": lambda at: at.astimezone(tz),
    }, status=status)


@page(Permission.INTAKE)
async def show(ctx: Ctx) -> web.StreamResponse:
    return await _page(ctx)


def _slot(ctx: Ctx, form: Form, zone: str) -> Slot | None:
    """The slot the form asks for, or None with the errors beside their fields."""
    form.require(ctx.text, "bay", "starts")
    try:
        local = dt.datetime.fromisoformat(form.get("starts")) if form.get("starts") else None
    except ValueError:
        local = None
    if form.get("starts") and local is None:
        form.errors["starts"] = ctx.text("calendar.error.time")
    for name in ("bay", "minutes", "technician"):
        if form.get(name) and not form.get(name).isdigit():
            form.errors[name] = ctx.text("error.invalid_choice", value=form.get(name))
    if form.errors or local is None:
        return None
    return Slot(int(form.get("bay")), local.replace(tzinfo=zoneinfo.ZoneInfo(zone)),
                int(form.get("minutes")) if form.get("minutes") else None,
                int(form.get("technician")) if form.get("technician") else None)


async def _zone(ctx: Ctx) -> str:
    async with deps(ctx.request).db.read() as s:
        org = await s.get(Organization, ctx.me.org_id)
    return org.timezone if org is not None else "Asia/Amman"


async def _back(ctx: Ctx, form: Form, failed: int | None) -> web.StreamResponse:
    if form.errors:
        return await _page(ctx, form=form, failed=failed, status=400)
    query = ctx.request.query_string
    raise web.HTTPSeeOther(f"/calendar?{query + '&' if query else ''}notice=saved")


def _fail(ctx: Ctx, form: Form, exc: DomainError) -> None:
    if exc.key == "error.not_found":
        raise exc
    form.fail(ctx.text, exc, FIELD_OF.get(exc.key, TOP))


@page(Permission.INTAKE)
async def book(ctx: Ctx) -> web.StreamResponse:
    form = await Form.read(ctx.request, FIELDS)
    form.require(ctx.text, "request")
    slot = _slot(ctx, form, await _zone(ctx))
    if slot is not None and form.get("request").isdigit():
        try:
            async with deps(ctx.request).db.unit_of_work(ctx.me.actor) as uow:
                await book_appointment(uow, int(form.get("request")), slot)
        except DomainError as exc:
            _fail(ctx, form, exc)
    return await _back(ctx, form, 0)


@page(Permission.INTAKE)
async def move(ctx: Ctx) -> web.StreamResponse:
    appointment_id = int(ctx.request.match_info["id"])
    form = await Form.read(ctx.request, FIELDS)
    slot = _slot(ctx, form, await _zone(ctx))
    if slot is not None:
        try:
            async with deps(ctx.request).db.unit_of_work(ctx.me.actor) as uow:
                await move_appointment(uow, appointment_id, slot)
        except DomainError as exc:
            _fail(ctx, form, exc)
    return await _back(ctx, form, appointment_id)


@page(Permission.INTAKE)
async def cancel(ctx: Ctx) -> web.StreamResponse:
    appointment_id = int(ctx.request.match_info["id"])
    form = await Form.read(ctx.request, FIELDS)
    if form.require(ctx.text, "reason"):
        try:
            async with deps(ctx.request).db.unit_of_work(ctx.me.actor) as uow:
                await cancel_appointment(uow, appointment_id, form.get("reason"))
        except DomainError as exc:
            _fail(ctx, form, exc)
    return await _back(ctx, form, appointment_id)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/calendar", show)
    app.router.add_post("/calendar/book", book)
    app.router.add_post(r"/calendar/{id:\d+}/move", move)
    app.router.add_post(r"/calendar/{id:\d+}/cancel", cancel)

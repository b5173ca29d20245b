"""Booking requests, the time: confirm a time (the client is told on their
channel) or propose another (the client is asked), from the requests page;
``core.repair.bookings`` does both, as in the chat."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Awaitable, Callable

from aiohttp import web

from garagebot.admin_web import requests
from garagebot.admin_web.deps import deps
from garagebot.admin_web.forms import Form
from garagebot.admin_web.frame import Ctx, page, redirect
from garagebot.core.errors import DomainError, NotFound
from garagebot.core.ids import RequestId
from garagebot.core.normalize import ascii_digits
from garagebot.core.permissions import Permission
from garagebot.core.repair.bookings import confirm_booking, propose_booking_time
from garagebot.core.uow import UnitOfWork

Service = Callable[[UnitOfWork, RequestId, dt.datetime], Awaitable[bool]]


async def _timed(ctx: Ctx, service: Service, notice: str) -> web.StreamResponse:
    request_id = RequestId(int(ctx.request.match_info["id"]))
    form = await Form.read(ctx.request, ("when",))
    told = False
    if form.require(ctx.text, "when"):
        try:
            local = dt.datetime.strptime(ascii_digits(form.get("when")), "%Y-%m-%dT%H:%M")
        except ValueError:
            form.errors["when"] = ctx.text("console_floor.error.eta")
        else:
            try:
                async with deps(ctx.request).db.unit_of_work(ctx.me.actor) as uow:
                    zone = zoneinfo.ZoneInfo((await uow.organization()).timezone)
                    told = await service(uow, request_id, local.replace(tzinfo=zone))
            except NotFound:
                raise
            except DomainError as exc:
                form.fail(ctx.text, exc, "when")
    if form.errors:
        return await requests.render_list(ctx, failed=request_id, form=form, status=400)
    raise redirect("/requests", notice if told else "client_not_told")


@page(Permission.INTAKE)
async def confirm(ctx: Ctx) -> web.StreamResponse:
    return await _timed(ctx, confirm_booking, "booking_confirmed")


@page(Permission.INTAKE)
async def propose(ctx: Ctx) -> web.StreamResponse:
    return await _timed(ctx, propose_booking_time, "time_proposed")


def add_routes(app: web.Application) -> None:
    app.router.add_post(r"/requests/{id:\d+}/confirm", confirm)
    app.router.add_post(r"/requests/{id:\d+}/propose", propose)

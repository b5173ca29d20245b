"""Booking requests: the open ones (oldest first, keyset pages), each turned
into a session (``repair.intake.open_session`` with the request: its client,
vehicle and complaint prefilled, the complaint editable, the odometer added)
or declined with a reason (``repair.intake.close_request``)."""

from __future__ import annotations

import datetime as dt

from aiohttp import web

from garagebot.admin_web.deps import deps
from garagebot.admin_web.forms import Form
from garagebot.admin_web.frame import Ctx, page, redirect, render
from garagebot.core.errors import DomainError
from garagebot.core.ids import RequestId
from garagebot.core.permissions import Permission
from garagebot.core.repair.intake import close_request, open_session
from garagebot.core.repair.requests_list import open_requests


def _after(raw: str) -> tuple[dt.datetime, int] | None:
    try:
        at, id_ = raw.split("_", 1)
        return dt.datetime.fromtimestamp(float(at), dt.UTC), int(id_)
    except ValueError:
        return None


async def _list(ctx: Ctx, *, failed: int | None = None, form: Form | None = None,
                status: int = 200) -> web.Response:
    async with deps(ctx.request).db.read() as s:
        rows, after = await open_requests(s, ctx.me.org_id, after=_after(ctx.request.query.get("after", "")))
    next_url = f"/requests?after={after[0].timestamp():.6f}_{after[1]}" if after else None
    return render(ctx, "requests.html", {"rows": rows, "next_url": next_url, "failed": failed,
                                         "form": form or Form()}, status=status)


render_list = _list  # for the booking-time forms (admin_web.bookings)


@page(Permission.INTAKE)
async def show(ctx: Ctx) -> web.StreamResponse:
    return await _list(ctx)


@page(Permission.OPEN_SESSION)
async def convert(ctx: Ctx) -> web.StreamResponse:
    request_id = RequestId(int(ctx.request.match_info["id"]))
    form = await Form.read(ctx.request, ("complaint", "mileage"))
    mileage = form.get("mileage")
    if mileage and not mileage.isdigit():
        form.errors["mileage"] = ctx.text("console.error.mileage")
        return await _list(ctx, failed=request_id, form=form, status=400)
    try:
        async with deps(ctx.request).db.unit_of_work(ctx.me.actor) as uow:
            session_id = await open_session(uow, request_id=request_id,
                                            complaint=form.get("complaint") or None,
                                            mileage_km=int(mileage) if mileage else None)
    except DomainError as exc:
        if exc.key == "error.not_found":
            raise
        form.fail(ctx.text, exc)
        return await _list(ctx, failed=request_id, form=form, status=400)
    raise redirect(f"/sessions/{session_id}", "saved")


@page(Permission.INTAKE)
async def decline(ctx: Ctx) -> web.StreamResponse:
    request_id = RequestId(int(ctx.request.match_info["id"]))
    form = await Form.read(ctx.request, ("reason",))
    if form.require(ctx.text, "reason"):
        try:
            async with deps(ctx.request).db.unit_of_work(ctx.me.actor) as uow:
                await close_request(uow, request_id, reason=form.get("reason"))
        except DomainError as exc:
            if exc.key == "error.not_found":
                raise
            form.fail(ctx.text, exc, "reason")
    if form.errors:
        return await _list(ctx, failed=request_id, form=form, status=400)
    raise redirect("/requests", "saved")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/requests", show)
    app.router.add_post(r"/requests/{id:\d+}/convert", convert)
    app.router.add_post(r"/requests/{id:\d+}/decline", decline)

"""The dashboard (KPI tiles, each a link to its list) and the member's own
account page (their signed-in browsers; sign out one or everywhere)."""

from __future__ import annotations

from aiohttp import web

from garagebot.admin_web.deps import deps
from garagebot.admin_web.forms import Form
from garagebot.admin_web.frame import Ctx, page, redirect, render
from garagebot.admin_web.signin import device_of, signed_in_response
from garagebot.core import kpi
from garagebot.core.actor import Actor
from garagebot.core.console import garages, sessions
from garagebot.core.console.floor import inventory_alerts
from garagebot.core.enums import Channel, Role, SessionStatus
from garagebot.core.errors import DomainError
from garagebot.core.ids import UserId
from garagebot.core.permissions import Permission, allowed
from garagebot.core.repair.requests_list import waiting_requests


@page(Permission.VIEW_BOARD)
async def dashboard(ctx: Ctx) -> web.StreamResponse:
    me, db = ctx.me, deps(ctx.request).db
    now = db.clock.now()
    async with db.read() as s:
        figures = await kpi.todays_kpis(s, me.org_id, now)
        overdue = await kpi.overdue_sessions(s, me.org_id, now, limit=10)
        requests = await waiting_requests(s, me.org_id)
        alerts = await inventory_alerts(s, me.org_id)
    tiles = [
        ("console.kpi.cars", ctx.text.number(figures.cars_in_garage), "/board", False),
        ("console.kpi.in_progress", ctx.text.number(figures.jobs_in_progress), "/board", False),
        ("console.kpi.awaiting_approval", ctx.text.number(figures.awaiting_approval),
         f"/sessions?status={SessionStatus.AWAITING_CLIENT_APPROVAL.value}", False),
        ("console.kpi.overdue", ctx.text.number(figures.overdue), "/sessions?overdue=1", figures.overdue > 0),
    ]
    if allowed(me.role, Permission.INTAKE):
        tiles.insert(1, ("console.kpi.requests", ctx.text.number(requests), "/requests", False))
    if allowed(me.role, Permission.MANAGE_INVENTORY):  # the inventory pages come with the console's part 2
        tiles.append(("console.kpi.inventory_alerts", ctx.text.number(alerts), "/alerts#alerts-stock",
                      alerts > 0))
    if allowed(me.role, Permission.VIEW_REPORTS):
        tiles += [("console.kpi.revenue_today", ctx.text.money(figures.revenue_today), "", False),
                  ("console.kpi.revenue_month", ctx.text.money(figures.revenue_month), "", False)]
    return render(ctx, "dashboard.html", {"tiles": tiles, "overdue": overdue})


async def _account(ctx: Ctx, form: Form | None = None, status: int = 200) -> web.Response:
    me, db = ctx.me, deps(ctx.request).db
    async with db.read() as s:
        mine = await sessions.list_sessions(s, me.org_id, me.user_id, db.clock.now())
    others = await garages.linked_garages(db, me) if me.role is Role.OWNER else []
    return render(ctx, "account.html", {"sessions": mine, "current": me.session_id, "garages": others,
                                        "is_owner": me.role is Role.OWNER, "form": form or Form()},
                  status=status)


@page()
async def account(ctx: Ctx) -> web.StreamResponse:
    return await _account(ctx)


@page(Permission.MANAGE_GARAGE)
async def link_garage(ctx: Ctx) -> web.StreamResponse:
    form = await Form.read(ctx.request, ("login", "password"))
    if form.require(ctx.text, "login", "password"):
        try:
            await garages.link_garage(deps(ctx.request).db, ctx.me, form.get("login"), form.get("password"),
                                      device_of(ctx)[0])
        except DomainError as exc:
            form.fail(ctx.text, exc)
    if form.errors:
        return await _account(ctx, form, status=400)
    raise redirect("/account", "saved")


@page(Permission.MANAGE_GARAGE)
async def switch_garage(ctx: Ctx) -> web.StreamResponse:
    device, fresh = device_of(ctx)
    new = await garages.switch_garage(deps(ctx.request).db, ctx.me, UserId(int(ctx.request.match_info["id"])),
                                      device)
    return signed_in_response(ctx, new, fresh)


@page()
async def end_session(ctx: Ctx) -> web.StreamResponse:
    me = ctx.me
    session_id = int(ctx.request.match_info["id"])
    async with deps(ctx.request).db.unit_of_work(Actor.user(me.org_id, me.user_id, Channel.WEB)) as uow:
        await sessions.revoke(uow, session_id)
    raise redirect("/account", "saved")


@page()
async def end_everywhere(ctx: Ctx) -> web.StreamResponse:
    me = ctx.me
    async with deps(ctx.request).db.unit_of_work(Actor.user(me.org_id, me.user_id, Channel.WEB)) as uow:
        await uow.user()
        await sessions.revoke_all(uow, me.user_id, "sign_out_everywhere")
    raise redirect("/signin", "sessions_ended")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/", dashboard)
    app.router.add_get("/account", account)
    app.router.add_post(r"/account/sessions/{id:\d+}/end", end_session)
    app.router.add_post("/account/signout-everywhere", end_everywhere)
    app.router.add_post("/account/garages", link_garage)
    app.router.add_post(r"/account/garages/{id:\d+}/switch", switch_garage)

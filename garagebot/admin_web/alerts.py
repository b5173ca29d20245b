"""The alerts list: new booking requests, sessions waiting for the client's
approval (late ones marked), sessions past their ETA, and stock items in a
low-stock or shortage alert; each a link to its item. The sections follow
the member's role, as the dashboard's tiles do."""

from __future__ import annotations

from aiohttp import web

from garagebot.admin_web.deps import deps
from garagebot.admin_web.frame import Ctx, page, render
from garagebot.core import kpi
from garagebot.core.console.alerts import low_stock, waiting_approval
from garagebot.core.permissions import Permission, allowed
from garagebot.core.repair.requests_list import open_requests


@page(Permission.VIEW_BOARD)
async def show(ctx: Ctx) -> web.StreamResponse:
    me, db = ctx.me, deps(ctx.request).db
    now = db.clock.now()
    intake, stock = allowed(me.role, Permission.INTAKE), allowed(me.role, Permission.MANAGE_INVENTORY)
    async with db.read() as s:
        requests = (await open_requests(s, me.org_id))[0] if intake else []
        waiting = await waiting_approval(s, me.org_id, now)
        overdue = await kpi.overdue_sessions(s, me.org_id, now)
        items = await low_stock(s, me.org_id) if stock else []
    return render(ctx, "alerts.html", {"requests": requests, "waiting": waiting, "overdue": overdue,
                                       "items": items, "intake": intake, "stock": stock, "now": now})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/alerts", show)

"""The audit page: the garage's entries (who, what, when, on which record)
with filters and keyset pages, and "verify the chain" showing the result of
``core.audit.verify_chain``. Owners only (``MANAGE_GARAGE``)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from aiohttp import web
from sqlalchemy import select

from garagebot.admin_web.deps import deps
from garagebot.admin_web.frame import Ctx, page, render
from garagebot.core.audit import verify_chain
from garagebot.core.console.audit_log import AuditQuery, audit_page, entities
from garagebot.core.ids import UserId
from garagebot.core.models import User
from garagebot.core.permissions import Permission


def _day(raw: str, tz: str, plus: int = 0) -> dt.datetime | None:
    try:
        return dt.datetime.combine(dt.date.fromisoformat(raw) + dt.timedelta(days=plus), dt.time(),
                                   zoneinfo.ZoneInfo(tz))
    except ValueError:
        return None


def _query(ctx: Ctx) -> AuditQuery:
    q, tz = ctx.request.query, ctx.me.timezone
    user, below = q.get("user", ""), q.get("below", "")
    return AuditQuery(entity=q.get("entity", "")[:64], action=q.get("action", "")[:64],
                      user_id=UserId(int(user)) if user.isdigit() else None,
                      since=_day(q.get("from", ""), tz), before=_day(q.get("to", ""), tz, 1),
                      below_seq=int(below) if below.isdigit() else None)


@page(Permission.MANAGE_GARAGE)
async def show(ctx: Ctx) -> web.StreamResponse:
    me, db = ctx.me, deps(ctx.request).db
    async with db.read() as s:
        rows, below = await audit_page(s, me.org_id, _query(ctx))
        kinds = await entities(s, me.org_id)
        people = (await s.execute(select(User.id, User.name).where(User.organization_id == me.org_id)
                                  .order_by(User.name))).all()
        checked = ctx.request.query.get("verify") == "1"
        broken = await verify_chain(s, me.org_id) if checked else None
    keep = {k: v for k, v in ctx.request.query.items() if k not in ("below", "verify")}
    return render(ctx, "audit.html", {
        "rows": rows, "entities": kinds, "people": people, "q": ctx.request.query, "checked": checked,
        "broken": broken, "next_url": str(ctx.request.rel_url.with_query({**keep, "below": below}))
        if below else None})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/audit", show)

"""Sessions: the list (search by number, plate, phone or name; filters by
status, advisor and opening dates; keyset pages) and the session page
(facts, timeline, job cards, quotes with their signatures, invoices, and the
messages sent to the client with their delivery status)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from aiohttp import web
from sqlalchemy import select

from garagebot.admin_web import session_panel
from garagebot.admin_web.deps import deps
from garagebot.admin_web.forms import Form
from garagebot.admin_web.frame import Ctx, page, render
from garagebot.core.enums import Role, SessionStatus
from garagebot.core.errors import NotFound
from garagebot.core.ids import MediaId, SessionId, UserId
from garagebot.core.inventory.queries import session_parts
from garagebot.core.models import Organization, User
from garagebot.core.money import Money
from garagebot.core.permissions import Permission, allowed
from garagebot.core.repair import session_page
from garagebot.core.repair.queries import session_detail
from garagebot.core.repair.search import Cursor, SessionQuery, search_sessions
from garagebot.core.staff_views import session_steps

ADVISOR_ROLES = (Role.OWNER.value, Role.MANAGER.value, Role.ADVISOR.value)


def _day(raw: str, tz: str, *, plus: int = 0) -> dt.datetime | None:
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        return None
    return dt.datetime.combine(day + dt.timedelta(days=plus), dt.time(), zoneinfo.ZoneInfo(tz))


def _query(ctx: Ctx, now: dt.datetime) -> SessionQuery:
    q, tz = ctx.request.query, ctx.me.timezone
    status = q.get("status", "")
    advisor = q.get("advisor", "")
    return SessionQuery(
        text=q.get("q", "")[:100],
        status=SessionStatus(status) if status in SessionStatus._value2member_map_ else None,
        advisor_id=UserId(int(advisor)) if advisor.isdigit() else None,
        opened_from=_day(q.get("from", ""), tz), opened_before=_day(q.get("to", ""), tz, plus=1),
        overdue_at=now if q.get("overdue") == "1" else None, oldest_first=q.get("sort") == "oldest",
        after=Cursor.decode(q.get("after", "")))


@page(Permission.VIEW_BOARD)
async def list_sessions(ctx: Ctx) -> web.StreamResponse:
    me, db = ctx.me, deps(ctx.request).db
    now = db.clock.now()
    query = _query(ctx, now)
    async with db.read() as s:
        rows, cursor = await search_sessions(s, me.org_id, query)
        advisors = (await s.execute(select(User.id, User.name).where(
            User.organization_id == me.org_id, User.role.in_(ADVISOR_ROLES)).order_by(User.name))).all()
    keep = {k: v for k, v in ctx.request.query.items() if k != "after"}
    next_url = str(ctx.request.rel_url.with_query({**keep, "after": cursor.encode()})) if cursor else None
    first_url = str(ctx.request.rel_url.with_query(keep)) if query.after else None
    return render(ctx, "sessions.html", {
        "rows": rows, "q": ctx.request.query, "statuses": list(SessionStatus), "advisors": advisors,
        "next_url": next_url, "first_url": first_url})


@page(Permission.VIEW_BOARD)
async def show(ctx: Ctx) -> web.StreamResponse:
    return await render_session(ctx, SessionId(int(ctx.request.match_info["id"])))


async def render_session(ctx: Ctx, session_id: SessionId, *, failed: str | None = None,
                         form: Form | None = None, status: int = 200) -> web.Response:
    """The session page; ``failed`` names the action form whose ``form`` errors are shown beside it."""
    me, db = ctx.me, deps(ctx.request).db
    async with db.read() as s:
        detail = await session_detail(s, me.org_id, session_id)
        quotes = await session_page.session_quotes(s, me.org_id, session_id)
        invoices = await session_page.session_invoices(s, me.org_id, session_id)
        payments = await session_page.session_payments(s, me.org_id, session_id)
        sent = await session_page.client_messages(s, me.org_id, detail.client.phone, detail.session.opened_at)
        received = await session_page.client_received(s, me.org_id, detail.client.phone,
                                                      detail.session.opened_at)
        steps = await session_steps(s, me.org_id, session_id)
        parts = await session_parts(s, me.org_id, session_id)
        currency = (await s.execute(
            select(Organization.currency).where(Organization.id == me.org_id))).scalar_one()
    thread = sorted([("in", m.received_at, m) for m in received] + [("out", m.created_at, m) for m in sent],
                    key=lambda item: item[1])
    return render(ctx, "session.html", {
        "d": detail, "quotes": quotes, "invoices": invoices, "thread": thread, "now": db.clock.now(),
        "steps": steps, "parts": [(p, Money(p.price_total, currency)) for p in parts],
        "can_bill": allowed(me.role, Permission.MANAGE_BILLING),
        "payments": [(p, Money(p.amount, currency)) for p in payments],
        "panel": await session_panel.panel(db, me, detail), "failed": failed, "form": form or Form()},
        status=status)


@page(Permission.VIEW_BOARD)
async def signature(ctx: Ctx) -> web.StreamResponse:
    me, found = ctx.me, deps(ctx.request)
    session_id = SessionId(int(ctx.request.match_info["id"]))
    async with found.db.read() as s:
        media = await session_page.signature_file(s, me.org_id, session_id,
                                                  MediaId(int(ctx.request.match_info["media"])))
    if media is None:
        raise NotFound("error.not_found", entity="media_file", id=ctx.request.match_info["media"])
    data = await found.storage.get(media.storage_key)
    return web.Response(body=data, content_type=media.content_type)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/sessions", list_sessions)
    app.router.add_get(r"/sessions/{id:\d+}", show)
    app.router.add_get(r"/sessions/{id:\d+}/signature/{media:\d+}", signature)

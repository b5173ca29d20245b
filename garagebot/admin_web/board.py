"""The board: active cars as columns by status, refreshed by htmx polling.

Moving a card posts the target status to the same core transition the chat
uses (``repair.sessions.change_status``), so every guard applies; a refused
move shows the guard's message above the board. Without JavaScript the move
is a plain form and the board reloads after it.
"""

from __future__ import annotations

from collections import defaultdict

from aiohttp import web
from sqlalchemy import select

from garagebot.admin_web.deps import deps
from garagebot.admin_web.frame import Ctx, page, redirect, render
from garagebot.core.actor import Actor
from garagebot.core.enums import Channel, SessionStatus
from garagebot.core.errors import DomainError, InvalidInput, NotFound
from garagebot.core.ids import SessionId
from garagebot.core.models import User
from garagebot.core.permissions import Permission, allowed
from garagebot.core.repair.machine import next_statuses
from garagebot.core.repair.queries import board_columns
from garagebot.core.repair.sessions import change_status

COLUMNS = (SessionStatus.NEW, SessionStatus.DIAGNOSING, SessionStatus.AWAITING_CLIENT_APPROVAL,
           SessionStatus.AWAITING_PARTS, SessionStatus.IN_PROGRESS, SessionStatus.QA_CHECK,
           SessionStatus.READY_FOR_PICKUP, SessionStatus.COMPLETED, SessionStatus.ON_HOLD)
POLL_SECONDS = 15
# Cards shown per column (highest priority, then oldest, first); the rest are a
# link away in the session list, so a garage with thousands of cars in a column
# still gets a board that loads at once.
PER_COLUMN = 12


async def _board(ctx: Ctx, error: str | None = None, status: int = 200) -> web.Response:
    me, db = ctx.me, deps(ctx.request).db
    now = db.clock.now()
    async with db.read() as s:
        rows, counts = await board_columns(s, me.org_id, now, per_status=PER_COLUMN)
        names = {uid: name for uid, name in (await s.execute(
            select(User.id, User.name).where(User.organization_id == me.org_id))).all()}
    columns: dict[SessionStatus, list[object]] = defaultdict(list)
    for row in rows:
        moves = [m for m in next_statuses(row.status, held_from=row.held_from)
                 if m is not SessionStatus.DELIVERED]  # delivery needs the client's confirmation
        columns[row.status].append({"row": row, "moves": moves, "advisor": names.get(row.advisor_id or 0, ""),
                                    "overdue": row.diagnose_overdue or row.repair_overdue})
    # Labels every card repeats are translated once per page, not once per card.
    labels = {s: ctx.text.status(s) for s in SessionStatus}
    words = {key: ctx.text(f"console.board.{key}") for key in ("late", "move_to", "note", "move")}
    context = {"columns": [(c, columns.get(c, []), counts.get(c, 0)) for c in COLUMNS], "now": now,
               "error": error, "labels": labels, "words": words,
               "can_move": allowed(me.role, Permission.CHANGE_SESSION_STATUS), "poll": POLL_SECONDS}
    template = "board_columns.html" if ctx.request.headers.get("HX-Request") else "board.html"
    return render(ctx, template, context, status=status)


@page(Permission.VIEW_BOARD)
async def show(ctx: Ctx) -> web.StreamResponse:
    return await _board(ctx)


@page(Permission.CHANGE_SESSION_STATUS)
async def move(ctx: Ctx) -> web.StreamResponse:
    me = ctx.me
    posted = await ctx.request.post()
    try:
        target = SessionStatus(str(posted.get("to", "")))
    except ValueError as exc:
        raise InvalidInput("error.invalid_choice", value=str(posted.get("to", ""))) from exc
    note = str(posted.get("note", "")).strip() or None
    try:
        async with deps(ctx.request).db.unit_of_work(Actor.user(me.org_id, me.user_id, Channel.WEB)) as uow:
            await change_status(uow, SessionId(int(ctx.request.match_info["id"])), target, note=note)
    except NotFound:
        raise
    except DomainError as exc:
        return await _board(ctx, ctx.text(exc.key, **exc.params), status=409)
    raise redirect("/board", "moved")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/board", show)
    app.router.add_post(r"/board/{id:\d+}/move", move)

"""Short links for SMS: PUBLIC_URL/s/<code> redirects to the long link.

``shortener(db, public_url)`` is what the SMS sender calls to shorten a link
(one code per garage and target, made on first use); ``setup_short_links``
mounts ``GET /s/{code}`` (302 to the target, 404 for an unknown code).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from garagebot.core.messaging import SHORT_PATH, resolve_short_link, shorten
from garagebot.core.uow import Database

ROUTE = f"{SHORT_PATH}{{code}}"


def shortener(db: Database, public_url: str) -> Callable[[int, str], Awaitable[str]]:
    base = public_url.rstrip("/")

    async def shorten_for(org_id: int, url: str) -> str:
        async with db.raw_transaction() as session:
            code = await shorten(session, org_id, url, db.clock.now())
        return f"{base}{SHORT_PATH}{code}"

    return shorten_for


def setup_short_links(app: web.Application, db: Callable[[web.Application], Database]) -> None:
    """Mount ``GET /s/{code}``; ``db`` reads the database from the app at request time."""

    async def redirect(request: web.Request) -> web.Response:
        async with db(request.app).read() as session:
            target = await resolve_short_link(session, request.match_info["code"])
        if target is None:
            return web.Response(status=404, text="This link does not exist.")
        raise web.HTTPFound(target)

    app.router.add_get(ROUTE, redirect)

"""The staff web console: server-rendered pages (aiohttp-jinja2, htmx for
partial updates, every form working without JavaScript), English and Arabic.

``setup_console`` mounts it on the app; the composition root passes the
settings and a getter for the runtime's database and translator. Imports
core only (and conversations for the chat simulator)."""

from __future__ import annotations

from aiohttp import web

from garagebot.admin_web import (
    alerts,
    audit,
    board,
    bookings,
    documents,
    home,
    requests,
    session_actions,
    session_billing,
    sessions,
    settings,
    signin,
    simulator,
    staff,
)
from garagebot.admin_web.deps import CONFIG, DEPS_OF, ConsoleConfig, ConsoleDeps, DepsGetter
from garagebot.admin_web.frame import setup_rendering

__all__ = ["ConsoleConfig", "ConsoleDeps", "setup_console"]


def setup_console(app: web.Application, config: ConsoleConfig, deps_of: DepsGetter) -> None:
    """Add the console's routes, templates and static files to ``app``."""
    app[CONFIG] = config
    app[DEPS_OF] = deps_of
    setup_rendering(app)
    for module in (signin, home, board, sessions, session_actions, session_billing, requests, bookings,
                   alerts, staff, settings, audit, simulator, documents):
        module.add_routes(app)

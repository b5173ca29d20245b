"""Composing the staff console into the web process: ``console_room`` mounts
it with the settings, and the runtime's database and translator at request time."""

from __future__ import annotations

from aiohttp import web

from garagebot.admin_web import ConsoleConfig, ConsoleDeps, setup_console
from garagebot.app.keys import RUNTIME, SETTINGS


def _deps(app: web.Application) -> ConsoleDeps:
    rt = app[RUNTIME]
    return ConsoleDeps(rt.db, rt.translator, rt.storage,
                       rt.engine.handle if rt.settings.console_simulator else None)


def console_room(app: web.Application) -> None:
    settings = app[SETTINGS]
    setup_console(app, ConsoleConfig(
        secret=settings.secret(), base_url=settings.base_url,
        bot_username=settings.telegram_bot_username, simulator=settings.console_simulator), _deps)

"""Composing the client pages and the client notifications into a process.

``notify_wiring`` (every process that drains the outbox: web in the embedded
mode, the worker with Redis) subscribes the client notification rules, with
the links they put in messages pointing at PUBLIC_URL. ``pages_room`` (web)
mounts /a/…, /t/… and /m/….
"""

from __future__ import annotations

from contextlib import AsyncExitStack

from aiohttp import web

from garagebot.app.bootstrap import Runtime
from garagebot.app.keys import RUNTIME, SETTINGS
from garagebot.app.settings import Settings
from garagebot.core import notify
from garagebot.webhooks.pages import PagesConfig, PagesDeps, setup_pages


def notify_config(settings: Settings) -> notify.NotifyConfig:
    return notify.NotifyConfig(
        public_url=settings.base_url, secret=settings.secret(),
        approval_link_hours=settings.approval_link_hours,
        approval_reminder_hours=settings.approval_reminder_hours,
    )


async def notify_wiring(runtime: Runtime, stack: AsyncExitStack) -> None:
    notify.register(runtime.subscribers, notify_config(runtime.settings))


def _deps(app: web.Application) -> PagesDeps:
    rt = app[RUNTIME]
    return PagesDeps(rt.db, rt.translator, rt.storage)


def pages_room(app: web.Application) -> None:
    settings = app[SETTINGS]
    setup_pages(app, PagesConfig(secret=settings.secret(), approval_link_hours=settings.approval_link_hours),
                _deps)

"""The aiohttp AppKeys shared by the app and its rooms."""

from __future__ import annotations

from aiohttp import web

from garagebot.app.bootstrap import Runtime
from garagebot.app.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
RUNTIME = web.AppKey("runtime", Runtime)

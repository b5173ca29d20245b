"""Composing the Telegram bot into a process.

Two halves, because in Redis mode the worker sends and the web process
receives: ``telegram_wiring`` (every process) registers the Telegram transport
and file source with the runtime; ``telegram_room`` (web) mounts
``POST /webhooks/telegram`` and, on start, sets the webhook or runs long
polling. Both do nothing when GARAGEBOT_TELEGRAM_TOKEN is unset.
"""

from __future__ import annotations

from contextlib import AsyncExitStack

import aiohttp
from aiohttp import web

from garagebot.app.bootstrap import Runtime
from garagebot.app.keys import RUNTIME, SETTINGS
from garagebot.app.settings import Settings
from garagebot.bot.api import TelegramApi
from garagebot.bot.limits import RateLimiter
from garagebot.bot.media import TelegramMedia
from garagebot.bot.sender import TelegramTransport
from garagebot.bot.webhook import TelegramConfig, TelegramDeps, setup_telegram
from garagebot.core.enums import Channel


def telegram_config(settings: Settings) -> TelegramConfig | None:
    if not settings.telegram_token:
        return None
    return TelegramConfig(
        token=settings.telegram_token,
        webhook_secret=settings.telegram_webhook_secret or "",
        api_url=settings.telegram_api_url,
        public_url=settings.public_url,
        polling=settings.telegram_polling,
    )


async def telegram_wiring(runtime: Runtime, stack: AsyncExitStack) -> None:
    config = telegram_config(runtime.settings)
    if config is None:
        return
    session = await stack.enter_async_context(aiohttp.ClientSession())
    api = TelegramApi(session, config.token, config.api_url)
    limiter = RateLimiter(per_chat_rate=config.per_chat_per_second, global_rate=config.global_per_second)
    transport = TelegramTransport(api, limiter, runtime.storage, runtime.telemetry)
    runtime.transports.set(Channel.TELEGRAM, transport)
    runtime.engine.media.set(Channel.TELEGRAM, TelegramMedia(api))


def _deps(app: web.Application) -> TelegramDeps:
    rt = app[RUNTIME]
    return TelegramDeps(rt.engine, rt.translator, rt.transports, rt.db.clock, rt.storage, rt.telemetry)


def telegram_room(app: web.Application) -> None:
    config = telegram_config(app[SETTINGS])
    if config is not None:
        setup_telegram(app, config, _deps)

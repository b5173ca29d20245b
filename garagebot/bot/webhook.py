"""Mounting the Telegram bot on the aiohttp app: ``POST /webhooks/telegram``.

The handler checks ``X-Telegram-Bot-Api-Secret-Token`` in constant time
(403 otherwise), decodes the body (depth-bounded; ``parse_update`` replaces NUL and lone
surrogates, so that any text can be recorded), hands the update to the adapter
and answers 200, also for kinds we ignore and for redeliveries; 400 for what
is not an update. If processing fails it answers 503, so Telegram delivers
the update again (nothing of it was committed).

``setup_telegram`` adds the route and a cleanup context that, once the app's
runtime exists, opens the HTTP session, registers the Telegram transport with
the dispatcher and the file source with the engine, and either sets the
webhook (``public_url``) or runs long polling (development).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import aiohttp
from aiohttp import web

from garagebot.bot.adapter import TelegramAdapter
from garagebot.bot.api import DEFAULT_API_URL, TelegramApi, TelegramApiError
from garagebot.bot.limits import RateLimiter
from garagebot.bot.media import TelegramMedia
from garagebot.bot.polling import run_polling
from garagebot.bot.sender import TelegramTransport
from garagebot.conversations.engine import Engine
from garagebot.core import logcontext
from garagebot.core.dispatch import Transports
from garagebot.core.enums import Channel
from garagebot.core.i18n import Translator
from garagebot.core.jsonable import load_json
from garagebot.core.ports import Clock, FileStorage
from garagebot.core.telemetry import NULL_TELEMETRY, Telemetry

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhooks/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)
ALLOWED_UPDATES = ("message", "edited_message", "callback_query")


@dataclass(frozen=True, slots=True)
class TelegramConfig:
    """From GARAGEBOT_TELEGRAM_TOKEN, _WEBHOOK_SECRET, _API_URL and GARAGEBOT_PUBLIC_URL."""

    token: str
    webhook_secret: str
    api_url: str = DEFAULT_API_URL
    public_url: str | None = None
    polling: bool = False
    path: str = WEBHOOK_PATH
    per_chat_per_second: float = 1.0
    global_per_second: float = 30.0

    @property
    def webhook_url(self) -> str | None:
        return f"{self.public_url.rstrip('/')}{self.path}" if self.public_url else None


@dataclass(frozen=True, slots=True)
class TelegramDeps:
    """What the bot needs from the app's runtime."""

    engine: Engine
    translator: Translator
    transports: Transports
    clock: Clock
    storage: FileStorage | None = None
    telemetry: Telemetry = NULL_TELEMETRY


@dataclass(frozen=True, slots=True)
class TelegramBot:
    config: TelegramConfig
    api: TelegramApi
    transport: TelegramTransport
    adapter: TelegramAdapter


TELEGRAM_BOT = web.AppKey("telegram_bot", TelegramBot)


def verified(request: web.Request, secret: str) -> bool:
    given = request.headers.get(SECRET_HEADER, "")
    # A header that is not UTF-8 arrives with surrogates: compared as bytes, never raised on.
    return bool(secret) and hmac.compare_digest(given.encode("utf-8", "surrogatepass"), secret.encode())


async def handle_update(request: web.Request) -> web.Response:
    bot = request.app[TELEGRAM_BOT]
    if not verified(request, bot.config.webhook_secret):
        return web.Response(status=403, text="forbidden")
    try:
        raw = load_json(await request.read())
    except ValueError:
        return web.Response(status=400, text="not JSON")
    if not isinstance(raw, dict):
        return web.Response(status=400, text="not an update")
    logcontext.bind(message_id=raw.get("update_id"))
    try:
        await bot.adapter.process(raw)
    except ValueError as exc:
        log.warning("a telegram update with the right secret is not one we can read: %s", exc)
        return web.Response(status=400, text="not a Telegram update")
    except Exception:  # the adapter's one logged catch-all: Telegram redelivers on 5xx
        log.exception("telegram update %s was not processed; Telegram delivers it again",
                      raw.get("update_id"))
        return web.Response(status=503, text="not processed")
    return web.Response(status=200)


def build_bot(config: TelegramConfig, deps: TelegramDeps, session: aiohttp.ClientSession, *,
              limiter: RateLimiter | None = None) -> TelegramBot:
    api = TelegramApi(session, config.token, config.api_url)
    limiter = limiter or RateLimiter(per_chat_rate=config.per_chat_per_second,
                                     global_rate=config.global_per_second)
    transport = TelegramTransport(api, limiter, deps.storage, deps.telemetry)
    adapter = TelegramAdapter(deps.engine, transport, api, deps.translator, deps.clock)
    return TelegramBot(config, api, transport, adapter)


async def register_webhook(bot: TelegramBot) -> bool:
    """Point Telegram at our webhook with the secret it must send back. A
    failure is logged, not raised: the rest of the app still serves."""
    try:
        await bot.api.call("setWebhook", {
            "url": bot.config.webhook_url, "secret_token": bot.config.webhook_secret,
            "allowed_updates": list(ALLOWED_UPDATES),
        })
    except TelegramApiError as exc:
        log.error("setWebhook to %s failed: %s", bot.config.webhook_url, exc)
        return False
    return True


def setup_telegram(app: web.Application, config: TelegramConfig,
                   deps: Callable[[web.Application], TelegramDeps]) -> None:
    """Mount the bot (see the module docstring). ``deps`` reads the runtime from
    the app; call this after the runtime's cleanup context was appended."""
    app.router.add_post(config.path, handle_update)

    async def telegram_ctx(app: web.Application) -> AsyncIterator[None]:
        runtime = deps(app)
        async with aiohttp.ClientSession() as session:
            bot = build_bot(config, runtime, session)
            app[TELEGRAM_BOT] = bot
            runtime.transports.set(Channel.TELEGRAM, bot.transport)
            runtime.engine.media.set(Channel.TELEGRAM, TelegramMedia(bot.api))
            poller: asyncio.Task[None] | None = None
            if config.polling:
                poller = asyncio.create_task(run_polling(bot.api, bot.adapter.process))
            elif config.webhook_url:
                await register_webhook(bot)
            yield
            if poller is not None:
                poller.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await poller

    app.cleanup_ctx.append(telegram_ctx)

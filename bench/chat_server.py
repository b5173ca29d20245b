"""The server side of the chat benchmarks, one process per invocation (the
orchestrator starts ``--workers`` of them on one port with SO_REUSEPORT).

``app``: the real web application as ``garagebot serve`` builds it (the rooms
of ``garagebot.app.web.ROOMS``, settings from the GARAGEBOT_* environment),
except that the runtime is opened with ``in_process_drain=False``: replies are
committed to the outbox and nothing sends them (no Redis URL, so no worker is
notified either). The aiohttp access log is off.

``bare``: an aiohttp app with the same webhook paths whose handler reads the
body and does one raw asyncpg INSERT of it per request (the baseline).

Both run with ``garagebot serve``'s garbage-collection settings
(``garagebot.app.server.tune_gc_for_serving``).

Prints ``ready`` once the socket listens.
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator, Sequence

import asyncpg
from aiohttp import web

from bench.common import asyncpg_url

BARE_TABLE = "bench_bare_insert"
TELEGRAM_PATH = "/webhooks/telegram"
WHATSAPP_PATH = "/webhooks/twilio/whatsapp"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
POOL = web.AppKey("pool", asyncpg.Pool)


def app_application() -> web.Application:
    from garagebot.app.bootstrap import open_runtime
    from garagebot.app.keys import RUNTIME, SETTINGS
    from garagebot.app.settings import load_settings
    from garagebot.app.web import ROOMS

    settings = load_settings()
    app = web.Application()
    app[SETTINGS] = settings

    async def runtime_ctx(app: web.Application) -> AsyncIterator[None]:
        async with open_runtime(settings, in_process_drain=False) as runtime:
            app[RUNTIME] = runtime
            yield

    app.cleanup_ctx.append(runtime_ctx)  # first, as create_app does
    for room in ROOMS:
        room(app)
    return app


async def _bare_telegram(request: web.Request) -> web.Response:
    body = await request.text()
    await request.app[POOL].execute(f"INSERT INTO {BARE_TABLE} (body) VALUES ($1)", body)
    return web.Response(status=200)


async def _bare_whatsapp(request: web.Request) -> web.Response:
    body = await request.text()
    await request.app[POOL].execute(f"INSERT INTO {BARE_TABLE} (body) VALUES ($1)", body)
    return web.Response(text=EMPTY_TWIML, content_type="text/xml")


def bare_application(url: str, pool_size: int) -> web.Application:
    app = web.Application()

    async def pool_ctx(app: web.Application) -> AsyncIterator[None]:
        async with asyncpg.create_pool(asyncpg_url(url), min_size=pool_size, max_size=pool_size) as pool:
            app[POOL] = pool
            yield

    app.cleanup_ctx.append(pool_ctx)
    app.router.add_post(TELEGRAM_PATH, _bare_telegram)
    app.router.add_post(WHATSAPP_PATH, _bare_whatsapp)
    return app


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("kind", choices=["app", "bare"])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--url", help="bare: the database (postgresql+asyncpg://…)")
    p.add_argument("--pool", type=int, default=30, help="bare: asyncpg pool size")
    a = p.parse_args(argv)
    if a.kind == "app":
        app = app_application()
    else:
        if not a.url:
            p.error("bare needs --url")
        app = bare_application(a.url, a.pool)
    from garagebot.app.server import tune_gc_for_serving

    tune_gc_for_serving()  # as ``garagebot serve`` does, for both servers
    web.run_app(app, host=a.host, port=a.port, reuse_port=True, access_log=None,
                print=lambda _msg: print("ready", flush=True), handle_signals=True)


if __name__ == "__main__":
    main()

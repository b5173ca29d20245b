"""Running the web app: ``garagebot serve`` and ``garagebot demo``."""

from __future__ import annotations

import asyncio
import gc
import sys
from collections.abc import Sequence

from aiohttp import web

from garagebot.app.settings import Settings
from garagebot.app.web import create_app

# CPython's defaults are (700, 10, 10).
GC_THRESHOLDS = (50_000, 50, 100)


def tune_gc_for_serving() -> None:
    """Garbage collection for a long-running server: what exists at start
    (modules, mappers, catalogs) is moved out of the collector's sight
    (``gc.freeze``), and young objects are collected less often. With the
    defaults, the chat webhooks' many short-lived objects set off a full
    collection every few seconds under load, a pause of tens of milliseconds
    that every request in flight waits out (bench/README.md §3)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def serve(settings: Settings, *, banner: Sequence[str] = ()) -> None:
    """Serve until SIGINT/SIGTERM. Once the socket listens, print the URL and ``banner``."""

    def announce(_aiohttp_message: str) -> None:
        lines = [f"garagebot is listening on http://{settings.host}:{settings.port} "
                 f"(public URL {settings.base_url})", *banner, "(press Ctrl+C to stop)"]
        print("\n".join(lines), flush=True)

    app = create_app(settings)
    tune_gc_for_serving()
    web.run_app(
        app, host=settings.host, port=settings.port, print=announce,
        access_log_format='%a "%r" %s %b %Tfs',
    )


async def prepare_demo(settings: Settings) -> list[str]:
    """Migrate, then seed the demo garage unless the database has a garage.
    Returns the lines to print (the demo identities)."""
    from garagebot.app.demo import console_lines, seed_demo
    from garagebot.app.migrate import upgrade
    from garagebot.app.storage import LocalFileStorage
    from garagebot.core.uow import Database

    await upgrade(settings.database_url)
    db = Database(settings.database_url)
    try:
        identities = await seed_demo(db, LocalFileStorage(settings.media_dir))
    finally:
        await db.dispose()
    return [*identities.lines(), *console_lines(settings.base_url)]


def run_demo(settings: Settings) -> None:
    lines = asyncio.run(prepare_demo(settings))
    sys.stdout.flush()
    serve(settings.model_copy(update={"console_simulator": True}), banner=lines)

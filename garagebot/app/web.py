"""The aiohttp application: health endpoints, and the place where rooms mount.

``/metrics`` serves the app's Prometheus metrics (``app.metrics``).

``create_app(settings)`` builds nothing heavy: the runtime (database,
translator, dispatcher, queue) is built in a cleanup_ctx when the app starts
and closed when it stops. Each room (Telegram webhook, provider webhooks,
admin console …) is a ``Room`` function that adds its routes, sub-apps and
cleanup contexts to the app; it reads the runtime from ``app[RUNTIME]`` at
request time. Later issues add theirs to ``ROOMS``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence

from aiohttp import web
from sqlalchemy import text

from garagebot.app.bootstrap import Runtime, open_runtime
from garagebot.app.channels import channels_room
from garagebot.app.console import console_room
from garagebot.app.keys import RUNTIME, SETTINGS
from garagebot.app.metrics import METRICS, Metrics, count_deliveries, metrics_endpoint, outbox_backlog
from garagebot.app.pages import pages_room
from garagebot.app.schedule import schedule_room
from garagebot.app.settings import Settings
from garagebot.app.telegram import telegram_room
from garagebot.core.ports import Clock

__all__ = ["ROOMS", "RUNTIME", "SETTINGS", "Room", "create_app"]

Room = Callable[[web.Application], None]

CHECK_TIMEOUT_SECONDS = 3.0


async def healthz(request: web.Request) -> web.Response:
    """Liveness: the process answers."""
    return web.json_response({"status": "ok"})


async def _check_database(runtime: Runtime) -> None:
    async with runtime.db.read() as session:
        await session.execute(text("SELECT 1"))


async def _check_redis(runtime: Runtime) -> None:
    assert runtime.redis is not None
    await runtime.redis.ping()


async def _check_outbox(runtime: Runtime) -> None:
    limit = runtime.settings.outbox_max_age_seconds
    late = {channel: age for channel, (_, age) in (await outbox_backlog(runtime.db)).items() if age > limit}
    if late:
        waited = ", ".join(f"{channel} {age:.0f} s" for channel, age in sorted(late.items()))
        raise RuntimeError(f"due messages waited longer than {limit} s: {waited}")


async def readyz(request: web.Request) -> web.Response:
    """Readiness: the database answers SELECT 1, no due outbox message has waited
    longer than GARAGEBOT_OUTBOX_MAX_AGE_SECONDS and, when configured, Redis
    answers PING. 503 names the failed checks."""
    runtime = request.app[RUNTIME]
    checks = {"database": _check_database, "outbox": _check_outbox}
    if runtime.redis is not None:
        checks["redis"] = _check_redis
    results: dict[str, str] = {}
    for name, check in checks.items():
        if name == "outbox" and results.get("database") != "ok":
            continue  # without the database there is no outbox to read
        try:
            await asyncio.wait_for(check(runtime), timeout=CHECK_TIMEOUT_SECONDS)
        except Exception as exc:  # any failure means "not ready"; the body says which and why
            results[name] = f"error: {type(exc).__name__}: {exc}".strip()[:300]
        else:
            results[name] = "ok"
    failed = [name for name, result in results.items() if result != "ok"]
    if failed:
        return web.json_response(
            {"status": "unavailable", "failed": failed, "checks": results}, status=503
        )
    return web.json_response({"status": "ok", "checks": results})


def health_room(app: web.Application) -> None:
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics_endpoint)


ROOMS: tuple[Room, ...] = (health_room, telegram_room, channels_room, pages_room, console_room, schedule_room)


def create_app(
    settings: Settings, *, rooms: Sequence[Room] = ROOMS, clock: Clock | None = None
) -> web.Application:
    """The web application for ``settings``; the runtime is built on startup."""
    app = web.Application(middlewares=[count_deliveries])
    app[SETTINGS] = settings
    metrics = app[METRICS] = Metrics()  # this app's own registry

    async def runtime_ctx(app: web.Application) -> AsyncIterator[None]:
        async with open_runtime(settings, clock=clock, telemetry=metrics) as runtime:
            app[RUNTIME] = runtime
            yield

    # First in cleanup_ctx: rooms' own contexts start after it and may use the runtime.
    app.cleanup_ctx.append(runtime_ctx)
    for room in rooms:
        room(app)
    return app

"""The scheduler in both run modes, and the registry of scheduled jobs.

``scheduled_jobs`` is the one list of jobs (``core.schedule.Job``). The tick
(``core.schedule.tick``) runs once a minute:

* with Redis, in ``garagebot worker``: an arq worker whose cron job calls it
  (``scheduler_worker``). Every worker ticks (the cron job is not unique in
  Redis): the database claim alone decides which of them runs a period, so
  nothing depends on Redis keeping a key;
* without Redis, in the web process (``garagebot serve`` / ``demo``): an
  asyncio task (``SchedulerLoop``).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import web
from arq import cron
from arq.connections import RedisSettings
from arq.worker import Worker

from garagebot.app.bootstrap import Runtime
from garagebot.app.keys import RUNTIME
from garagebot.app.pages import notify_config
from garagebot.app.settings import Settings
from garagebot.core.alerts import invoices, service_due, sla, stock
from garagebot.core.appointments.jobs import mark_no_shows, remind_appointments
from garagebot.core.digests.send import run_due_digests
from garagebot.core.ids import OrgId
from garagebot.core.ports import FileStorage
from garagebot.core.schedule import Daily, Every, Job, Registry, calling, tick
from garagebot.core.uow import Database

log = logging.getLogger(__name__)

TICK_SECONDS = 60
CATCH_UP = dt.timedelta(hours=6)


def scheduled_jobs(settings: Settings, storage: FileStorage | None = None) -> Registry:
    """Every scheduled job; a room's job plugs in with one line here. ``storage``:
    where the digests' charts go (without it they are sent without a chart)."""
    config = notify_config(settings)

    async def digests(db: Database, org_id: int, now: dt.datetime) -> int:
        return await run_due_digests(db, OrgId(org_id), now, storage=storage)

    async def appointment_reminders(db: Database, org_id: int, now: dt.datetime) -> int:
        return await remind_appointments(db, OrgId(org_id), now)

    async def no_shows(db: Database, org_id: int, now: dt.datetime) -> int:
        return await mark_no_shows(db, OrgId(org_id), now)

    return Registry([
        Job("digests", Every(15), dt.timedelta(minutes=15), calling(digests)),
        Job("sla_check", Every(5), dt.timedelta(minutes=5), calling(sla.check_sla)),
        Job("stock_daily", Daily(dt.time(8, 0)), CATCH_UP, calling(stock.daily_stock_list)),
        Job("orders_overdue", Daily(dt.time(8, 0)), CATCH_UP, calling(stock.overdue_orders)),
        Job("invoice_reminders", Daily(dt.time(10, 0)), CATCH_UP, calling(invoices.InvoiceReminders(config))),
        Job("service_reminders", Daily(dt.time(10, 30)), CATCH_UP, calling(service_due.remind_services)),
        # Tomorrow's appointments reminded once each (in the reminder hours); missed ones marked.
        Job("appointment_reminders", Every(60), dt.timedelta(hours=1), calling(appointment_reminders)),
        Job("no_shows", Every(10), dt.timedelta(minutes=10), calling(no_shows)),
    ])


async def run_tick(runtime: Runtime, registry: Registry) -> int:
    """One tick; how many runs it claimed (failures are logged, never raised)."""
    try:
        return len(await tick(runtime.db, registry, telemetry=runtime.telemetry))
    except Exception:  # a database hiccup must not end the loop; the next tick retries
        log.exception("the scheduler's tick failed")
        return 0


class SchedulerLoop:
    """The embedded mode's scheduler: ``run_tick`` every ``seconds``."""

    def __init__(self, runtime: Runtime, registry: Registry, seconds: float = TICK_SECONDS) -> None:
        self.runtime, self.registry, self.seconds = runtime, registry, seconds
        self._task: asyncio.Task[None] | None = None
        self.ticks = 0

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="scheduler")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:  # the first tick a period after start-up: a process that lives seconds ticks never
            await asyncio.sleep(self.seconds)
            await run_tick(self.runtime, self.registry)
            self.ticks += 1


def schedule_room(app: web.Application) -> None:
    """The embedded mode's scheduler in the web process (with Redis, ``garagebot worker`` ticks)."""

    async def ctx(app: web.Application) -> AsyncIterator[None]:
        runtime = app[RUNTIME]
        loop = None
        if runtime.redis is None:
            loop = SchedulerLoop(runtime, scheduled_jobs(runtime.settings, runtime.storage))
            loop.start()
        yield
        if loop is not None:
            await loop.stop()

    app.cleanup_ctx.append(ctx)


async def _cron_tick(ctx: dict[str, Any]) -> int:
    return await run_tick(ctx["runtime"], ctx["registry"])


def _seconds(every: int) -> set[int]:
    return set(range(0, 60, max(1, min(every, 60)))) if every < 60 else {0}


@asynccontextmanager
async def scheduler_worker(runtime: Runtime, registry: Registry,
                           seconds: int = TICK_SECONDS) -> AsyncIterator[Worker]:
    """An arq worker (on its own Redis connection) whose cron job ticks every
    ``seconds`` (a divisor of 60, or 60: each minute), for the life of the context."""
    assert runtime.settings.redis_url is not None
    worker = Worker(
        functions=[], queue_name=f"{runtime.settings.queue_name}:scheduler",
        cron_jobs=[cron(_cron_tick, name="scheduler_tick", second=_seconds(seconds),
                        microsecond=0, unique=False, timeout=3600)],
        redis_settings=RedisSettings.from_dsn(runtime.settings.redis_url), handle_signals=False,
        ctx={"runtime": runtime, "registry": registry}, poll_delay=0.2, keep_result=0,
    )
    task = asyncio.create_task(worker.async_run(), name="scheduler-worker")
    try:
        yield worker
    finally:
        task.cancel()  # no new ticks; a tick in flight finishes (cancelling it midway would strand
        with contextlib.suppress(asyncio.CancelledError):  # its database connection)
            await task
        await asyncio.gather(*worker.tasks.values(), return_exceptions=True)
        await worker.close()

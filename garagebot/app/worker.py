"""``garagebot worker`` (Redis mode): the outbox drain loop in its own process,
and the scheduler's arq cron (``app.schedule``).

It runs the same ``InProcessDrainer`` as the embedded mode, woken through
Redis by the web process's commits (``app.queue``) and polling every
OUTBOX_POLL_SECONDS besides. No drain is a long-lived queued job: a killed
worker leaves nothing behind in Redis, and a restarted one sends at once.
SIGINT/SIGTERM let the sends in flight finish, then stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Sequence

from garagebot.app.bootstrap import Wiring, open_runtime
from garagebot.app.queue import InProcessDrainer, listen_for_wakes
from garagebot.app.schedule import TICK_SECONDS, scheduled_jobs, scheduler_worker
from garagebot.app.settings import Settings
from garagebot.core.dispatch import DrainReport
from garagebot.core.ports import Clock
from garagebot.core.schedule import Registry

log = logging.getLogger(__name__)


async def run_worker(settings: Settings, *, stop: asyncio.Event | None = None,
                     clock: Clock | None = None, wirings: Sequence[Wiring] | None = None,
                     registry: Registry | None = None, tick_seconds: int = TICK_SECONDS) -> None:
    """Drain, and run the scheduler (an arq cron job, ``app.schedule``), until
    ``stop`` is set, or until SIGINT/SIGTERM when no ``stop`` is given."""
    if not settings.redis_url:
        raise ValueError("the worker needs REDIS_URL")
    if stop is None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
    async with open_runtime(settings, in_process_drain=False, clock=clock, wirings=wirings) as rt:
        assert rt.redis is not None
        drainer = InProcessDrainer(settings.outbox_poll_seconds)
        drainer.start(rt.dispatcher)
        listener = asyncio.create_task(listen_for_wakes(rt.redis, settings.queue_name, drainer))
        log.info("outbox worker %s started", rt.dispatcher.worker_id)
        try:
            async with scheduler_worker(rt, registry or scheduled_jobs(settings, rt.storage), tick_seconds):
                await stop.wait()
        finally:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listener
            await drainer.stop()
    log.info("outbox worker stopped")


async def drain_once(settings: Settings, *, clock: Clock | None = None,
                     wirings: Sequence[Wiring] | None = None) -> DrainReport:
    """Send what is due now and return (tests, one-off runs)."""
    async with open_runtime(settings, in_process_drain=False, clock=clock, wirings=wirings) as rt:
        return await rt.dispatcher.drain()

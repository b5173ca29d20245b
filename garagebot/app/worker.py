"""The arq worker (Redis mode): drains the outbox when commits enqueue the job.

The runtime is built in ``on_startup`` and closed in ``on_shutdown``. Besides
the notified job, a poll task enqueues the same (coalesced) job every
OUTBOX_POLL_SECONDS, so rows retried later, or whose notification was lost
while Redis was away, are still sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from contextlib import AsyncExitStack
from typing import Any

from arq.connections import ArqRedis, RedisSettings
from arq.worker import Worker, func

from garagebot.app.bootstrap import Runtime, Wiring, open_runtime
from garagebot.app.queue import DRAIN_JOB, drain_job_id, drain_until_clean
from garagebot.app.settings import Settings
from garagebot.core.ports import Clock

log = logging.getLogger(__name__)

# Keys of arq's ctx dict (arq passes one plain dict to every hook and job).
_RUNTIME = "garagebot_runtime"
_STACK = "garagebot_stack"
_POLL = "garagebot_poll"

JOB_TIMEOUT_SECONDS = 600


async def drain_outbox(ctx: dict[str, Any]) -> int:
    """The drain job; returns how many rows it handled."""
    runtime: Runtime = ctx[_RUNTIME]
    report = await drain_until_clean(
        runtime.dispatcher, ctx["redis"], runtime.settings.queue_name
    )
    if report.handled:
        log.info("outbox drained: %s", report)
    return report.handled


async def _poll(redis: ArqRedis, queue_name: str, every: float) -> None:
    while True:
        try:
            await redis.enqueue_job(DRAIN_JOB, _job_id=drain_job_id(queue_name), _queue_name=queue_name)
        except Exception:  # Redis away: arq's own loop reports it; keep polling
            log.exception("could not enqueue the periodic outbox drain")
        await asyncio.sleep(every)


class _Lifecycle:
    """arq's on_startup / on_shutdown: build the runtime and the poll, then close them."""

    def __init__(self, settings: Settings, burst: bool, runtime_options: dict[str, Any]) -> None:
        self.settings = settings
        self.burst = burst
        self.runtime_options = runtime_options

    async def startup(self, ctx: dict[str, Any]) -> None:
        stack = AsyncExitStack()
        ctx[_RUNTIME] = await stack.enter_async_context(
            open_runtime(self.settings, in_process_drain=False, **self.runtime_options)
        )
        ctx[_STACK] = stack
        if not self.burst:
            ctx[_POLL] = asyncio.create_task(
                _poll(ctx["redis"], self.settings.queue_name, self.settings.outbox_poll_seconds)
            )

    async def shutdown(self, ctx: dict[str, Any]) -> None:
        poll: asyncio.Task[None] | None = ctx.pop(_POLL, None)
        if poll is not None:
            poll.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await poll
        stack: AsyncExitStack | None = ctx.pop(_STACK, None)
        if stack is not None:
            await stack.aclose()


def build_worker(
    settings: Settings,
    *,
    burst: bool = False,
    clock: Clock | None = None,
    wirings: tuple[Wiring, ...] | None = None,
    handle_signals: bool = True,
) -> Worker:
    """An arq Worker for ``settings`` (which must have REDIS_URL). ``burst`` stops it
    once the queue is empty (tests); ``clock`` and ``wirings`` go to the runtime."""
    if not settings.redis_url:
        raise ValueError("the worker needs REDIS_URL")
    options: dict[str, Any] = {"clock": clock}
    if wirings is not None:
        options["wirings"] = wirings
    lifecycle = _Lifecycle(settings, burst, options)
    return Worker(
        functions=[func(drain_outbox, name=DRAIN_JOB, keep_result=0, timeout=JOB_TIMEOUT_SECONDS,
                        max_tries=3)],
        queue_name=settings.queue_name,
        redis_settings=RedisSettings.from_dsn(settings.redis_url),
        burst=burst, on_startup=lifecycle.startup, on_shutdown=lifecycle.shutdown,
        handle_signals=handle_signals, keep_result=0, poll_delay=0.2, max_jobs=4,
    )


async def run_worker(settings: Settings) -> None:
    """Run until SIGINT/SIGTERM (``garagebot worker``)."""
    worker = build_worker(settings)
    try:
        await worker.async_run()
    except asyncio.CancelledError:
        # arq stops on a signal by cancelling its main task: a normal end, unless
        # this coroutine itself is being cancelled.
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise
    finally:
        await worker.close()

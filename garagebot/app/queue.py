"""How a commit that wrote outbox rows reaches a drainer, in both run modes.

* Embedded (no REDIS_URL): ``InProcessDrainer`` is the Database's notifier and
  runs the dispatcher in a background task, woken by each such commit and
  polling as a safety net.
* Redis: ``ArqNotifier`` enqueues the drain job under one fixed job id, so a
  burst of commits becomes one job; ``garagebot worker`` runs it. arq drops an
  enqueue while the job with that id is still running, so the notifier also
  raises a "dirty" flag that the running job checks before it finishes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from arq.connections import ArqRedis
from redis.asyncio import ConnectionPool
from redis.exceptions import RedisError

from garagebot.core.dispatch import Dispatcher, DrainReport

log = logging.getLogger(__name__)

DRAIN_JOB = "drain_outbox"


def drain_job_id(queue_name: str) -> str:
    return f"{queue_name}:drain-outbox"


def dirty_key(queue_name: str) -> str:
    return f"{queue_name}:outbox-dirty"


def connect_redis(url: str, queue_name: str) -> ArqRedis:
    """An arq-capable Redis client. Nothing connects until the first command, so
    a Redis outage does not stop the web process (readyz reports it)."""
    pool = ConnectionPool.from_url(url, socket_connect_timeout=2, socket_timeout=5)
    return ArqRedis(pool, default_queue_name=queue_name)


class ArqNotifier:
    """OutboxNotifier for the Redis mode: mark the outbox dirty and enqueue the drain job."""

    def __init__(self, redis: ArqRedis, queue_name: str) -> None:
        self.redis = redis
        self.queue_name = queue_name

    async def outbox_written(self) -> None:
        try:
            await self.redis.set(dirty_key(self.queue_name), b"1")
            await self.redis.enqueue_job(
                DRAIN_JOB, _job_id=drain_job_id(self.queue_name), _queue_name=self.queue_name
            )
        except (RedisError, OSError) as exc:
            # The commit stands; the worker's periodic poll sends the rows later.
            log.warning("could not notify the outbox worker through Redis: %s", exc)


# Under a steady stream of commits the job ends after this many rounds anyway (well
# inside arq's job timeout); the flag stays raised and the next poll starts a new job.
MAX_ROUNDS = 20


async def drain_until_clean(dispatcher: Dispatcher, redis: ArqRedis, queue_name: str) -> DrainReport:
    """The drain job: drain, and go again if a commit raised the flag meanwhile."""
    total = DrainReport()
    for _ in range(MAX_ROUNDS):
        await redis.delete(dirty_key(queue_name))
        total += await dispatcher.drain()
        if not await redis.exists(dirty_key(queue_name)):
            break
    return total


class InProcessDrainer:
    """OutboxNotifier for the embedded mode, and the task that drains.

    ``outbox_written`` only sets an event; the task drains, then waits for the
    event or ``poll_seconds`` (rows retried later become due without a commit).
    """

    def __init__(self, poll_seconds: float) -> None:
        self.poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._rounds = 0
        self._last = DrainReport()
        self._round_done = asyncio.Condition()
        self._stopping = False

    async def outbox_written(self) -> None:
        self._wake.set()

    def start(self, dispatcher: Dispatcher) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(dispatcher), name="outbox-drainer")

    async def stop(self, grace_seconds: float = 10.0) -> None:
        """Let the current round finish (cancelling a database call midway would
        strand its connection), then end the task; cancel it after ``grace_seconds``."""
        if self._task is None:
            return
        self._stopping = True
        self._wake.set()
        try:
            await asyncio.wait_for(asyncio.shield(self._task), timeout=grace_seconds)
        except TimeoutError:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._task = None

    async def next_round(self) -> DrainReport:
        """Wait for the next drain round to finish and return what it did."""
        async with self._round_done:
            target = self._rounds + 1
            await self._round_done.wait_for(lambda: self._rounds >= target)
            return self._last

    async def _run(self, dispatcher: Dispatcher) -> None:
        while not self._stopping:
            try:
                report = await self._drain(dispatcher)
            except Exception:  # a database hiccup must not end the task; the next round retries
                log.exception("draining the outbox failed")
                report = DrainReport()
            async with self._round_done:
                self._rounds += 1
                self._last = report
                self._round_done.notify_all()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_seconds)
            self._wake.clear()

    async def _drain(self, dispatcher: Dispatcher) -> DrainReport:
        # Batch by batch, so that stopping waits for one batch, not a whole backlog.
        total = DrainReport()
        while not self._stopping:
            batch = await dispatcher.drain_batch()
            total += batch
            if batch.handled == 0:
                break
        return total

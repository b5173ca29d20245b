"""How a commit that wrote outbox rows reaches a drainer, in both run modes.

Both modes drain with the same loop, ``InProcessDrainer``: the dispatcher
claims rows one free send slot at a time, each on a short lease (see
``core.dispatch.dispatcher``); the loop waits for a wake-up or its poll.

* Embedded (no REDIS_URL): the drainer is the Database's notifier, in the
  web process.
* Redis: the web process's ``RedisNotifier`` pushes onto a wake-up list;
  ``garagebot worker`` (``app.worker``) runs the drainer and a listener that
  pops the list. Nothing is held in Redis for a drain: a worker killed
  mid-burst and restarted sends again at once (only its in-flight rows wait
  for their lease), and while Redis is down the poll still finds every row.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable
from typing import cast

from arq.connections import ArqRedis
from redis.asyncio import ConnectionPool
from redis.exceptions import RedisError

from garagebot.core.dispatch import Dispatcher, DrainReport

log = logging.getLogger(__name__)

# A BLPOP must return before the client's socket timeout (connect_redis's 5 s).
WAKE_BLOCK_SECONDS = 2


def wake_key(queue_name: str) -> str:
    return f"{queue_name}:outbox-wake"


def connect_redis(url: str, queue_name: str) -> ArqRedis:
    """A Redis client. Nothing connects until the first command, so a Redis
    outage does not stop the web process (readyz reports it)."""
    pool = ConnectionPool.from_url(url, socket_connect_timeout=2, socket_timeout=5)
    return ArqRedis(pool, default_queue_name=queue_name)


class RedisNotifier:
    """OutboxNotifier for the Redis mode: one item on the wake-up list (a burst of
    commits leaves one item, the list is trimmed to it)."""

    def __init__(self, redis: ArqRedis, queue_name: str) -> None:
        self.redis = redis
        self.key = wake_key(queue_name)

    async def outbox_written(self) -> None:
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                pipe.lpush(self.key, b"1")
                pipe.ltrim(self.key, 0, 0)
                await pipe.execute()
        except (RedisError, OSError) as exc:
            # The commit stands; the worker's periodic poll sends the rows later.
            log.warning("could not wake the outbox worker through Redis: %s", exc)


async def listen_for_wakes(redis: ArqRedis, queue_name: str, drainer: InProcessDrainer) -> None:
    """The worker's side: wake ``drainer`` on every item. Redis errors are
    logged (once per outage) and retried; the drainer's poll goes on meanwhile."""
    key, down, pause = wake_key(queue_name), False, 0.2
    while True:
        try:
            popped = await cast(Awaitable[object], redis.blpop([key], timeout=WAKE_BLOCK_SECONDS))
            if popped is not None:
                drainer.wake()
        except (RedisError, OSError) as exc:
            if not down:
                log.warning("outbox wake-ups from Redis stopped (%s); polling meanwhile", exc)
            down = True
            await asyncio.sleep(pause)
            pause = min(pause * 2, 2.0)
            continue
        if down:
            log.info("outbox wake-ups from Redis are back")
            down, pause = False, 0.2


class InProcessDrainer:
    """The drain loop of both run modes, and the embedded mode's OutboxNotifier.

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

    def wake(self) -> None:
        self._wake.set()

    def start(self, dispatcher: Dispatcher) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(dispatcher), name="outbox-drainer")

    async def stop(self, grace_seconds: float = 10.0) -> None:
        """Let the sends in flight finish (cancelling a database call midway would
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
            self._wake.clear()
            try:
                report = await dispatcher.drain(stopping=lambda: self._stopping)
            except Exception:  # a database hiccup must not end the task; the next round retries
                log.exception("draining the outbox failed")
                report = DrainReport()
            if report.handled:
                log.info("outbox drained: %s", report)
            async with self._round_done:
                self._rounds += 1
                self._last = report
                self._round_done.notify_all()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_seconds)

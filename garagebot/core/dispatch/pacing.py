"""Pacing outbound sends within the providers' rate limits: the one rate-limit
mechanism of every sender (Twilio, Meta, and Telegram through ``bot.limits``).

A ``Pacer`` holds one token bucket per lane (a Telegram chat or the whole bot,
a Twilio sending number, a Meta phone-number id …) with the lane's own rate.
``acquire`` (``acquire_all`` for a send that counts on several lanes at once)
waits for the lanes' next tokens when they are near; when one is further than
``max_wait`` it raises ``SendDeferred`` (and takes no token), so the dispatcher
puts the row back until then instead of holding a send slot.

``turn`` is for a lane that allows no burst (a Twilio number): one call at a
time, replies before bulk notices, each call started at least 1/rate after the
one before and only after that one was answered. Whatever the machine's
scheduling delays, the provider then sees the calls at least 1/rate apart
(counting each from the previous call's arrival, which came before its answer).
The limits hold per process; several senders share a provider's limit between them.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from garagebot.core.ports import SendDeferred

MAX_LANES = 10_000
# A send waits for its lane at most this long, then is put back (SendDeferred).
# Bulk notices may be given a shorter wait (``bulk_wait``) so that they never
# queue far ahead of a reply on the same lane; the default keeps them equal,
# because a put-back row comes due by the database clock, not the pacer's.
MAX_WAIT = 10.0


@dataclass(frozen=True, slots=True)
class Limit:
    """One lane a send counts on: ``rate`` a second, ``burst`` at once."""

    lane: str
    rate: float
    burst: float = 1.0


class Bucket:
    """``rate`` tokens a second, at most ``capacity`` saved up; may go into debt."""

    def __init__(self, rate: float, capacity: float, now: float) -> None:
        self.rate = rate
        self.capacity = capacity
        self.tokens = capacity
        self.stamp = now

    def level(self, now: float) -> float:
        return min(self.capacity, self.tokens + (now - self.stamp) * self.rate)

    def wait_for_token(self, now: float) -> float:
        """Seconds until a token is there (0: now), taking nothing."""
        level = self.level(now)
        return 0.0 if level >= 1 else (1 - level) / self.rate

    def take(self, now: float) -> float:
        """Take a token; the seconds until it is really there (0: it was)."""
        self.tokens = self.level(now) - 1
        self.stamp = now
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate


@dataclass
class _Turns:
    """A one-at-a-time lane: whether a call holds it, and who waits (by priority)."""

    busy: bool = False
    waiting: list[tuple[int, int, asyncio.Future[None]]] = field(default_factory=list)


class Pacer:
    """Lanes of token buckets (see the module docstring). ``clock`` and ``sleep``
    are injectable so tests run without waiting; ``spaced`` False leaves out the
    spacing of burst-less lanes by the clock (for a clock that never moves)."""

    def __init__(self, *, max_wait: float = MAX_WAIT, bulk_wait: float = MAX_WAIT,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 spaced: bool = True) -> None:
        self.max_wait = max_wait
        self.bulk_wait = bulk_wait
        self._clock = clock
        self._sleep = sleep
        self._spacing = spaced
        self._lanes: dict[str, Bucket] = {}
        self._blocked_until: dict[str, float] = {}
        self._last: dict[str, float] = {}
        self._turns: dict[str, _Turns] = {}
        self._order = itertools.count()

    async def acquire(self, lane: str, rate: float, burst: float = 1.0, *, defer: bool = True,
                      priority: int = 0) -> None:
        """Wait for ``lane``'s turn (``rate`` a second), or raise SendDeferred when it
        is far off (``defer`` False: always wait, for the later parts of one message).
        A bulk notice (``priority`` > 0) waits at most ``bulk_wait``, so the bulk
        queued on a lane never keeps a reply waiting longer than that."""
        await self.acquire_all((Limit(lane, rate, burst),), defer=defer, priority=priority)

    async def acquire_all(self, limits: Sequence[Limit], *, defer: bool = True,
                          priority: int = 0) -> None:
        """``acquire`` on every lane of ``limits`` at once: all their tokens or none."""
        now = self._clock()
        buckets = [self._bucket(lim.lane, lim.rate, max(lim.burst, 1.0), now) for lim in limits]
        blocked = max((self._blocked_until.get(lim.lane, 0.0) - now for lim in limits), default=0.0)
        wait = max([blocked, *(b.wait_for_token(now) for b in buckets)])
        if defer and wait > self._limit(priority):
            raise SendDeferred(f"pacing {limits[0].lane}", retry_after_seconds=wait)
        # The buckets may go into debt by the waiters' tokens.
        debt = max((b.take(now) for b in buckets), default=0.0)
        if max(debt, blocked) > 0:
            await self._sleep(max(debt, blocked))
        for lim in limits:
            if lim.burst <= 1 and self._spacing:
                await self._spaced(lim.lane, lim.rate)

    @asynccontextmanager
    async def turn(self, lane: str, rate: float, *, defer: bool = True,
                   priority: int = 0) -> AsyncIterator[None]:
        """Hold burst-less ``lane`` for one call (see the module docstring):
        ``async with pacer.turn(lane, rate): await the_call()``."""
        turns = self._turns.setdefault(lane, _Turns())
        ahead = sum(1 for p, _, _ in turns.waiting if p <= priority) + turns.busy
        if defer and ahead / rate > self._limit(priority):
            raise SendDeferred(f"pacing {lane}", retry_after_seconds=ahead / rate)
        if turns.busy or turns.waiting:
            granted: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            heapq.heappush(turns.waiting, (priority, next(self._order), granted))
            try:
                await granted
            except BaseException:
                if granted.done() and not granted.cancelled():
                    self._pass_on(lane, turns)  # it was ours: hand it on
                else:
                    turns.waiting = [w for w in turns.waiting if w[2] is not granted]
                    heapq.heapify(turns.waiting)
                raise
        turns.busy = True
        try:
            await self.acquire(lane, rate, defer=defer, priority=priority)
            yield
        finally:
            self._pass_on(lane, turns)

    def _pass_on(self, lane: str, turns: _Turns) -> None:
        turns.busy = False
        while turns.waiting:
            _, _, granted = heapq.heappop(turns.waiting)
            if not granted.done():
                turns.busy = True
                granted.set_result(None)
                return
        if self._turns.get(lane) is turns:
            del self._turns[lane]

    def _limit(self, priority: int) -> float:
        return min(self.max_wait, self.bulk_wait) if priority else self.max_wait

    async def _spaced(self, lane: str, rate: float) -> None:
        """Never closer than 1/rate after the lane's last send, however late the
        event loop woke the waiters (late waiters would otherwise go together)."""
        while (gap := self._last.get(lane, float("-inf")) + 1 / rate - self._clock()) > 0:
            await self._sleep(gap)
        self._last[lane] = self._clock()

    def block(self, lane: str, seconds: float) -> None:
        """Send nothing on ``lane`` for ``seconds`` (a provider's 429 and Retry-After)."""
        self._blocked_until[lane] = max(self._blocked_until.get(lane, 0.0), self._clock() + seconds)

    def _bucket(self, lane: str, rate: float, burst: float, now: float) -> Bucket:
        bucket = self._lanes.get(lane)
        if bucket is None or bucket.rate != rate:
            if len(self._lanes) > MAX_LANES:  # forget lanes whose buckets are full again
                self._lanes = {k: b for k, b in self._lanes.items() if b.level(now) < b.capacity}
                self._last = {k: t for k, t in self._last.items() if k in self._lanes}
            bucket = self._lanes[lane] = Bucket(rate, burst, now)
        return bucket

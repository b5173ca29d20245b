"""Pacing outbound sends within the providers' rate limits.

A ``Pacer`` holds one token bucket per lane (a Telegram chat, a Twilio sending
number, a Meta phone-number id …) with the lane's own rate. ``acquire`` waits
for the lane's next token when it is near; when it is further than
``max_wait`` it raises ``SendDeferred`` (and takes no token), so the dispatcher
puts the row back until then instead of holding a send slot.
The limits hold per process; several senders share a provider's limit between them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from garagebot.core.ports import SendDeferred

MAX_LANES = 10_000
# A send waits for its lane at most this long, then is put back (SendDeferred).
# Bulk notices may be given a shorter wait (``bulk_wait``) so that they never
# queue far ahead of a reply on the same lane; the default keeps them equal,
# because a put-back row comes due by the database clock, not the pacer's.
MAX_WAIT = 10.0


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

    def take(self, now: float) -> None:
        self.tokens = self.level(now) - 1
        self.stamp = now


class Pacer:
    """Lanes of token buckets (see the module docstring). ``clock`` and ``sleep``
    are injectable so tests run without waiting."""

    def __init__(self, *, max_wait: float = MAX_WAIT, bulk_wait: float = MAX_WAIT,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.max_wait = max_wait
        self.bulk_wait = bulk_wait
        self._clock = clock
        self._sleep = sleep
        self._lanes: dict[str, Bucket] = {}
        self._blocked_until: dict[str, float] = {}
        self._last: dict[str, float] = {}

    async def acquire(self, lane: str, rate: float, burst: float = 1.0, *, defer: bool = True,
                      priority: int = 0) -> None:
        """Wait for ``lane``'s turn (``rate`` a second), or raise SendDeferred when it
        is far off (``defer`` False: always wait, for the later parts of one message).
        A bulk notice (``priority`` > 0) waits at most ``bulk_wait``, so the bulk
        queued on a lane never keeps a reply waiting longer than that."""
        now = self._clock()
        bucket = self._bucket(lane, rate, max(burst, 1.0), now)
        blocked = self._blocked_until.get(lane, 0.0) - now
        wait = max(bucket.wait_for_token(now), blocked)
        if defer and wait > (min(self.max_wait, self.bulk_wait) if priority else self.max_wait):
            raise SendDeferred(f"pacing {lane}", retry_after_seconds=wait)
        bucket.take(now)  # the bucket may go into debt by the waiters' tokens
        if bucket.tokens < 0:
            await self._sleep(max(-bucket.tokens / bucket.rate, blocked))
        elif blocked > 0:
            await self._sleep(blocked)
        if burst <= 1:
            await self._spaced(lane, rate)

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


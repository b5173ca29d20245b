"""Outbound pacing for Telegram: about 1 message a second per chat (a short
burst allowed) and about 30 a second for the whole bot, plus any pause the
Bot API demanded with a 429 ``retry_after``.

Token buckets with reservations: ``acquire`` takes a token from the chat's
bucket and the global one and sleeps until both would have had it. When the
wait would be long, it raises ``SendDeferred`` instead, so the dispatcher
puts the message back until then (not counted as an attempt) rather than
holding a send slot.
The limits are per process; a deployment with several senders shares the
bot's limits between them (Telegram's are soft).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from garagebot.core.ports import SendDeferred


class TokenBucket:
    """``rate`` tokens a second, at most ``capacity`` saved up; may go into debt."""

    def __init__(self, rate: float, capacity: float, now: float) -> None:
        self.rate = rate
        self.capacity = capacity
        self.tokens = capacity
        self.stamp = now

    def level(self, now: float) -> float:
        return min(self.capacity, self.tokens + (now - self.stamp) * self.rate)

    def reserve(self, now: float) -> float:
        """Take a token; the seconds until it is really there (0 when it already was)."""
        self.tokens = self.level(now) - 1
        self.stamp = now
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate


class RateLimiter:
    """Per-chat and global pacing (see the module docstring). ``clock`` and
    ``sleep`` are injectable so tests run without waiting."""

    def __init__(
        self,
        *,
        per_chat_rate: float = 1.0,
        per_chat_burst: float = 3.0,
        global_rate: float = 30.0,
        max_wait: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._per_chat = (per_chat_rate, per_chat_burst)
        self._clock = clock
        self._sleep = sleep
        self._max_wait = max_wait
        self._global = TokenBucket(global_rate, global_rate, clock())
        self._chats: dict[str, TokenBucket] = {}
        self._blocked_until: dict[str, float] = {}

    async def acquire(self, chat: str) -> None:
        """Wait for the chat's turn, or raise TransientSendError when it is far off."""
        now = self._clock()
        blocked = max(self._blocked_until.get(chat, 0.0), self._blocked_until.get("*", 0.0))
        if blocked - now > self._max_wait:
            raise SendDeferred("telegram asked to wait", retry_after_seconds=blocked - now)
        bucket = self._chat_bucket(chat, now)
        wait = max(bucket.reserve(now), self._global.reserve(now), blocked - now)
        if wait > self._max_wait:
            bucket.tokens += 1  # give the tokens back: this message is not sent now
            self._global.tokens += 1
            raise SendDeferred("outbound rate limit", retry_after_seconds=wait)
        if wait > 0:
            await self._sleep(wait)

    def block(self, chat: str | None, seconds: float) -> None:
        """Send nothing to ``chat`` (None: to anyone) for ``seconds`` (a 429's retry_after)."""
        key = chat or "*"
        self._blocked_until[key] = max(self._blocked_until.get(key, 0.0), self._clock() + seconds)

    def _chat_bucket(self, chat: str, now: float) -> TokenBucket:
        bucket = self._chats.get(chat)
        if bucket is None:
            if len(self._chats) > 10_000:  # forget chats whose buckets are full again
                burst = self._per_chat[1]
                self._chats = {k: b for k, b in self._chats.items() if b.level(now) < burst}
            bucket = self._chats[chat] = TokenBucket(*self._per_chat, now)
        return bucket

"""Outbound pacing for Telegram: about 1 message a second per chat (a short
burst allowed) and about 30 a second for the whole bot, plus any pause the
Bot API demanded with a 429 ``retry_after``.

The core's ``Pacer`` (``core.dispatch.pacing``, the one rate-limit mechanism
of every sender) with two lanes per send: the chat's and the bot's. Each send
takes a token of both and sleeps until both would have had it; when the wait
would be long it raises ``SendDeferred`` instead (taking nothing), so the
dispatcher puts the message back until then rather than holding a send slot.
The limits are per process; a deployment with several senders shares the
bot's limits between them (Telegram's are soft).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from garagebot.core.dispatch.pacing import Limit, Pacer

BOT_LANE = "telegram:bot"


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
        self._global = Limit(BOT_LANE, global_rate, global_rate)
        # Tokens are reserved ahead (concurrent sends to one chat sleep in turn), not spaced by the clock.
        self._pacer = Pacer(max_wait=max_wait, clock=clock, sleep=sleep, spaced=False)

    async def acquire(self, chat: str) -> None:
        """Wait for the chat's turn, or raise SendDeferred (a TransientSendError) when it is far off."""
        rate, burst = self._per_chat
        await self._pacer.acquire_all((Limit(f"telegram:{chat}", rate, burst), self._global))

    def block(self, chat: str | None, seconds: float) -> None:
        """Send nothing to ``chat`` (None: to anyone) for ``seconds`` (a 429's retry_after)."""
        self._pacer.block(f"telegram:{chat}" if chat is not None else BOT_LANE, seconds)

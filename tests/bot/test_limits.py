"""Outbound pacing: per chat about 1/s after a short burst, about 30/s for the bot."""

from __future__ import annotations

import asyncio

import pytest

from garagebot.bot.limits import RateLimiter
from garagebot.core.ports import TransientSendError
from tests.bot.test_sender import NoWait


def limiter(time: NoWait, **kwargs: float) -> RateLimiter:
    return RateLimiter(clock=time.clock, sleep=time.sleep, **kwargs)


async def test_the_whole_bot_sends_about_thirty_a_second() -> None:
    time = NoWait()
    limits = limiter(time)

    for chat in range(90):
        await limits.acquire(str(chat))

    assert time.now == pytest.approx(2.0, abs=0.05)  # 30 at once, then 60 more at 30/s


async def test_a_wait_too_long_is_left_to_the_dispatcher() -> None:
    time = NoWait(advance=False)  # five sends reserved at one instant, as concurrent senders do
    limits = limiter(time, max_wait=2.0)
    for _ in range(5):
        await limits.acquire("7")
    assert time.slept == [pytest.approx(1.0), pytest.approx(2.0)]

    with pytest.raises(TransientSendError) as later:
        await limits.acquire("7")

    assert later.value.retry_after_seconds == pytest.approx(3.0)
    await limits.acquire("8")  # other chats are not held up


async def test_a_global_pause_holds_every_chat() -> None:
    time = NoWait()
    limits = limiter(time, max_wait=5.0)
    limits.block(None, 20)

    with pytest.raises(TransientSendError):
        await limits.acquire("1")
    time.now += 16
    await limits.acquire("1")
    assert time.now == pytest.approx(20.0)


async def test_concurrent_senders_to_one_chat_are_spaced() -> None:
    time = NoWait(advance=False)
    limits = limiter(time, per_chat_burst=1.0)

    await asyncio.gather(*(limits.acquire("9") for _ in range(3)))

    assert sorted(time.slept) == [pytest.approx(1.0), pytest.approx(2.0)]

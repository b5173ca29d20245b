"""The Pacer on virtual time: sends on a lane are spaced at its rate, a wait
beyond ``max_wait`` (bulk: ``bulk_wait``) is put back instead, a provider's
block holds the lane."""

from __future__ import annotations

import asyncio

import pytest

from garagebot.core.dispatch import Pacer
from garagebot.core.ports import SendDeferred


class VirtualTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds


def pacer(time: VirtualTime, max_wait: float = 1.0) -> Pacer:
    return Pacer(max_wait=max_wait, clock=time.clock, sleep=time.sleep)


async def test_sends_on_a_lane_are_spaced_at_its_rate_and_lanes_are_independent() -> None:
    time = VirtualTime()
    p = pacer(time, max_wait=10)
    sent: list[tuple[str, float]] = []
    for lane in ("twilio:+1", "twilio:+1", "twilio:+2", "twilio:+1"):
        await p.acquire(lane, rate=10)
        sent.append((lane, round(time.now - 100, 6)))
    assert sent == [("twilio:+1", 0.0), ("twilio:+1", 0.1), ("twilio:+2", 0.1), ("twilio:+1", 0.2)]


async def test_a_burst_lane_sends_its_burst_at_once_then_at_the_rate() -> None:
    time = VirtualTime()
    p = pacer(time)
    for _ in range(80):
        await p.acquire("meta:1", rate=80, burst=80)
    assert time.slept == []
    await p.acquire("meta:1", rate=80, burst=80)
    assert time.slept == [pytest.approx(1 / 80)]


async def test_a_wait_beyond_the_limit_is_deferred_and_takes_no_token() -> None:
    time = VirtualTime()
    p = pacer(time, max_wait=0.5)
    await p.acquire("twilio:+1", rate=1)
    with pytest.raises(SendDeferred) as deferred:
        await p.acquire("twilio:+1", rate=1)  # would wait 1 s
    assert deferred.value.retry_after_seconds == pytest.approx(1.0)
    time.now += 1.0
    await p.acquire("twilio:+1", rate=1)  # the deferred call took no token: no wait now
    assert time.slept == []


async def test_bulk_waits_less_than_a_reply_so_it_never_queues_far_ahead() -> None:
    time = VirtualTime()
    p = Pacer(max_wait=1.0, bulk_wait=0.25, clock=time.clock, sleep=time.sleep)
    await p.acquire("twilio:+1", rate=2, priority=1)
    with pytest.raises(SendDeferred):
        await p.acquire("twilio:+1", rate=2, priority=1)  # 0.5 s > bulk_wait
    await p.acquire("twilio:+1", rate=2, priority=0)  # a reply waits its 0.5 s
    assert time.slept == [0.5]


async def test_a_blocked_lane_defers_until_the_block_ends() -> None:
    time = VirtualTime()
    p = pacer(time)
    p.block("meta:1", 5.0)
    with pytest.raises(SendDeferred) as deferred:
        await p.acquire("meta:1", rate=80, burst=80)
    assert deferred.value.retry_after_seconds == pytest.approx(5.0)
    await p.acquire("meta:2", rate=80, burst=80)  # another lane is not blocked


async def test_a_turn_holds_its_lane_until_the_call_is_answered_and_replies_go_first() -> None:
    time = VirtualTime()
    p = pacer(time, max_wait=10)
    order: list[str] = []
    answer = asyncio.Event()

    async def call(name: str, priority: int, wait_for_answer: bool = False) -> None:
        async with p.turn("twilio:+1", rate=10, priority=priority):
            order.append(f"{name}@{round(time.now - 100, 6)}")
            if wait_for_answer:
                await answer.wait()

    first = asyncio.create_task(call("bulk-1", 1, wait_for_answer=True))
    await asyncio.sleep(0)
    queued = [asyncio.create_task(call("bulk-2", 1)), asyncio.create_task(call("bulk-3", 1))]
    await asyncio.sleep(0)
    reply = asyncio.create_task(call("reply", 0))
    for _ in range(5):
        await asyncio.sleep(0)
    assert order == ["bulk-1@0.0"]  # the others wait for its answer, however long it takes
    time.now += 0.5
    answer.set()
    await asyncio.gather(first, reply, *queued)

    assert order == ["bulk-1@0.0", "reply@0.5", "bulk-2@0.6", "bulk-3@0.7"]


async def test_a_turn_too_far_off_is_put_back_and_bulk_waits_less() -> None:
    time = VirtualTime()
    p = Pacer(max_wait=1.0, bulk_wait=0.25, clock=time.clock, sleep=time.sleep)
    held = asyncio.Event()
    release = asyncio.Event()

    async def holder() -> None:
        async with p.turn("twilio:+1", rate=2):
            held.set()
            await release.wait()

    task = asyncio.create_task(holder())
    await held.wait()
    with pytest.raises(SendDeferred) as deferred:
        async with p.turn("twilio:+1", rate=2, priority=1):  # 0.5 s behind the holder > bulk_wait
            pass
    assert deferred.value.retry_after_seconds == pytest.approx(0.5)
    release.set()
    await task
    async with p.turn("twilio:+1", rate=2, priority=0):  # a reply takes its turn
        pass
    assert time.slept == [0.5]

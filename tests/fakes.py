"""Fakes at the ports (never mocks of our own database)."""

from __future__ import annotations

import datetime as dt

from garagebot.core.dispatch import Pacer


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, start: dt.datetime) -> None:
        self._now = start

    def now(self) -> dt.datetime:
        return self._now

    def advance(self, **delta: float) -> dt.datetime:
        self._now += dt.timedelta(**delta)
        return self._now

    def set(self, when: dt.datetime) -> None:
        self._now = when


class MemoryFileStorage:
    """The FileStorage port in memory: key → (bytes, content type)."""

    def __init__(self) -> None:
        self.files: dict[str, tuple[bytes, str]] = {}

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        self.files[key] = (data, content_type)

    async def get(self, key: str) -> bytes:
        return self.files[key][0]


class _VirtualTime:
    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def virtual_pacer() -> Pacer:
    """A Pacer on virtual time that never defers: every wait passes at once
    (tests of a sender's other behaviour, without real-time pacing)."""
    time_ = _VirtualTime()
    return Pacer(max_wait=float("inf"), bulk_wait=float("inf"), clock=time_.clock, sleep=time_.sleep)

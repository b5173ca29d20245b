"""Fakes at the ports (never mocks of our own database)."""

from __future__ import annotations

import datetime as dt


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

"""What the client pages need: their settings and, at request time, the runtime's parts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

from garagebot.core.i18n import Translator
from garagebot.core.ports import FileStorage
from garagebot.core.uow import Database


@dataclass(frozen=True, slots=True)
class RateLimit:
    """A token bucket: ``burst`` requests at once, refilled at ``per_minute``."""

    burst: int
    per_minute: float


@dataclass(frozen=True, slots=True)
class PagesConfig:
    """The pages' settings. The rate limits are kept in this process's memory
    (one bucket per link and one per client IP); with several web processes
    each enforces its own share, which is enough to stop guessing and floods."""

    secret: str
    approval_link_hours: int = 72
    media_link_hours: int = 24
    per_ip: RateLimit = RateLimit(burst=60, per_minute=30)
    per_link: RateLimit = RateLimit(burst=20, per_minute=6)


@dataclass(frozen=True, slots=True)
class PagesDeps:
    db: Database
    translator: Translator
    storage: FileStorage


DepsGetter = Callable[[web.Application], PagesDeps]

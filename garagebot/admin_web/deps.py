"""What the console needs: its settings, and at request time the runtime's
database and translator (given by the composition root)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from garagebot.conversations.types import Inbound
from garagebot.core.i18n import Translator
from garagebot.core.ports import FileStorage
from garagebot.core.uow import Database


@dataclass(frozen=True, slots=True)
class ConsoleConfig:
    """``base_url`` is where people reach this server (links sent on Telegram);
    cookies are ``Secure`` when it is https."""

    secret: str
    base_url: str
    bot_username: str | None = None
    simulator: bool = False

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")


@dataclass(frozen=True, slots=True)
class ConsoleDeps:
    db: Database
    translator: Translator
    storage: FileStorage
    # The staff chat engine, for the simulator (None: no simulator).
    staff_engine: Callable[[Inbound], Awaitable[object]] | None = None
    # The client chat engine for a garage (its id), for the simulator (None: no simulator).
    client_engine: Callable[[int, Inbound], Awaitable[object]] | None = None


DepsGetter = Callable[[web.Application], ConsoleDeps]
CONFIG = web.AppKey("console_config", ConsoleConfig)
DEPS_OF: web.AppKey[DepsGetter] = web.AppKey("console_deps_of")


def deps(request: web.Request) -> ConsoleDeps:
    return request.app[DEPS_OF](request.app)


def config(request: web.Request) -> ConsoleConfig:
    return request.app[CONFIG]

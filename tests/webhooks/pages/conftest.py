"""Fixtures of the client pages: the pages mounted on a bare aiohttp app with
the test's database (and its fake clock), an in-memory file store, and
helpers to read the forms the pages render."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from garagebot.core.i18n import Translator
from garagebot.core.uow import Database
from garagebot.webhooks.pages import PagesConfig, PagesDeps, RateLimit, setup_pages
from tests.fakes import MemoryFileStorage
from tests.webhooks.pages.scene import SECRET

Client = TestClient[web.Request, web.Application]
MakeClient = Callable[[web.Application], Awaitable[Client]]

# Generous limits, so that only the rate-limit tests meet them.
WIDE = RateLimit(burst=1000, per_minute=1000)


def pages_app(db: Database, storage: MemoryFileStorage, **config: object) -> web.Application:
    app = web.Application()
    values: dict[str, object] = {"secret": SECRET, "per_ip": WIDE, "per_link": WIDE, **config}
    deps = PagesDeps(db, Translator.load(), storage)
    setup_pages(app, PagesConfig(**values), lambda _app: deps)  # type: ignore[arg-type]
    return app


@pytest.fixture
def storage() -> MemoryFileStorage:
    return MemoryFileStorage()


@pytest.fixture
async def client(aiohttp_client: MakeClient, db: Database, storage: MemoryFileStorage) -> Client:
    return await aiohttp_client(pages_app(db, storage))


@dataclass(frozen=True)
class Form:
    fields: dict[str, str]  # the hidden fields
    lines: list[str]  # the names of the per-line choices, in page order


def form_of(html: str) -> Form:
    hidden = dict(re.findall(r'<input type="hidden" name="([a-z]+)" value="([^"]*)">', html))
    lines = list(dict.fromkeys(re.findall(r'name="(line-\d+)" value="APPROVED"', html)))
    return Form(hidden, lines)

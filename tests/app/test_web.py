"""The web app: liveness, readiness (database and Redis), and rooms mounting on it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web
from aiohttp.test_utils import TestClient

from garagebot.app.web import RUNTIME, SETTINGS, create_app, health_room
from tests.app.conftest import app_settings
from tests.conftest import START
from tests.fakes import FakeClock
from tests.infra import pg_url, require_redis

Client = TestClient[web.Request, web.Application]
MakeClient = Callable[[web.Application], Awaitable[Client]]


async def test_healthz_says_the_process_is_alive(
    aiohttp_client: MakeClient, db_url: str, tmp_path: Path
) -> None:
    client = await aiohttp_client(create_app(app_settings(db_url, tmp_path)))
    resp = await client.get("/healthz")
    assert resp.status == 200
    assert await resp.json() == {"status": "ok"}


# The apps whose readiness is checked run at the suite's clock: the shared
# databases hold other tests' messages, due at that time, not weeks ago.


async def test_readyz_is_ok_when_the_database_answers(
    aiohttp_client: MakeClient, db_url: str, tmp_path: Path
) -> None:
    client = await aiohttp_client(create_app(app_settings(db_url, tmp_path), clock=FakeClock(START)))
    resp = await client.get("/readyz")
    assert resp.status == 200
    assert await resp.json() == {"status": "ok", "checks": {"database": "ok", "outbox": "ok"}}


async def test_readyz_is_503_naming_the_database_when_postgresql_is_unreachable(
    aiohttp_client: MakeClient, tmp_path: Path
) -> None:
    dead = pg_url("garagebot_nowhere").replace("127.0.0.1:5432", "127.0.0.1:1")
    client = await aiohttp_client(create_app(app_settings(dead, tmp_path)))
    resp = await client.get("/readyz")
    body = await resp.json()
    assert resp.status == 503
    assert (body["status"], body["failed"]) == ("unavailable", ["database"])
    assert body["checks"]["database"].startswith("error: ")


async def test_readyz_is_503_naming_the_database_when_the_sqlite_file_cannot_be_opened(
    aiohttp_client: MakeClient, tmp_path: Path
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/missing-dir/garagebot.db"
    client = await aiohttp_client(create_app(app_settings(url, tmp_path)))
    resp = await client.get("/readyz")
    assert resp.status == 503
    assert (await resp.json())["failed"] == ["database"]


async def test_readyz_pings_redis_when_it_is_configured(
    aiohttp_client: MakeClient, db_url: str, tmp_path: Path
) -> None:
    settings = app_settings(db_url, tmp_path, redis_url=require_redis())
    client = await aiohttp_client(create_app(settings, clock=FakeClock(START)))
    resp = await client.get("/readyz")
    assert resp.status == 200
    assert await resp.json() == {"status": "ok", "checks": {"database": "ok", "outbox": "ok", "redis": "ok"}}


async def test_readyz_is_503_naming_redis_when_it_is_unreachable(
    aiohttp_client: MakeClient, db_url: str, tmp_path: Path
) -> None:
    settings = app_settings(db_url, tmp_path, redis_url="redis://127.0.0.1:1/0")
    client = await aiohttp_client(create_app(settings, clock=FakeClock(START)))
    resp = await client.get("/readyz")
    body = await resp.json()
    assert resp.status == 503
    assert body["failed"] == ["redis"]
    assert body["checks"]["database"] == "ok"


async def test_nothing_is_built_before_start_and_rooms_reach_the_runtime_at_request_time(
    aiohttp_client: MakeClient, db_url: str, tmp_path: Path
) -> None:
    async def whoami(request: web.Request) -> web.Response:
        runtime = request.app[RUNTIME]
        return web.json_response({"dialect": runtime.db.dialect, "mode": (
            "in-process" if runtime.drainer is not None else "redis")})

    def test_room(app: web.Application) -> None:
        app.router.add_get("/whoami", whoami)

    app = create_app(app_settings(db_url, tmp_path), rooms=[health_room, test_room])
    assert RUNTIME not in app
    assert app[SETTINGS].database_url == db_url
    client = await aiohttp_client(app)
    resp = await client.get("/whoami")
    assert await resp.json() == {"dialect": db_url.split("+")[0], "mode": "in-process"}

"""Where the real PostgreSQL and Redis are, and how tests reach them.

On CI (``CI`` set) an unreachable server fails the run; on a laptop without
them, the tests that need them skip with a message saying how to enable them.
"""

from __future__ import annotations

import asyncio
import contextlib
import os

import pytest

PG_ADMIN_URL = os.environ.get("GARAGEBOT_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_TEST_DB = os.environ.get("GARAGEBOT_TEST_PG_DB", "garagebot_test")
REDIS_URL = os.environ.get("GARAGEBOT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
ON_CI = bool(os.environ.get("CI"))


def pg_url(database: str = PG_TEST_DB, driver: str = "postgresql+asyncpg") -> str:
    base = PG_ADMIN_URL.rsplit("/", 1)[0].split("://", 1)[1]
    return f"{driver}://{base}/{database}"


def unavailable(what: str, how: str) -> None:
    message = f"{what} is not reachable: {how}"
    if ON_CI:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


async def _recreate_pg_database(name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_URL, timeout=5)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


def recreate_pg_database(name: str) -> None:
    """Drop and create ``name``; skip (or fail on CI) when PostgreSQL is down."""
    try:
        asyncio.run(_recreate_pg_database(name))
    except (TimeoutError, OSError) as exc:
        unavailable(
            f"PostgreSQL at {PG_ADMIN_URL} ({exc})",
            "start it (pg_ctlcluster <version> main start) or point GARAGEBOT_TEST_PG_ADMIN at one",
        )


async def _drop_pg_database(name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_URL, timeout=5)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def drop_pg_database(name: str) -> None:
    """Drop a database a test run made (best effort: the server may be gone)."""
    with contextlib.suppress(TimeoutError, OSError):
        asyncio.run(_drop_pg_database(name))


def require_redis() -> str:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError as exc:
        unavailable(
            f"Redis at {REDIS_URL} ({exc})",
            "start redis-server or point GARAGEBOT_TEST_REDIS_URL at one",
        )
    return REDIS_URL

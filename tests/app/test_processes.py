"""The installed ``garagebot`` command as real processes: ``serve`` and ``demo``
answer /healthz, and ``worker`` drains the outbox from real Redis.

Each test waits on the process's own output (the line it prints once it is
listening, or the log line of a drain), never on a timer."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import select

import garagebot.core.models  # noqa: F401  (registers every table)
from garagebot.app.migrate import MIGRATIONS_DIR
from garagebot.core.actor import Actor
from garagebot.core.db import Base, make_engine
from garagebot.core.enums import Channel, OutboxStatus
from garagebot.core.models import OutboxRow
from garagebot.core.uow import Database
from tests.conftest import new_garage
from tests.infra import require_redis

GARAGEBOT = str(Path(sys.executable).parent / "garagebot")
STARTUP_SECONDS = 120


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def process_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GARAGEBOT_")}
    env.update({"GARAGEBOT_STATE_DIR": str(tmp_path / "state"),
                "GARAGEBOT_MEDIA_DIR": str(tmp_path / "media")})
    env.update({f"GARAGEBOT_{k.upper()}": v for k, v in settings.items()})
    return env


async def schema(url: str) -> None:
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    await engine.dispose()


@pytest.fixture
async def running() -> AsyncIterator[list[asyncio.subprocess.Process]]:
    """Processes started by a test; stopped with SIGTERM (then killed) afterwards."""
    procs: list[asyncio.subprocess.Process] = []
    yield procs
    for proc in procs:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), timeout=30)
            except TimeoutError:
                proc.kill()
                await proc.wait()


async def start(running: list[asyncio.subprocess.Process], env: dict[str, str],
                *argv: str) -> asyncio.subprocess.Process:
    proc = await asyncio.create_subprocess_exec(
        GARAGEBOT, *argv, env=env, cwd=env["GARAGEBOT_STATE_DIR"].rsplit("/", 1)[0],
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    running.append(proc)
    return proc


async def read_until(stream: asyncio.StreamReader | None, needle: str) -> list[str]:
    """Lines of ``stream`` up to the first one containing ``needle``."""
    assert stream is not None
    lines: list[str] = []

    async def scan() -> list[str]:
        while True:
            raw = await stream.readline()
            if not raw:
                raise AssertionError(f"stream ended before {needle!r}: {lines}")
            lines.append(raw.decode().rstrip("\n"))
            if needle in lines[-1]:
                return lines

    return await asyncio.wait_for(scan(), timeout=STARTUP_SECONDS)


async def get_json(url: str) -> tuple[int, object]:
    async with aiohttp.ClientSession() as http, http.get(url) as resp:
        return resp.status, await resp.json()


async def stop(proc: asyncio.subprocess.Process) -> int:
    proc.send_signal(signal.SIGTERM)
    return await asyncio.wait_for(proc.wait(), timeout=30)


async def test_serve_answers_healthz_and_readyz_and_stops_cleanly_on_sigterm(
    tmp_path: Path, running: list[asyncio.subprocess.Process]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/serve.db"
    await schema(url)
    port = free_port()
    proc = await start(running, process_env(tmp_path, database_url=url, port=str(port)), "serve")
    lines = await read_until(proc.stdout, "listening on")
    assert lines[-1].startswith(f"garagebot is listening on http://127.0.0.1:{port}")

    assert await get_json(f"http://127.0.0.1:{port}/healthz") == (200, {"status": "ok"})
    assert await get_json(f"http://127.0.0.1:{port}/readyz") == (
        200, {"status": "ok", "checks": {"database": "ok", "outbox": "ok"}})
    assert await stop(proc) == 0


async def test_demo_migrates_seeds_prints_the_identities_and_serves(
    tmp_path: Path, running: list[asyncio.subprocess.Process]
) -> None:
    if not list((MIGRATIONS_DIR / "versions").glob("*.py")):
        pytest.fail("no migration under migrations/versions (see tests/app/test_migrations.py)",
                    pytrace=False)
    port = free_port()
    env = process_env(tmp_path, database_url=f"sqlite+aiosqlite:///{tmp_path}/demo.db",
                      port=str(port))
    proc = await start(running, env, "demo")
    lines = await read_until(proc.stdout, "(press Ctrl+C to stop)")

    assert lines[0].startswith(f"garagebot is listening on http://127.0.0.1:{port}")
    assert any(line.startswith("Demo garage seeded:") for line in lines)
    assert sum("  1000000" in line for line in lines) >= 8  # one line per demo staff member
    assert await get_json(f"http://127.0.0.1:{port}/healthz") == (200, {"status": "ok"})
    assert await stop(proc) == 0


async def test_the_worker_drains_the_outbox_from_real_redis(
    tmp_path: Path, running: list[asyncio.subprocess.Process]
) -> None:
    redis_url = require_redis()
    url = f"sqlite+aiosqlite:///{tmp_path}/worker.db"
    await schema(url)
    db = Database(url)
    try:
        org = await new_garage(db)
        async with db.unit_of_work(Actor.system(org)) as uow:
            row = uow.send(Channel.SMS, "+962791234567", "en", "error.generic")
        env = process_env(tmp_path, database_url=url, redis_url=redis_url,
                          queue_name=f"garagebot-test:{uuid.uuid4().hex}", log_level="INFO")
        proc = await start(running, env, "worker")
        # The worker's start-up poll enqueues the drain job, which sends the row.
        await read_until(proc.stderr, "outbox drained")
        async with db.read() as s:
            stored = (await s.scalars(select(OutboxRow).where(OutboxRow.id == row.id))).one()
        assert (stored.status, stored.provider_message_id) == (OutboxStatus.SENT, f"dryrun-{row.id}")
        assert stored.rendered_text == "Something went wrong. Please try again."
        assert await stop(proc) == 0
    finally:
        await db.dispose()

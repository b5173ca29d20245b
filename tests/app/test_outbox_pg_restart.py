"""Fault test: PostgreSQL restarted under load. A PRIVATE PostgreSQL server
(initdb + pg_ctl from /usr/lib/postgresql/*/bin, in a temporary directory, on a
free port, run as the ``postgres`` OS user when the tests run as root; the
shared server is never touched). ``garagebot worker`` sends a burst through
the fake Telegram provider; the server is restarted mid-burst; rows queued
before and after the restart are each sent exactly once."""

from __future__ import annotations

import asyncio
import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from bench.fake_providers import FakeProviders
from garagebot.core.uow import Database
from tests.app.test_outbox_faults import fake, queue_burst, stored_as_sent, worker_env
from tests.app.test_processes import free_port, running, schema, start
from tests.infra import require_redis

__all__ = ["fake", "running"]  # the fixtures

BURST = 40


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


class PrivatePostgres:
    """initdb/pg_ctl on a temporary directory (as ``postgres`` when we are root)."""

    def __init__(self, bindir: Path, port: int) -> None:
        self.bindir, self.port = bindir, port
        self.dir = Path(tempfile.mkdtemp(prefix="gb-outbox-pg-"))
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            shutil.chown(self.dir, "postgres", "postgres")
        self.data = self.dir / "data"

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run([*self.as_user, str(self.bindir / tool), *args], check=True,  # noqa: S603
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c max_connections=100")
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.dir / "log"), "-w", "start")

    def restart(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "restart")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"


@pytest.fixture
def private_pg() -> Iterator[PrivatePostgres]:
    bindir = _pg_bin()
    if bindir is None or (os.geteuid() == 0 and shutil.which("runuser") is None):
        pytest.skip("no PostgreSQL server binaries (or no runuser to run them as root)")
    pg = PrivatePostgres(bindir, free_port())
    pg.init()
    pg.start()
    try:
        yield pg
    finally:
        try:
            pg.stop()
        finally:
            shutil.rmtree(pg.dir, ignore_errors=True)


async def create_database(pg: PrivatePostgres, name: str) -> str:
    conn = await asyncpg.connect(host="127.0.0.1", port=pg.port, user="postgres", database="postgres")
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return pg.url(name)


async def test_postgresql_restarted_under_load_every_row_is_sent_exactly_once(
    tmp_path: Path, running: list[asyncio.subprocess.Process], fake: tuple[FakeProviders, str],
    private_pg: PrivatePostgres,
) -> None:
    providers, api_url = fake
    url = await create_database(private_pg, "outbox_faults")
    await schema(url)
    db = Database(url)
    try:
        before = await queue_burst(db, range(9001, 9001 + BURST))
        env = worker_env(tmp_path, url, require_redis(), api_url)
        env["GARAGEBOT_OUTBOX_LEASE_SECONDS"] = "30"  # longer than the restart
        await start(running, env, "worker")
        await asyncio.wait_for(providers.wait_for(lambda: len(providers.calls) >= BURST // 4), 120)
        await asyncio.to_thread(private_pg.restart)  # mid-burst: sends in flight, claims failing
        await db.dispose()  # the test's own pooled connections died with the server
        after = await queue_burst(db, range(9001 + BURST, 9001 + 2 * BURST))

        every = before | after
        await asyncio.wait_for(providers.wait_for(lambda: set(providers.done) >= set(every)), 120)
        assert await stored_as_sent(db, every)
        assert providers.sent_to() == dict.fromkeys(every, 1)  # exactly once each
        assert all(p.returncode is None for p in running)  # the worker rode the restart out
    finally:
        await db.dispose()

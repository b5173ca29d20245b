"""Fault tests of the outbox with real processes: ``garagebot worker`` killed
with SIGKILL mid-burst and restarted, Redis stopped and started again (a
private redis-server on a free port; the shared one is never touched). The
provider is the local fake of bench/fake_providers (Telegram), which records
when every call started and finished.

Waits are on the fake's calls and the processes' output, bounded by timeouts."""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bench.fake_providers import FakeProviders, serve
from garagebot.app.queue import RedisNotifier, connect_redis
from garagebot.core.actor import Actor
from garagebot.core.enums import Channel, OutboxStatus
from garagebot.core.ids import OrgId
from garagebot.core.models import OutboxRow
from garagebot.core.uow import Database
from tests.app.test_processes import free_port, process_env, read_until, running, schema, start
from tests.conftest import new_garage
from tests.infra import require_redis

__all__ = ["running"]  # the fixture, shared with test_processes

BURST = 60
RESUME_SECONDS = 10.0


@pytest.fixture
async def fake() -> AsyncIterator[tuple[FakeProviders, str]]:
    # Each call takes 0.3 s at the provider, so some are in flight at any moment.
    providers = FakeProviders(latency=0.3)
    runner, url = await serve(providers)
    yield providers, url
    await runner.cleanup()


async def queue_burst(db: Database, chats: range, org: OrgId | None = None) -> dict[str, int]:
    """One Telegram message to each chat; chat → outbox row id."""
    org = org or await new_garage(db)
    ids: dict[str, int] = {}
    async with db.unit_of_work(Actor.system(org)) as uow:
        for chat in chats:
            row = uow.send(Channel.TELEGRAM, str(chat), "en", "error.generic")
            await uow.session.flush()
            ids[str(chat)] = row.id
    return ids


async def statuses(db: Database, ids: dict[str, int]) -> dict[str, str]:
    async with db.read() as s:
        rows = (await s.execute(select(OutboxRow.id, OutboxRow.status)
                                .where(OutboxRow.id.in_(ids.values())))).all()
    by_id = {row_id: status for row_id, status in rows}
    return {chat: by_id[row_id] for chat, row_id in ids.items()}


async def stored_as_sent(db: Database, ids: dict[str, int]) -> bool:
    """Whether every row is stored as sent, waiting (up to 30 s) for the worker
    to store the answers the provider has already given."""
    for _ in range(300):
        if set((await statuses(db, ids)).values()) == {OutboxStatus.SENT}:
            return True
        await asyncio.sleep(0.1)  # the worker's commit, in another process: nothing to wait on
    return False


def worker_env(tmp_path: Path, db_url: str, redis_url: str, api_url: str) -> dict[str, str]:
    return process_env(
        tmp_path, database_url=db_url, redis_url=redis_url, log_level="INFO",
        queue_name=f"garagebot-faults:{tmp_path.name}", telegram_token="123456:fault-test",  # noqa: S106 (the fake's)
        telegram_webhook_secret="fault-test-secret", telegram_api_url=api_url,  # noqa: S106
        outbox_poll_seconds="0.5", outbox_lease_seconds="3")


async def test_a_worker_killed_mid_burst_and_restarted_resumes_within_seconds(
    tmp_path: Path, running: list[asyncio.subprocess.Process], fake: tuple[FakeProviders, str],
) -> None:
    providers, api_url = fake
    url = f"sqlite+aiosqlite:///{tmp_path}/faults.db"
    await schema(url)
    db = Database(url)
    try:
        ids = await queue_burst(db, range(7001, 7001 + BURST))
        env = worker_env(tmp_path, url, require_redis(), api_url)
        first = await start(running, env, "worker")
        await asyncio.wait_for(providers.wait_for(lambda: len(providers.calls) >= BURST // 3), 120)
        first.kill()  # SIGKILL: no clean-up of any kind
        await first.wait()
        killed_at = time.monotonic()
        started_before = {c.recipient for c in providers.calls}
        stored_sent = {chat for chat, s in (await statuses(db, ids)).items() if s == OutboxStatus.SENT}
        assert len(stored_sent) < BURST  # the kill was mid-burst

        second = await start(running, env, "worker")
        restarted_at = time.monotonic()
        await read_until(second.stderr, "outbox worker")  # its runtime is up: started sending
        ready_at = time.monotonic()
        await asyncio.wait_for(providers.wait_for(
            lambda: any(c.started > killed_at for c in providers.calls)), 120)
        first_send = min(c.started for c in providers.calls if c.started > killed_at)
        print(f"restart to first send: {first_send - restarted_at:.2f} s "  # shown with -s
              f"(process start-up {ready_at - restarted_at:.2f} s)")
        assert first_send - restarted_at < RESUME_SECONDS

        await asyncio.wait_for(providers.wait_for(
            lambda: set(providers.done) >= set(ids)), 120)
        assert await stored_as_sent(db, ids)  # nothing lost
        counts = providers.sent_to()
        twice = {chat for chat, n in counts.items() if n > 1}
        # Sent twice only where the provider call was in flight at the kill (started,
        # but its outcome not stored), never a row already stored as sent.
        assert twice <= started_before - stored_sent
        assert all(n <= 2 for n in counts.values())
        assert providers.violations == []
    finally:
        await db.dispose()


async def start_redis(running: list[asyncio.subprocess.Process], port: int) -> None:
    """A private redis-server (no persistence) on ``port``, ready when it says so."""
    proc = await asyncio.create_subprocess_exec(
        "redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    running.append(proc)
    await read_until(proc.stdout, "Ready to accept connections")


async def stop_redis(running: list[asyncio.subprocess.Process]) -> None:
    proc = running.pop()
    proc.terminate()
    await asyncio.wait_for(proc.wait(), timeout=30)


async def test_redis_down_then_up_sending_goes_on_and_nothing_is_lost(
    tmp_path: Path, running: list[asyncio.subprocess.Process], fake: tuple[FakeProviders, str],
) -> None:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    providers, api_url = fake
    url = f"sqlite+aiosqlite:///{tmp_path}/redis-faults.db"
    await schema(url)
    port = free_port()
    redis_url = f"redis://127.0.0.1:{port}/0"
    redis_procs: list[asyncio.subprocess.Process] = []
    await start_redis(redis_procs, port)
    queue = f"garagebot-faults:{tmp_path.name}"
    db = Database(url, notifier=RedisNotifier(connect_redis(redis_url, queue), queue))
    try:
        org = await new_garage(db)
        await start(running, worker_env(tmp_path, url, redis_url, api_url), "worker")
        ids = await queue_burst(db, range(8001, 8011), org)
        await asyncio.wait_for(providers.wait_for(lambda: set(providers.done) >= set(ids)), 120)

        await stop_redis(redis_procs)  # the web side's wake-ups fail; the worker polls on
        during = await queue_burst(db, range(8011, 8021), org)
        await asyncio.wait_for(providers.wait_for(lambda: set(providers.done) >= set(during)), 120)

        await start_redis(redis_procs, port)
        after = await queue_burst(db, range(8021, 8031), org)
        await asyncio.wait_for(providers.wait_for(lambda: set(providers.done) >= set(after)), 120)

        every = ids | during | after
        assert await stored_as_sent(db, every)
        assert providers.sent_to() == dict.fromkeys(every, 1)  # each exactly once
        assert all(p.returncode is None for p in running)  # the worker rode the outage out
    finally:
        await db.dispose()
        for proc in redis_procs:
            proc.terminate()
            await proc.wait()

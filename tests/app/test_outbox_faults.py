"""Fault tests of the outbox with real processes: ``garagebot worker`` killed
with SIGKILL mid-burst and restarted, Redis stopped and started again (a
private redis-server). The provider is the local fake of bench/fake_providers
(Telegram), which records when every call started and finished.

Waits are on the fake's calls and the processes' output, bounded by timeouts."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bench.fake_providers import FakeProviders, serve
from garagebot.core.actor import Actor
from garagebot.core.enums import Channel, OutboxStatus
from garagebot.core.models import OutboxRow
from garagebot.core.uow import Database
from tests.app.test_processes import process_env, read_until, running, schema, start
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


async def queue_burst(db: Database, chats: range) -> dict[str, int]:
    """One Telegram message to each chat (a client-facing reply, as a staff turn
    would queue); chat → outbox row id."""
    org = await new_garage(db)
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


def worker_env(tmp_path: Path, db_url: str, redis_url: str, api_url: str) -> dict[str, str]:
    return process_env(
        tmp_path, database_url=db_url, redis_url=redis_url, log_level="INFO",
        queue_name=f"garagebot-faults:{tmp_path.name}", telegram_token="123456:fault-test",
        telegram_webhook_secret="fault-test-secret", telegram_api_url=api_url,
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
        await asyncio.wait_for(providers.wait_for(
            lambda: any(c.started > killed_at for c in providers.calls)), 120)
        first_send = min(c.started for c in providers.calls if c.started > killed_at)
        print(f"restart to first send: {first_send - restarted_at:.2f} s")  # shown with -s
        assert first_send - restarted_at < RESUME_SECONDS

        await asyncio.wait_for(providers.wait_for(
            lambda: set(providers.sent_to()) >= set(ids)), 120)
        await read_until(second.stderr, "outbox drained")
        assert set((await statuses(db, ids)).values()) == {OutboxStatus.SENT}  # nothing lost
        counts = providers.sent_to()
        twice = {chat for chat, n in counts.items() if n > 1}
        # Sent twice only where the provider call was in flight at the kill (started,
        # but its outcome not stored), never a row already stored as sent.
        assert twice <= started_before - stored_sent
        assert all(n <= 2 for n in counts.values())
        assert providers.violations == []
    finally:
        await db.dispose()

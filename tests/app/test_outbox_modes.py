"""The outbox end to end in both run modes: embedded (in-process task) and Redis
(arq job run by a real arq worker), each with the dry-run transport."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from arq.connections import ArqRedis
from sqlalchemy import select

from garagebot.app.bootstrap import Runtime, open_runtime
from garagebot.app.queue import InProcessDrainer, connect_redis, dirty_key, drain_job_id
from garagebot.app.settings import Settings
from garagebot.app.worker import build_worker
from garagebot.core.actor import Actor
from garagebot.core.enums import Channel, OutboxStatus
from garagebot.core.i18n import FSI, PDI
from garagebot.core.ids import OrgId
from garagebot.core.models import OutboxRow
from garagebot.core.staff import create_user
from tests.app.conftest import app_settings
from tests.conftest import new_garage
from tests.infra import require_redis

PHONE = "+962791234567"

# arq 0.28 closes its pool with redis-py's deprecated close(); nothing of ours.
pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated close:DeprecationWarning")


async def queue_greeting(rt: Runtime, org: OrgId) -> int:
    """A service call that queues a client message (the staff creation is the service;
    the message rides in the same unit of work)."""
    async with rt.db.unit_of_work(Actor.system(org, Channel.CLI)) as uow:
        await create_user(uow, name="Rami", role="technician")
        row = uow.send(Channel.WHATSAPP, PHONE, "ar", "error.invalid_phone", {"value": "079-XYZ"})
        await uow.session.flush()
        return row.id


async def load(rt: Runtime, row_id: int) -> OutboxRow:
    async with rt.db.read() as s:
        row = await s.get(OutboxRow, row_id)
        assert row is not None
        return row


def assert_dry_run_sent(rt: Runtime, row: OutboxRow) -> None:
    assert row.status == OutboxStatus.SENT
    assert row.provider_message_id == f"dryrun-{row.id}"
    assert row.rendered_text == rt.translator.render("ar", "error.invalid_phone", {"value": "079-XYZ"})
    assert f"{FSI}079-XYZ{PDI}" in (row.rendered_text or "")
    assert row.sent_at is not None


async def test_in_process_mode_sends_a_committed_message_through_the_dry_run(
    db_url: str, tmp_path: Path
) -> None:
    # A poll of an hour: only the commit's notification can wake the drainer in time.
    settings = app_settings(db_url, tmp_path, outbox_poll_seconds=3600)
    async with open_runtime(settings) as rt:
        drainer = rt.drainer
        assert isinstance(drainer, InProcessDrainer)
        assert rt.redis is None
        org = await new_garage(rt.db)
        row_id = await queue_greeting(rt, org)
        for _ in range(3):  # the round running at the commit may have missed the row
            await asyncio.wait_for(drainer.next_round(), timeout=30)
            if (await load(rt, row_id)).status != OutboxStatus.PENDING:
                break
        assert_dry_run_sent(rt, await load(rt, row_id))


@pytest.fixture
async def redis_settings(db_url: str, tmp_path: Path) -> AsyncIterator[Settings]:
    """Settings on the real Redis with a queue of this test's own."""
    settings = app_settings(
        db_url, tmp_path, redis_url=require_redis(), queue_name=f"garagebot-test:{uuid.uuid4().hex}"
    )
    yield settings
    redis = connect_redis(settings.redis_url or "", settings.queue_name)
    keys = [k async for k in redis.scan_iter(match=f"*{settings.queue_name}*")]
    if keys:
        await redis.delete(*keys)
    await redis.aclose()


async def queued_jobs(redis: ArqRedis, settings: Settings) -> list[bytes]:
    return list(await redis.zrange(settings.queue_name, 0, -1))


async def test_redis_mode_commits_enqueue_one_coalesced_job_and_a_real_arq_worker_sends(
    redis_settings: Settings,
) -> None:
    async with open_runtime(redis_settings) as rt:
        assert rt.drainer is None
        assert rt.redis is not None
        org = await new_garage(rt.db)
        row_ids = [await queue_greeting(rt, org) for _ in range(5)]

        job_id = drain_job_id(redis_settings.queue_name)
        assert await queued_jobs(rt.redis, redis_settings) == [job_id.encode()]
        assert await rt.redis.exists(dirty_key(redis_settings.queue_name))
        assert [(await load(rt, i)).status for i in row_ids] == [OutboxStatus.PENDING] * 5

        worker = build_worker(redis_settings, burst=True, handle_signals=False)
        try:
            await asyncio.wait_for(worker.async_run(), timeout=60)
        finally:
            await worker.close()

        assert (worker.jobs_complete, worker.jobs_failed) == (1, 0)
        for row_id in row_ids:
            assert_dry_run_sent(rt, await load(rt, row_id))
        assert await queued_jobs(rt.redis, redis_settings) == []
        assert not await rt.redis.exists(dirty_key(redis_settings.queue_name))


async def test_redis_mode_a_commit_after_the_worker_finished_enqueues_a_new_job(
    redis_settings: Settings,
) -> None:
    async with open_runtime(redis_settings) as rt:
        assert rt.redis is not None
        org = await new_garage(rt.db)
        first = await queue_greeting(rt, org)
        worker = build_worker(redis_settings, burst=True, handle_signals=False)
        try:
            await asyncio.wait_for(worker.async_run(), timeout=60)
        finally:
            await worker.close()
        assert_dry_run_sent(rt, await load(rt, first))

        # keep_result=0: no result key stays behind to swallow the next enqueue.
        second = await queue_greeting(rt, org)
        assert await queued_jobs(rt.redis, redis_settings) == [
            drain_job_id(redis_settings.queue_name).encode()
        ]
        worker = build_worker(redis_settings, burst=True, handle_signals=False)
        try:
            await asyncio.wait_for(worker.async_run(), timeout=60)
        finally:
            await worker.close()
        assert_dry_run_sent(rt, await load(rt, second))
        async with rt.db.read() as s:
            mine = (await s.scalars(select(OutboxRow.status).where(
                OutboxRow.organization_id == org, OutboxRow.kind == "message"))).all()
        assert mine == [OutboxStatus.SENT, OutboxStatus.SENT]


async def test_redis_mode_a_commit_survives_redis_being_down(db_url: str, tmp_path: Path) -> None:
    settings = app_settings(db_url, tmp_path, redis_url="redis://127.0.0.1:1/0")
    async with open_runtime(settings) as rt:
        org = await new_garage(rt.db)
        row_id = await queue_greeting(rt, org)  # the notifier's failure is logged, not raised
        assert (await load(rt, row_id)).status == OutboxStatus.PENDING

"""The outbox end to end in both run modes: embedded (in-process task) and Redis
(the worker's drain loop, woken through real Redis), each with the dry-run transport."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import cast

import pytest
from sqlalchemy import select

from garagebot.app.bootstrap import Runtime, open_runtime
from garagebot.app.queue import InProcessDrainer, connect_redis, wake_key
from garagebot.app.settings import Settings
from garagebot.app.worker import run_worker
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


async def wake_list(rt: Runtime, key: str) -> list[bytes]:
    assert rt.redis is not None
    return list(await cast(Awaitable[list[bytes]], rt.redis.lrange(key, 0, -1)))


@asynccontextmanager
async def worker_running(settings: Settings) -> AsyncIterator[asyncio.Task[None]]:
    """``garagebot worker``'s loop in this process, stopped (as by SIGTERM) afterwards."""
    stop = asyncio.Event()
    worker = asyncio.create_task(run_worker(settings, stop=stop))
    try:
        yield worker
    finally:
        stop.set()
        await asyncio.wait_for(worker, timeout=30)


async def wait_sent(rt: Runtime, worker: asyncio.Task[None], row_ids: list[int]) -> None:
    """Until every row is sent, watching the worker (its end fails the test)."""
    for _ in range(600):
        if {(await load(rt, i)).status for i in row_ids} == {OutboxStatus.SENT}:
            return
        await asyncio.wait([worker], timeout=0.1)
        assert not worker.done(), worker
    raise AssertionError(f"rows {row_ids} not sent within a minute")


async def test_redis_mode_commits_push_one_wake_up_and_the_worker_sends(
    redis_settings: Settings,
) -> None:
    async with open_runtime(redis_settings) as rt:
        assert rt.drainer is None
        assert rt.redis is not None
        org = await new_garage(rt.db)
        row_ids = [await queue_greeting(rt, org) for _ in range(5)]

        key = wake_key(redis_settings.queue_name)
        assert await wake_list(rt, key) == [b"1"]  # a burst of commits: one wake-up
        assert [(await load(rt, i)).status for i in row_ids] == [OutboxStatus.PENDING] * 5

        async with worker_running(redis_settings) as worker:
            await wait_sent(rt, worker, row_ids)
        for row_id in row_ids:
            assert_dry_run_sent(rt, await load(rt, row_id))
        assert await wake_list(rt, key) == []


async def test_redis_mode_a_commit_while_the_worker_runs_is_sent_without_a_poll(
    db_url: str, tmp_path: Path,
) -> None:
    # A poll of an hour: only the commit's wake-up through Redis can start the round.
    settings = app_settings(db_url, tmp_path, redis_url=require_redis(), outbox_poll_seconds=3600,
                            queue_name=f"garagebot-test:{uuid.uuid4().hex}")
    async with open_runtime(settings) as rt:
        org = await new_garage(rt.db)
        first = await queue_greeting(rt, org)
        async with worker_running(settings) as worker:
            await wait_sent(rt, worker, [first])  # sent by the start-up round
            second = await queue_greeting(rt, org)
            await wait_sent(rt, worker, [second])
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

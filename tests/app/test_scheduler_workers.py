"""The scheduler in Redis mode: two ``garagebot worker`` processes' arq cron
ticks against real Redis and PostgreSQL, one of them restarted midway, with a
moved clock; every period of every job runs exactly once. And the embedded
mode's in-process task."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy import select

from garagebot.app.settings import Settings
from garagebot.app.worker import run_worker
from garagebot.core.models import ScheduledRun
from garagebot.core.schedule import Every, Job, JobRun, Registry
from garagebot.core.uow import Database
from tests.app.conftest import app_settings
from tests.conftest import new_garage
from tests.fakes import FakeClock
from tests.infra import require_redis

pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated close:DeprecationWarning")

START = dt.datetime(2026, 12, 8, 6, 0, tzinfo=dt.UTC)
PERIODS = 4


class Counting:
    def __init__(self, org: int) -> None:
        self.org = org
        self.starts: list[dt.datetime] = []

    async def __call__(self, run: JobRun) -> int:
        if run.org_id == self.org:
            self.starts.append(run.period_start)
            await asyncio.sleep(0.05)  # long enough for a racing tick to try the same period
        return 0


async def next_period(body: Counting, clock: FakeClock) -> None:
    """Once the current period ran, let more ticks of both workers see it, then move the clock on."""
    ran = len(body.starts)
    for _ in range(300):
        if len(body.starts) > ran:
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(2.2)  # two more cron ticks of each worker, which must not run it again
    clock.advance(minutes=15)


@asynccontextmanager
async def worker(settings: Settings, clock: FakeClock, registry: Registry) -> AsyncIterator[None]:
    stop = asyncio.Event()
    task = asyncio.create_task(run_worker(settings, stop=stop, clock=clock, registry=registry,
                                          tick_seconds=1))
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=30)


@pytest.mark.postgres
async def test_two_workers_and_a_restart_run_each_period_once(postgres_url: str, tmp_path: Path) -> None:
    settings = app_settings(postgres_url, tmp_path, redis_url=require_redis(),
                            queue_name=f"garagebot-test:{uuid.uuid4().hex}")
    clock = FakeClock(START)
    db = Database(postgres_url, clock=clock)
    try:
        org = await new_garage(db)
        body = Counting(org)
        registry = Registry([Job("quarter", Every(15), dt.timedelta(minutes=15), body)])
        async with worker(settings, clock, registry):
            async with worker(settings, clock, registry):
                for _ in range(PERIODS // 2):
                    await next_period(body, clock)
            async with worker(settings, clock, registry):  # the second worker, restarted
                for _ in range(PERIODS // 2):
                    await next_period(body, clock)
        async with db.read() as s:
            rows = (await s.scalars(select(ScheduledRun).where(ScheduledRun.organization_id == org))).all()
    finally:
        await db.dispose()
    expected = [START + dt.timedelta(minutes=15 * i) for i in range(PERIODS)]
    assert body.starts == expected
    assert sorted(r.period_start for r in rows) == expected
    assert {r.status for r in rows} == {"done"}


async def test_the_embedded_mode_ticks_in_process(sqlite_url: str, tmp_path: Path) -> None:
    """Without Redis the web process's task ticks (here every 0.1 s instead of a minute)."""
    from garagebot.app.bootstrap import open_runtime
    from garagebot.app.schedule import SchedulerLoop

    clock = FakeClock(START)
    async with open_runtime(app_settings(sqlite_url, tmp_path), clock=clock) as rt:
        assert rt.redis is None
        org = await new_garage(rt.db)
        body = Counting(org)
        loop = SchedulerLoop(rt, Registry([Job("quarter", Every(15), dt.timedelta(minutes=15), body)]), 0.1)
        loop.start()
        try:
            for _ in range(300):
                if len(body.starts) == 2:
                    break
                if body.starts and loop.ticks > 2:
                    clock.advance(minutes=15)
                await asyncio.sleep(0.1)
        finally:
            await loop.stop()
    assert body.starts == [START, START + dt.timedelta(minutes=15)]

"""The scheduler's tick with a moved clock: once per (garage, job, period) in
each garage's zone, late runs caught up within the window and skipped (and
logged) after it, and never twice — ticks racing from two processes, a
restart, or a clock that jumps back."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import zoneinfo

import pytest
from sqlalchemy import select

from garagebot.core.ids import OrgId
from garagebot.core.models import ScheduledRun
from garagebot.core.schedule import (
    Daily,
    Every,
    Job,
    JobRun,
    Registry,
    RunStatus,
    Weekly,
    garages,
    run_now,
    tick,
)
from garagebot.core.schedule.status import job_statuses
from garagebot.core.uow import Database
from tests.conftest import new_garage
from tests.fakes import FakeClock

UTC = dt.UTC
SIX_HOURS = dt.timedelta(hours=6)


class Counting:
    """A job body that records each run it is given."""

    def __init__(self) -> None:
        self.runs: list[tuple[int, dt.datetime, dt.datetime]] = []

    async def __call__(self, run: JobRun) -> int:
        self.runs.append((run.org_id, run.period_start, run.period_end))
        return 1

    def of(self, org: int) -> list[dt.datetime]:
        return [start for o, start, _ in self.runs if o == org]


def at(zone: str, year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    """A wall-clock time in ``zone``, as aware UTC."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=zoneinfo.ZoneInfo(zone)).astimezone(UTC)


async def runs_of(db: Database, org: int, job: str) -> list[ScheduledRun]:
    async with db.read() as s:
        return list((await s.scalars(select(ScheduledRun).where(
            ScheduledRun.organization_id == org, ScheduledRun.job == job,
        ).order_by(ScheduledRun.period_start))).all())


async def test_a_daily_job_runs_once_a_day_at_each_garages_local_time_across_a_dst_change(
        db: Database, clock: FakeClock) -> None:
    amman = await new_garage(db)
    berlin = await new_garage(db, timezone="Europe/Berlin")
    body = Counting()
    registry = Registry([Job("digest", Daily(dt.time(19, 0)), SIX_HOURS, body)])
    clock.set(at("Europe/Berlin", 2027, 3, 26, 12, 0))  # Friday before the spring change
    for _day in range(4):  # Fri, Sat, Sun (23 hours), Mon; a tick every 30 minutes
        for _ in range(48):
            await tick(db, registry, only=[amman, berlin])
            clock.advance(minutes=30)
    assert body.of(berlin) == [at("Europe/Berlin", 2027, 3, d, 19, 0) for d in (26, 27, 28, 29)]
    assert body.of(berlin)[2] == dt.datetime(2027, 3, 28, 17, 0, tzinfo=UTC)  # 19:00 summer time
    assert body.of(amman) == [at("Asia/Amman", 2027, 3, d, 19, 0) for d in (26, 27, 28, 29)]
    done = [r for r in await runs_of(db, berlin, "digest") if r.status == RunStatus.DONE.value]
    assert [r.queued for r in done] == [1, 1, 1, 1]


async def test_a_weekly_job_runs_once_a_week_and_every_n_minutes_once_a_slice(
        db: Database, clock: FakeClock) -> None:
    org = await new_garage(db)
    weekly, quarter = Counting(), Counting()
    registry = Registry([Job("weekly", Weekly(5, dt.time(19, 0)), SIX_HOURS, weekly),
                         Job("quarter", Every(15), dt.timedelta(minutes=15), quarter)])
    clock.set(at("Asia/Amman", 2026, 12, 25, 0, 0))  # a Friday; the month ends in the next week
    for _ in range(15 * 24 * 12):  # 15 days, a tick every 5 minutes
        await tick(db, registry, only=[org])
        clock.advance(minutes=5)
    assert weekly.of(org) == [at("Asia/Amman", 2026, 12, 26, 19, 0), at("Asia/Amman", 2027, 1, 2, 19, 0)]
    assert len(quarter.of(org)) == 15 * 24 * 4
    assert len(set(quarter.of(org))) == len(quarter.of(org))


async def test_a_run_missed_by_downtime_is_caught_up_within_its_window_and_skipped_after_it(
        db: Database, clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    org = await new_garage(db)
    body = Counting()
    registry = Registry([Job("digest", Daily(dt.time(19, 0)), SIX_HOURS, body)])
    clock.set(at("Asia/Amman", 2026, 12, 8, 18, 0))
    await tick(db, registry, only=[org])  # yesterday's 19:00 is 23 hours late: skipped
    clock.set(at("Asia/Amman", 2026, 12, 9, 0, 30))  # down from 18:00 to 00:30: 5.5 hours late
    outcomes = await tick(db, registry, only=[org])
    assert [o.status for o in outcomes] == [RunStatus.DONE]
    assert body.of(org) == [at("Asia/Amman", 2026, 12, 8, 19, 0)]
    clock.set(at("Asia/Amman", 2026, 12, 10, 1, 30))  # down again, now 6.5 hours late
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="garagebot.core.schedule.runner"):
        outcomes = await tick(db, registry, only=[org])
        await tick(db, registry, only=[org])
    assert [o.status for o in outcomes] == [RunStatus.SKIPPED]
    assert body.of(org) == [at("Asia/Amman", 2026, 12, 8, 19, 0)]
    skipped = [r for r in caplog.records if "skipped" in r.getMessage()]
    assert len(skipped) == 1
    assert "after its window" in skipped[0].getMessage()
    statuses = [(r.period_start, r.status) for r in await runs_of(db, org, "digest")]
    assert statuses[-2:] == [(at("Asia/Amman", 2026, 12, 8, 19, 0), "done"),
                             (at("Asia/Amman", 2026, 12, 9, 19, 0), "skipped")]


async def test_a_restart_or_a_clock_jumping_back_never_runs_a_period_again(
        db_url: str, db: Database, clock: FakeClock) -> None:
    org = await new_garage(db)
    body = Counting()
    registry = Registry([Job("digest", Daily(dt.time(19, 0)), SIX_HOURS, body)])
    clock.set(at("Asia/Amman", 2026, 12, 8, 19, 1))
    await tick(db, registry, only=[org])
    restarted = Database(db_url, clock=clock)  # a new process: nothing in memory
    try:
        await tick(restarted, registry, only=[org])
        clock.set(at("Asia/Amman", 2026, 12, 8, 23, 0))
        await tick(restarted, registry, only=[org])
        clock.set(at("Asia/Amman", 2026, 12, 8, 19, 30))  # the clock jumps back
        await tick(restarted, registry, only=[org])
    finally:
        await restarted.dispose()
    assert body.of(org) == [at("Asia/Amman", 2026, 12, 8, 19, 0)]


async def test_ticks_racing_from_two_processes_run_each_period_once(
        db_url: str, db: Database, clock: FakeClock) -> None:
    orgs = [await new_garage(db) for _ in range(3)]
    body, daily = Counting(), Counting()
    registry = Registry([Job("quarter", Every(15), dt.timedelta(minutes=15), body),
                         Job("daily", Daily(dt.time(9, 0)), SIX_HOURS, daily)])
    clock.set(at("Asia/Amman", 2026, 12, 8, 9, 0))
    other = Database(db_url, clock=clock)
    try:
        for _ in range(8):
            await asyncio.gather(tick(db, registry, only=orgs), tick(other, registry, only=orgs),
                                 tick(db, registry, only=orgs))
            clock.advance(minutes=15)
    finally:
        await other.dispose()
    for org in orgs:
        starts = body.of(org)
        assert len(starts) == 8
        assert len(set(starts)) == len(starts)
        assert daily.of(org) == [at("Asia/Amman", 2026, 12, 8, 9, 0)]


async def test_jobs_list_shows_the_last_and_next_run_and_a_manual_run_is_recorded(
        db: Database, clock: FakeClock) -> None:
    org = await new_garage(db, timezone="Europe/Berlin")
    body = Counting()
    registry = Registry([Job("digest", Daily(dt.time(19, 0)), SIX_HOURS, body)])
    clock.set(at("Europe/Berlin", 2026, 12, 8, 10, 0))
    found = await garages(db, [org])
    before = await job_statuses(db, registry, found)
    assert before[0].last is None
    assert before[0].next_run == at("Europe/Berlin", 2026, 12, 8, 19, 0)
    outcome = await run_now(db, registry.jobs[0], found[0])
    assert outcome.status is RunStatus.DONE
    assert outcome.queued == 1
    after = await job_statuses(db, registry, found)
    assert after[0].last is not None
    assert after[0].last.manual
    assert after[0].last.started_at == clock.now()
    assert body.of(OrgId(org)) == [clock.now()]


async def test_a_failing_job_is_recorded_failed_and_the_others_still_run(
        db: Database, clock: FakeClock) -> None:
    org = await new_garage(db)
    body = Counting()

    async def broken(run: JobRun) -> int:
        raise RuntimeError("boom")

    registry = Registry([Job("broken", Every(5), dt.timedelta(minutes=5), broken),
                         Job("fine", Every(5), dt.timedelta(minutes=5), body)])
    outcomes = await tick(db, registry, only=[org])
    assert {o.job: o.status for o in outcomes} == {"broken": RunStatus.FAILED, "fine": RunStatus.DONE}
    failed = await runs_of(db, org, "broken")
    assert failed[0].error is not None
    assert "boom" in failed[0].error

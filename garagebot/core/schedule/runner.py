"""The scheduler's tick: for every garage and job, the job's current period in
the garage's zone; an unclaimed one is claimed (``claims``) and run, or, when
found later than the job's window (the process was down), claimed as skipped
and logged. Both run modes call ``tick`` once a minute: the arq worker's cron
with Redis, an in-process task otherwise (``app.schedule``).

Only the current period is looked at: a period missed entirely (downtime
longer than the cadence) was already past its window.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from garagebot.core.models import Organization
from garagebot.core.schedule.cadence import Period
from garagebot.core.schedule.claims import Due, RunStatus, claim, claimed, finish
from garagebot.core.schedule.registry import Job, JobRun, Registry
from garagebot.core.telemetry import NULL_TELEMETRY, Telemetry
from garagebot.core.uow import Database

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Garage:
    id: int
    slug: str
    zone: str


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one claimed run did."""

    org_id: int
    job: str
    period_start: dt.datetime
    status: RunStatus
    queued: int = 0


async def garages(db: Database, only: Sequence[int] | None = None) -> list[Garage]:
    stmt = select(Organization.id, Organization.slug, Organization.timezone).order_by(Organization.id)
    if only is not None:
        stmt = stmt.where(Organization.id.in_(list(only)))
    async with db.read() as session:
        return [Garage(int(i), str(s), str(z)) for i, s, z in (await session.execute(stmt)).all()]


async def run_claimed(db: Database, job: Job, garage: Garage, run_id: int, period: Period,
                      now: dt.datetime, telemetry: Telemetry) -> Outcome:
    """Run ``job`` for a period this process claimed, and record how it ended."""
    try:
        queued = await job.run(JobRun(db, garage.id, period.start, period.end, now, garage.zone))
    except Exception as exc:  # one job's failure must not stop the others
        log.exception("scheduled job %s failed for garage %s", job.name, garage.slug)
        await finish(db, run_id, RunStatus.FAILED, db.clock.now(), error=repr(exc)[:500])
        telemetry.scheduler_ran(job.name, RunStatus.FAILED.value)
        return Outcome(garage.id, job.name, period.start, RunStatus.FAILED)
    await finish(db, run_id, RunStatus.DONE, db.clock.now(), queued=queued)
    telemetry.scheduler_ran(job.name, RunStatus.DONE.value)
    log.info("scheduled job %s ran for garage %s (%d queued)", job.name, garage.slug, queued)
    return Outcome(garage.id, job.name, period.start, RunStatus.DONE, queued)


async def _one(db: Database, job: Job, garage: Garage, period: Period, now: dt.datetime,
               telemetry: Telemetry) -> Outcome | None:
    due = Due(garage.id, job.name, period)
    if now - period.start > job.window:
        if await claim(db, due, RunStatus.SKIPPED, now) is None:
            return None
        log.warning("scheduled job %s for garage %s due %s skipped: %s late, after its window of %s",
                    job.name, garage.slug, period.start.isoformat(), now - period.start, job.window)
        telemetry.scheduler_ran(job.name, RunStatus.SKIPPED.value)
        return Outcome(garage.id, job.name, period.start, RunStatus.SKIPPED)
    run_id = await claim(db, due, RunStatus.RUNNING, now)
    if run_id is None:
        return None
    return await run_claimed(db, job, garage, run_id, period, now, telemetry)


async def tick(db: Database, registry: Registry, *, telemetry: Telemetry = NULL_TELEMETRY,
               only: Sequence[int] | None = None) -> list[Outcome]:
    """Run every job due now in every garage (or the garages ``only``) once."""
    now = db.clock.now()
    found = await garages(db, only)
    due = [(g, job, job.cadence.period_at(now, g.zone)) for g in found for job in registry.jobs]
    taken = await claimed(db, [Due(g.id, job.name, p) for g, job, p in due])
    outcomes: list[Outcome] = []
    for g, job, period in due:
        if (g.id, job.name, period.start) in taken:
            continue
        outcome = await _one(db, job, g, period, now, telemetry)
        if outcome is not None:
            outcomes.append(outcome)
    return outcomes


async def run_now(db: Database, job: Job, garage: Garage, *,
                  telemetry: Telemetry = NULL_TELEMETRY) -> Outcome:
    """Run ``job`` for ``garage`` at once, whatever its schedule (``garagebot jobs run``);
    recorded as a manual run whose period is this instant."""
    now = db.clock.now()
    period = Period(now, now)
    run_id = await claim(db, Due(garage.id, job.name, period), RunStatus.RUNNING, now, manual=True)
    if run_id is None:  # the same instant twice: nothing new to do
        return Outcome(garage.id, job.name, now, RunStatus.SKIPPED)
    return await run_claimed(db, job, garage, run_id, period, now, telemetry)

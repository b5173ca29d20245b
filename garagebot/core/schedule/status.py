"""What ``garagebot jobs list`` shows: each job's last and next run per garage."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select

from garagebot.core.models import ScheduledRun
from garagebot.core.schedule.cadence import next_start
from garagebot.core.schedule.registry import Registry
from garagebot.core.schedule.runner import Garage
from garagebot.core.uow import Database


@dataclass(frozen=True, slots=True)
class LastRun:
    started_at: dt.datetime
    status: str
    queued: int
    manual: bool


@dataclass(frozen=True, slots=True)
class JobStatus:
    garage: Garage
    job: str
    cadence: str
    last: LastRun | None
    next_run: dt.datetime


async def _last_runs(db: Database, org_ids: Sequence[int]) -> dict[tuple[int, str], LastRun]:
    latest = (select(ScheduledRun.organization_id, ScheduledRun.job,
                     func.max(ScheduledRun.started_at).label("at"))
              .where(ScheduledRun.organization_id.in_(list(org_ids)))
              .group_by(ScheduledRun.organization_id, ScheduledRun.job).subquery())
    stmt = select(ScheduledRun).join(latest, (latest.c.organization_id == ScheduledRun.organization_id)
                                     & (latest.c.job == ScheduledRun.job)
                                     & (latest.c.at == ScheduledRun.started_at))
    async with db.read() as session:
        rows = (await session.scalars(stmt)).all()
    return {(r.organization_id, r.job): LastRun(r.started_at, r.status, r.queued, r.manual) for r in rows}


async def job_statuses(db: Database, registry: Registry, found: Sequence[Garage]) -> list[JobStatus]:
    """Every job of every garage in ``found``, with its last run (None: never) and its next."""
    now = db.clock.now()
    last = await _last_runs(db, [g.id for g in found])
    return [JobStatus(g, job.name, job.cadence.describe(), last.get((g.id, job.name)),
                      next_start(job.cadence, now, g.zone))
            for g in found for job in registry.jobs]

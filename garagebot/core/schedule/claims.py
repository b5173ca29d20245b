"""The claim of a run: a unique row per (garage, job, period), inserted before
the job acts. ``ON CONFLICT DO NOTHING … RETURNING`` lets exactly one of any
number of racing workers win, on PostgreSQL and SQLite alike; the loser, a
restarted worker or a clock that jumped back finds the row and does nothing.

A run that dies between its claim and its end stays ``running`` and is not
repeated (at most once): the jobs claim their own items (a breach, a
reminder), so ``garagebot jobs run`` can safely redo it by hand.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.core.models import ScheduledRun
from garagebot.core.schedule.cadence import Period
from garagebot.core.uow import Database


class RunStatus(StrEnum):
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"  # found too late (after its window)


@dataclass(frozen=True, slots=True)
class Due:
    """A job's current period in one garage."""

    org_id: int
    job: str
    period: Period


def _insert(session: AsyncSession) -> Any:
    return postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert


async def claimed(db: Database, due: Sequence[Due]) -> set[tuple[int, str, dt.datetime]]:
    """Which of ``due`` already have their row (one query)."""
    if not due:
        return set()
    keys = {(d.org_id, d.job, d.period.start) for d in due}
    stmt = select(ScheduledRun.organization_id, ScheduledRun.job, ScheduledRun.period_start).where(
        ScheduledRun.period_start.in_({k[2] for k in keys}),
        tuple_(ScheduledRun.organization_id, ScheduledRun.job).in_({(k[0], k[1]) for k in keys}),
    )
    async with db.read() as session:
        found = {(int(o), str(j), s) for o, j, s in (await session.execute(stmt)).all()}
    return found & keys


async def claim(db: Database, due: Due, status: RunStatus, now: dt.datetime, *,
                manual: bool = False) -> int | None:
    """Insert the run's row; its id when this call won the claim, else None."""
    async with db.raw_transaction() as session:
        stmt = (
            _insert(session)(ScheduledRun)
            .values(organization_id=due.org_id, job=due.job, period_start=due.period.start,
                    period_end=due.period.end, status=status.value, manual=manual, started_at=now,
                    finished_at=None if status is RunStatus.RUNNING else now, queued=0)
            .on_conflict_do_nothing(index_elements=["organization_id", "job", "period_start"])
            .returning(ScheduledRun.id)
        )
        row = (await session.execute(stmt)).first()
    return None if row is None else int(row[0])


async def finish(db: Database, run_id: int, status: RunStatus, now: dt.datetime, *,
                 queued: int = 0, error: str | None = None) -> None:
    async with db.raw_transaction() as session:
        await session.execute(update(ScheduledRun).where(ScheduledRun.id == run_id).values(
            status=status.value, finished_at=now, queued=queued, error=error))

"""The scheduled jobs: what runs, how often, and how late it may still run.

A job is registered once, in the composition root (``app.schedule``); the
scheduler (``runner``) runs each job once per (garage, period). Other rooms
add theirs with one line each, e.g. ``Job("digests", Every(15),
dt.timedelta(minutes=15), calling(run_due_digests))``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from garagebot.core.schedule.cadence import Cadence
from garagebot.core.uow import Database


@dataclass(frozen=True, slots=True)
class JobRun:
    """One run of a job for one garage: the period it stands for (aware UTC),
    the time of the run and the garage's zone."""

    db: Database
    org_id: int
    period_start: dt.datetime
    period_end: dt.datetime
    now: dt.datetime
    zone: str


@dataclass(frozen=True, slots=True)
class Job:
    """``run`` returns how many messages it queued. ``window``: how late after
    its period's start a run may still happen (catch-up after downtime);
    later, the period is skipped and logged."""

    name: str
    cadence: Cadence
    window: dt.timedelta
    run: Callable[[JobRun], Awaitable[int]]


def calling(fn: Callable[[Database, int, dt.datetime], Awaitable[int]]) -> Callable[[JobRun], Awaitable[int]]:
    """A job's ``run`` from a function of (db, org_id, now) that claims its own work."""

    async def run(job_run: JobRun) -> int:
        return await fn(job_run.db, job_run.org_id, job_run.now)

    return run


class Registry:
    """The jobs by name (a name is unique)."""

    def __init__(self, jobs: Iterable[Job] = ()) -> None:
        self._jobs: dict[str, Job] = {}
        for job in jobs:
            self.add(job)

    def add(self, job: Job) -> None:
        if job.name in self._jobs:
            raise ValueError(f"a job named {job.name} is already registered")
        self._jobs[job.name] = job

    @property
    def jobs(self) -> tuple[Job, ...]:
        return tuple(self._jobs.values())

    def get(self, name: str) -> Job | None:
        return self._jobs.get(name)

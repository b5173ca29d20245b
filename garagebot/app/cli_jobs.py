"""``garagebot jobs list`` and ``garagebot jobs run NAME --org SLUG``: the
scheduled jobs (``app.schedule``) with their last and next run per garage,
and one job run at once. Times are shown in each garage's zone. A run's
messages are queued; the web process (embedded mode) or the worker sends them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import zoneinfo
from collections.abc import Callable, Coroutine
from typing import Any

from garagebot.app.bootstrap import open_runtime
from garagebot.app.schedule import scheduled_jobs
from garagebot.app.settings import Settings
from garagebot.core.garage import find_garage
from garagebot.core.schedule import garages, run_now
from garagebot.core.schedule.status import job_statuses

RunAsync = Callable[[Callable[[Settings, argparse.Namespace], Coroutine[Any, Any, int]]],
                    Callable[[Settings, argparse.Namespace], int]]


def _local(when: dt.datetime, zone: str) -> str:
    return when.astimezone(zoneinfo.ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M %Z")


async def jobs_list(settings: Settings, args: argparse.Namespace) -> int:
    """One line per garage and job: cadence, last run (when, how it ended, messages), next run."""
    async with open_runtime(settings, in_process_drain=False) as rt:
        registry = scheduled_jobs(settings, rt.storage)
        only = [(await find_garage(rt.db, args.org)).id] if args.org else None
        rows = await job_statuses(rt.db, registry, await garages(rt.db, only))
    print(f"{'garage':<16} {'job':<20} {'cadence':<18} {'last run':<48} next run")
    for r in rows:
        zone = r.garage.zone
        last = "never" if r.last is None else (
            f"{_local(r.last.started_at, zone)} {r.last.status}"
            f"{' (by hand)' if r.last.manual else ''}, {r.last.queued} queued")
        print(f"{r.garage.slug:<16} {r.job:<20} {r.cadence:<18} {last:<48} {_local(r.next_run, zone)}")
    return 0


async def jobs_run(settings: Settings, args: argparse.Namespace) -> int:
    """Run one job for one garage now; prints how it ended."""
    async with open_runtime(settings, in_process_drain=False) as rt:
        registry = scheduled_jobs(settings, rt.storage)
        job = registry.get(args.name)
        if job is None:
            names = ", ".join(j.name for j in registry.jobs)
            print(f"garagebot jobs run: no job named {args.name} (the jobs: {names})", file=sys.stderr)
            return 2
        ref = await find_garage(rt.db, args.org)
        garage = next(g for g in await garages(rt.db, [ref.id]))
        outcome = await run_now(rt.db, job, garage, telemetry=rt.telemetry)
    print(f"{job.name} for {garage.slug}: {outcome.status}, {outcome.queued} message(s) queued")
    return 0 if outcome.status == "done" else 1


def add_jobs_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser], run_async: RunAsync) -> None:
    jobs = sub.add_parser("jobs", help="scheduled jobs", description="The scheduled jobs of every garage.")
    jobs_sub = jobs.add_subparsers(dest="jobs_command", required=True, metavar="COMMAND")
    ls = jobs_sub.add_parser("list", help="every job with its last and next run per garage",
                             description="Every scheduled job of every garage (or --org) with its "
                             "cadence, last run and next run, in the garage's time zone.")
    ls.add_argument("--org", metavar="SLUG", help="only this garage")
    ls.set_defaults(run=run_async(jobs_list))
    run = jobs_sub.add_parser("run", help="run one job for one garage now",
                              description="Run a scheduled job for a garage now, whatever its schedule "
                              "(what it already did once, such as a breach told, is not repeated).")
    run.add_argument("name", metavar="NAME", help="the job's name (see `garagebot jobs list`)")
    run.add_argument("--org", required=True, metavar="SLUG", help="the garage")
    run.set_defaults(run=run_async(jobs_run))

"""The SLA check over a big database: every garage's run of the ``sla_check``
job (``core.alerts.sla.check_sla``), as the scheduler runs it every 5 minutes.

    .venv/bin/python -m bench.seed_bulk                  # 100 garages, 1,000,000 sessions
    .venv/bin/python -m bench.bench_sla [--rounds 5] [--explain]

Staff of the seeded garages are given Telegram ids (once), so breaches queue
real outbox rows. The first round finds every session already past a target
(breaches recorded and told); the next ones are the steady state: the same
scan, nothing new; after ``--escalate-after`` (default 120 minutes, moved on
a fake clock) one round escalates. Each round runs the check of all garages
one after the other, as one worker would; the figure is the whole round.
``--reset`` deletes what earlier runs recorded (breaches, their messages).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import time
from collections.abc import Sequence

from sqlalchemy import delete, func, select, text, update

import garagebot.core.models  # noqa: F401  (registers every table)
from bench.common import DEFAULT_URL, sqlalchemy_url
from bench.timing import explain
from garagebot.core.alerts.breaches import Limits, find_breaches
from garagebot.core.alerts.settings import schedule_settings
from garagebot.core.alerts.sla import check_sla
from garagebot.core.ids import OrgId
from garagebot.core.models import Organization, OutboxRow, RepairSession, SlaBreach, User
from garagebot.core.repair.sla import sla_targets
from garagebot.core.uow import Database


class Clock:
    def __init__(self) -> None:
        self.offset = dt.timedelta()

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self.offset


async def _prepare(db: Database, reset: bool) -> list[int]:
    async with db.raw_transaction() as s:
        if reset:
            await s.execute(delete(OutboxRow).where(OutboxRow.topic.like("schedule.%")))
            await s.execute(delete(SlaBreach))
        await s.execute(update(User).where(User.telegram_user_id.is_(None))
                        .values(telegram_user_id=User.id + 7_000_000_000))
        return [int(i) for i in (await s.scalars(select(Organization.id).order_by(Organization.id))).all()]


async def _round(db: Database, orgs: Sequence[int]) -> tuple[float, float, float, int]:
    """(seconds for all garages, this process's CPU seconds, slowest garage's seconds,
    messages queued)."""
    start, cpu, slowest, queued = time.perf_counter(), time.process_time(), 0.0, 0
    for org in orgs:
        t = time.perf_counter()
        queued += await check_sla(db, org, db.clock.now())
        slowest = max(slowest, time.perf_counter() - t)
    return time.perf_counter() - start, time.process_time() - cpu, slowest, queued


async def _explain(db: Database, org: int) -> None:
    async with db.read() as s:
        o = await s.get(Organization, org)
        assert o is not None
        limits = Limits.of(await sla_targets(s, OrgId(org)), schedule_settings(o.settings))
    for plan in await explain(db, lambda session: find_breaches(session, org, limits, db.clock.now())):
        print(plan)


async def run(args: argparse.Namespace) -> None:
    clock = Clock()
    db = Database(sqlalchemy_url(args.url), clock=clock)
    try:
        orgs = await _prepare(db, args.reset)
        async with db.read() as s:
            sessions = (await s.execute(select(func.count()).select_from(RepairSession))).scalar_one()
            active = (await s.execute(select(func.count()).select_from(RepairSession).where(
                text("status NOT IN ('DELIVERED', 'CANCELLED')")))).scalar_one()
        print(f"{len(orgs)} garages, {sessions:,} sessions, {active:,} active", flush=True)
        print(f"{'round':<26} {'all garages s':>14} {'python cpu s':>13} {'slowest garage ms':>18} "
              f"{'queued':>8}")
        for i in range(args.rounds):
            label = "first (all breaches new)" if i == 0 else "steady state"
            if i == args.rounds - 1 and args.rounds > 2:
                clock.offset += dt.timedelta(minutes=args.escalate_after)
                label = "escalation"
            total, cpu, slowest, queued = await _round(db, orgs)
            print(f"{label:<26} {total:>14.3f} {cpu:>13.3f} {slowest * 1000:>18.1f} {queued:>8}", flush=True)
        if args.explain:
            await _explain(db, orgs[-1])
    finally:
        await db.dispose()


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.bench_sla", description=__doc__.split("\n\n")[0])
    p.add_argument("--url", default=DEFAULT_URL)
    p.add_argument("--rounds", type=int, default=5, help="rounds (the last escalates)")
    p.add_argument("--escalate-after", type=int, default=120,
                   help="minutes the clock moves before the last round")
    p.add_argument("--reset", action="store_true",
                   help="delete breaches and messages of earlier runs first")
    p.add_argument("--explain", action="store_true", help="print the breach query of the last garage")
    asyncio.run(run(p.parse_args(argv)))


if __name__ == "__main__":
    main()

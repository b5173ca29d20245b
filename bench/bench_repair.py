"""Latency of the repair core on the bulk-seeded database (see bench/README.md).

    .venv/bin/python -m bench.bench_repair             # after python -m bench.seed_bulk
    .venv/bin/python -m bench.bench_repair --explain   # also EXPLAIN ANALYZE board and my-jobs

Measures, through the real query functions and services: a garage's active
board, a technician's jobs, a session's detail, opening a session with its
number (one creator), and opening sessions with 16 concurrent creators in one
garage, counting failures and checking that the day's numbers stay
contiguous. Sessions it opens are cancelled afterwards (untimed) so that the
board of the next run looks the same.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy import text

from bench.common import DEFAULT_URL, sqlalchemy_url
from bench.timing import Samples, explain, table, timed
from garagebot.core.actor import Actor
from garagebot.core.enums import Channel
from garagebot.core.ids import OrgId, SessionId, UserId
from garagebot.core.repair.intake import open_session
from garagebot.core.repair.queries import active_board, session_detail
from garagebot.core.repair.sessions import cancel_session
from garagebot.core.uow import Database
from garagebot.core.work.queries import my_jobs

ACTIVE = "status NOT IN ('DELIVERED', 'CANCELLED')"
OPEN_STEPS = "status IN ('NOT_STARTED', 'IN_PROGRESS', 'FAILED')"


@dataclass(frozen=True, slots=True)
class Targets:
    """What the runs act on, picked from the seeded data."""

    big_org: int
    big_active: int
    orgs: tuple[int, ...]
    busy_tech: int
    busy_tech_open: int
    techs: tuple[tuple[int, int], ...]  # (organization, technician)
    sessions: tuple[tuple[int, int], ...]  # (organization, session)
    advisor: int


async def _scalar(db: Database, sql: str, **params: object) -> int:
    async with db.read() as s:
        return int((await s.execute(text(sql), params)).scalar_one())


async def pick(db: Database, rng: random.Random, samples: int) -> Targets:
    async with db.read() as s:
        big, active = (await s.execute(text(
            f"SELECT organization_id, count(*) FROM repair_session WHERE {ACTIVE} "
            "GROUP BY 1 ORDER BY 2 DESC LIMIT 1"))).one()
        orgs = [r[0] for r in await s.execute(text("SELECT id FROM organization ORDER BY id"))]
        tech, open_steps = (await s.execute(text(
            f"SELECT assignee_id, count(*) FROM step WHERE organization_id = :g AND {OPEN_STEPS} "
            "AND assignee_id IS NOT NULL GROUP BY 1 ORDER BY 2 DESC LIMIT 1"), {"g": big})).one()
        techs = [tuple(r) for r in await s.execute(text(
            "SELECT organization_id, id FROM user_account WHERE role = 'technician'"))]
        top = int((await s.execute(text("SELECT max(id) FROM repair_session"))).scalar_one())
        ids = [rng.randint(1, top) for _ in range(samples)]
        sessions = [tuple(r) for r in await s.execute(text(
            "SELECT organization_id, id FROM repair_session WHERE id = ANY(:ids)"), {"ids": ids})]
        advisor = (await s.execute(text(
            "SELECT id FROM user_account WHERE organization_id = :g AND role = 'advisor' "
            "ORDER BY id LIMIT 1"), {"g": big})).scalar_one()
    return Targets(int(big), int(active), tuple(orgs), int(tech), int(open_steps),
                   tuple((int(o), int(t)) for o, t in techs),
                   tuple((int(o), int(i)) for o, i in sessions), int(advisor))


async def free_vehicles(db: Database, org: int, n: int) -> list[tuple[str, str]]:
    """(phone, plate) of ``n`` random vehicles of ``org`` with no active session."""
    async with db.read() as s:
        rows = await s.execute(text(
            "SELECT c.phone, v.plate FROM vehicle v JOIN client c ON c.id = v.client_id "
            "WHERE v.organization_id = :g AND NOT EXISTS (SELECT 1 FROM repair_session r "
            f"WHERE r.vehicle_id = v.id AND r.{ACTIVE}) ORDER BY random() LIMIT :n"),
            {"g": org, "n": n})
        return [(str(a), str(b)) for a, b in rows]


async def bench_reads(db: Database, t: Targets, n: int, rng: random.Random) -> list[Samples]:
    now = dt.datetime.now(dt.UTC)
    board_big = Samples(f"active board, largest garage ({t.big_active} active)", 20)
    board_any = Samples("active board, random garage", 20)
    jobs_busy = Samples(f"my jobs, busiest technician ({t.busy_tech_open} open)", 20)
    jobs_any = Samples("my jobs, random technician", 20)
    detail = Samples("session detail, random session")

    async def board(org: int) -> None:
        async with db.read() as s:
            await active_board(s, OrgId(org), now)

    async def jobs(org: int, user: int) -> None:
        async with db.read() as s:
            await my_jobs(s, OrgId(org), UserId(user), now)

    async def details(org: int, sid: int) -> None:
        async with db.read() as s:
            await session_detail(s, OrgId(org), SessionId(sid))

    for _ in range(20):  # warm the pool and the caches
        await board(t.big_org)
        await jobs(t.big_org, t.busy_tech)
    for s, op in ((board_big, lambda: board(t.big_org)),
                  (board_any, lambda: board(rng.choice(t.orgs))),
                  (jobs_busy, lambda: jobs(t.big_org, t.busy_tech)),
                  (jobs_any, lambda: jobs(*rng.choice(t.techs))),
                  (detail, lambda: details(*rng.choice(t.sessions)))):
        start = time.perf_counter()
        for _ in range(n):
            await timed(s, op)
        s.wall = time.perf_counter() - start
    return [board_big, board_any, jobs_busy, jobs_any, detail]


async def _create(db: Database, actor: Actor, phone: str, plate: str, made: list[SessionId]) -> None:
    async with db.unit_of_work(actor) as uow:
        made.append(await open_session(uow, phone=phone, plate=plate, complaint="Benchmark visit"))


async def bench_creates(db: Database, t: Targets, n: int, creators: int, per_creator: int,
                        made: list[SessionId]) -> list[Samples]:
    actor = Actor.user(OrgId(t.big_org), UserId(t.advisor), Channel.TELEGRAM)
    cars = await free_vehicles(db, t.big_org, n + creators * per_creator)
    one = Samples("open session with its number, 1 creator", 30)
    start = time.perf_counter()
    for phone, plate in cars[:n]:
        await timed(one, partial(_create, db, actor, phone, plate, made))
    one.wall = time.perf_counter() - start
    many = Samples(f"open session, {creators} concurrent creators, one garage")
    queue = list(cars[n:])

    async def creator() -> None:
        while queue:
            phone, plate = queue.pop()
            await timed(many, partial(_create, db, actor, phone, plate, made))

    start = time.perf_counter()
    await asyncio.gather(*(creator() for _ in range(creators)))
    many.wall = time.perf_counter() - start
    many.note = await contiguity(db, t.big_org)
    return [one, many]


async def contiguity(db: Database, org: int) -> str:
    """Whether today's numbers of the garage are 1..N with the counter at N."""
    async with db.read() as s:
        tz = (await s.execute(text("SELECT timezone FROM organization WHERE id = :g"),
                              {"g": org})).scalar_one()
    day = dt.datetime.now(dt.UTC).astimezone(ZoneInfo(tz)).strftime("%Y%m%d")
    async with db.read() as s:
        numbers = sorted(int(str(r[0]).rsplit("-", 1)[1]) for r in await s.execute(text(
            "SELECT number FROM repair_session WHERE organization_id = :g AND number LIKE :p"),
            {"g": org, "p": f"SES-{day}-%"}))
        counter = (await s.execute(text(
            "SELECT value FROM counter WHERE organization_id = :g AND kind = 'SES' AND period = :d"),
            {"g": org, "d": day})).scalar_one_or_none()
    ok = numbers == list(range(1, len(numbers) + 1)) and counter == len(numbers)
    return f"numbers of {day}: 1..{len(numbers)}, counter {counter}: " + (
        "contiguous" if ok else "NOT CONTIGUOUS")


async def cleanup(db: Database, t: Targets, made: Sequence[SessionId]) -> None:
    actor = Actor.user(OrgId(t.big_org), UserId(t.advisor), Channel.TELEGRAM)
    for sid in made:
        async with db.unit_of_work(actor) as uow:
            await cancel_session(uow, sid, reason="benchmark cleanup")


async def run(args: argparse.Namespace) -> None:
    db = Database(sqlalchemy_url(args.url), pool_size=args.concurrency + 4)
    rng = random.Random(args.seed)
    made: list[SessionId] = []
    try:
        sessions = await _scalar(db, "SELECT count(*) FROM repair_session")
        steps = await _scalar(db, "SELECT reltuples::bigint FROM pg_class WHERE relname = 'step'")
        t = await pick(db, rng, args.iterations)
        print(f"database: {sessions:,} sessions, ~{steps:,} steps, {len(t.orgs)} garages; "
              f"{args.iterations} runs per query")
        try:
            rows = await bench_reads(db, t, args.iterations, rng)
            rows += await bench_creates(db, t, args.creates, args.concurrency, args.per_creator, made)
            print(table(rows))
            if args.explain:
                await print_plans(db, t)
        finally:
            if not args.keep:
                await cleanup(db, t, made)
    finally:
        await db.dispose()


async def print_plans(db: Database, t: Targets) -> None:
    now = dt.datetime.now(dt.UTC)
    for title, plans in (
        ("active board", await explain(db, lambda s: active_board(s, OrgId(t.big_org), now))),
        ("my jobs", await explain(db, lambda s: my_jobs(s, OrgId(t.big_org), UserId(t.busy_tech), now))),
    ):
        print(f"\n== EXPLAIN ANALYZE: {title}\n" + "\n\n".join(plans))


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.bench_repair",
                                description="p50/p95/p99 of the repair core on the bench database")
    p.add_argument("--url", default=DEFAULT_URL)
    p.add_argument("--iterations", type=int, default=500, help="runs per read query")
    p.add_argument("--creates", type=int, default=200, help="sessions opened by one creator")
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--per-creator", type=int, default=25, help="sessions per concurrent creator")
    p.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of board and my jobs")
    p.add_argument("--keep", action="store_true", help="keep the sessions opened (no cleanup)")
    p.add_argument("--seed", type=int, default=7)
    asyncio.run(run(p.parse_args(argv)))


if __name__ == "__main__":
    main()

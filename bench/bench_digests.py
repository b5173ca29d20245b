"""The daily KPI digest for many garages: built, chart drawn, queued.

```sh
.venv/bin/python -m bench.bench_digests seed   # 100 garages, 60 days of visits each
.venv/bin/python -m bench.bench_digests run    # the daily digest of every garage, timed
```

``seed`` (re)creates the database (default ``garagebot_bench_digests``):
per garage, an owner reading Arabic and a manager reading English (both on
Telegram), and ``--days`` days of history at ``--per-day`` cars a day:
clients, vehicles, sessions checked in, completed and delivered (with an
ETA, some late), an issued invoice with a labour and a parts line for each,
payments for most, ratings for a third, and a few cars still open, overdue
or awaiting approval. Rows go in with multi-row INSERTs; the staff through
the services.

``run`` is the worker's part, in a process of its own: at 19:05 local time
of a weekday, ``run_due_digests`` for each garage (``--concurrency`` at a
time), charts stored in a temporary directory. It prints the wall time, the
digests queued, the worker's CPU time (its own process; PostgreSQL's is apart), and the
process's peak memory (max RSS).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import resource
import sys
import tempfile
import time
import zoneinfo
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from sqlalchemy import delete, func, insert, select

from bench.common import database_name, sqlalchemy_url
from bench.seed_bulk import recreate_database
from garagebot.app.storage import LocalFileStorage
from garagebot.core.actor import Actor
from garagebot.core.digests.send import run_due_digests
from garagebot.core.enums import Role
from garagebot.core.ids import OrgId
from garagebot.core.models import (
    Client,
    ClientRating,
    DigestClaim,
    Invoice,
    InvoiceLine,
    Organization,
    OutboxRow,
    RepairSession,
    Vehicle,
)
from garagebot.core.staff import create_organization, create_user
from garagebot.core.uow import Database

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/garagebot_bench_digests"
ZONE = zoneinfo.ZoneInfo("Asia/Amman")
RUN_DAY = dt.date(2026, 12, 9)  # a Wednesday: the daily digest only


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="bench.bench_digests", description=__doc__.split("\n")[0])
    p.add_argument("phase", choices=["seed", "run"])
    p.add_argument("--url", default=DEFAULT_URL)
    p.add_argument("--garages", type=int, default=100)
    p.add_argument("--days", type=int, default=60)
    p.add_argument("--per-day", type=int, default=8)
    p.add_argument("--concurrency", type=int, default=4)
    p.add_argument("--seed", type=int, default=15)
    return p.parse_args(argv)


def _local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), ZONE).astimezone(dt.UTC)


async def _garage(db: Database, g: int) -> tuple[OrgId, int]:
    org = await create_organization(db, slug=f"digest-{g:03d}", name_en=f"Garage {g}", name_ar=f"كراج {g}")
    async with db.unit_of_work(Actor.system(org)) as uow:
        await create_user(uow, name="Owner", role=Role.OWNER, locale="ar", telegram_user_id=7_000_000 + 2 * g)
        await create_user(uow, name="Manager", role=Role.MANAGER, locale="en",
                          telegram_user_id=7_000_001 + 2 * g)
        advisor = await create_user(uow, name="Advisor", role=Role.ADVISOR)
    return org, int(advisor)


def _visit(org: int, n: int, day: dt.date, rng: random.Random, open_now: bool) -> dict[str, object]:
    arrived = _local(day, rng.randint(8, 14), rng.choice((0, 15, 30, 45)))
    eta = arrived + dt.timedelta(hours=rng.randint(2, 8))
    done = None if open_now else arrived + dt.timedelta(hours=rng.randint(1, 10))
    out = None if done is None else done + dt.timedelta(hours=rng.randint(1, 20))
    status = "DELIVERED" if out is not None else rng.choice(("IN_PROGRESS", "AWAITING_CLIENT_APPROVAL"))
    return {"organization_id": org, "number": f"SES-{day:%Y%m%d}-{n:03d}", "status": status,
            "opened_at": arrived, "checked_in_at": arrived, "eta": eta, "status_changed_at": out or arrived,
            "completed_at": done, "delivered_at": out, "delivery_pin": "1234", "priority": 0,
            "delivery_pin_failures": 0, "second_active_confirmed": False}


async def _history(db: Database, org: int, advisor: int, opts: argparse.Namespace,
                   rng: random.Random) -> None:
    first = RUN_DAY - dt.timedelta(days=opts.days)
    visits = []
    for d in range(opts.days + 1):
        day = first + dt.timedelta(days=d)
        for n in range(1, opts.per_day + 1):
            visits.append(_visit(org, n, day, rng, open_now=day == RUN_DAY and n > opts.per_day // 2))
    async with db.raw_transaction() as s:
        created = _local(first, 8)
        clients = (await s.execute(insert(Client).returning(Client.id), [
            {"organization_id": org, "name": f"Client {i}", "phone": f"+96279{org:03d}{i:04d}",
             "locale": "ar", "messaging_consent": True, "created_at": created}
            for i in range(len(visits))])).scalars().all()
        vehicles = (await s.execute(insert(Vehicle).returning(Vehicle.id), [
            {"organization_id": org, "client_id": c, "plate": f"{org}-{i}", "created_at": created}
            for i, c in enumerate(clients)])).scalars().all()
        for v, c, vid in zip(visits, clients, vehicles, strict=True):
            v.update(client_id=c, vehicle_id=vid, advisor_id=advisor)
        sessions = (await s.execute(
            insert(RepairSession).returning(RepairSession.id), visits)).scalars().all()
        await _billing(s, org, list(zip(sessions, clients, visits, strict=True)), rng)


async def _billing(s: object, org: int, done: list[tuple[int, int, dict[str, object]]],
                   rng: random.Random) -> None:
    from sqlalchemy.ext.asyncio import AsyncSession

    assert isinstance(s, AsyncSession)
    invoices, lines, ratings = [], [], []
    billed = [(sid, cid, v) for sid, cid, v in done if v["completed_at"] is not None]
    for k, (sid, cid, v) in enumerate(billed):
        net = Decimal(rng.randint(20, 300))
        tax = (net * Decimal("0.16")).quantize(Decimal("0.001"))
        paid = net + tax if rng.random() < 0.8 else Decimal(0)
        invoices.append({"organization_id": org, "number": f"INV-2026-{k:06d}", "session_id": sid,
                         "client_id": cid, "payer_kind": "CLIENT", "payer_id": cid, "billing_mode": "quoted",
                         "status": "PAID" if paid else "ISSUED", "paid_amount": paid,
                         "issued_at": v["completed_at"], "created_at": v["completed_at"], "currency": "JOD",
                         "subtotal": net, "discount_total": Decimal(0), "net_total": net, "tax_total": tax,
                         "total": net + tax})
    ids = (await s.execute(insert(Invoice).returning(Invoice.id), invoices)).scalars().all()
    for inv_id, row in zip(ids, invoices, strict=True):
        net = Decimal(str(row["net_total"]))
        shares = (("LABOUR", net * Decimal("0.6")), ("PART", net * Decimal("0.4")))
        for pos, (kind, part) in enumerate(shares):
            part = part.quantize(Decimal("0.001"))
            tax = (part * Decimal("0.16")).quantize(Decimal("0.001"))
            lines.append({
                "organization_id": org, "invoice_id": inv_id, "position": pos, "kind": kind,
                "tax_category": "labour" if kind == "LABOUR" else "parts", "description_en": kind,
                "description_ar": kind, "quantity": Decimal(1), "unit_price": part, "gross": part,
                "line_discount": Decimal(0), "discount_share": Decimal(0), "net": part,
                "tax_rate": Decimal(16), "tax": tax, "total": part + tax})
    await s.execute(insert(InvoiceLine), lines)
    for sid, cid, v in billed[::3]:
        if v["delivered_at"] is not None:
            ratings.append({"organization_id": org, "session_id": sid, "client_id": cid,
                            "score": rng.randint(1, 5), "channel": "whatsapp",
                            "created_at": v["delivered_at"]})
    if ratings:
        await s.execute(insert(ClientRating), ratings)


async def seed(opts: argparse.Namespace) -> None:
    await recreate_database(opts.url)
    db = Database(sqlalchemy_url(opts.url))
    rng = random.Random(opts.seed)
    started = time.perf_counter()
    try:
        for g in range(opts.garages):
            org, advisor = await _garage(db, g)
            await _history(db, org, advisor, opts, rng)
    finally:
        await db.dispose()
    took = time.perf_counter() - started
    print(f"seeded {opts.garages} garages into {database_name(opts.url)} in {took:.1f} s")


async def run(opts: argparse.Namespace) -> None:
    db = Database(sqlalchemy_url(opts.url), pool_size=opts.concurrency + 2)
    now = _local(RUN_DAY, 19, 5)
    try:
        async with db.raw_transaction() as s:  # a run from scratch: nothing claimed or queued yet
            await s.execute(delete(DigestClaim))
            await s.execute(delete(OutboxRow).where(OutboxRow.topic.in_(["digests.daily", "digests.weekly"])))
        async with db.read() as s:
            ids = (await s.execute(select(Organization.id).order_by(Organization.id))).scalars()
            orgs = [OrgId(i) for i in ids]
        with tempfile.TemporaryDirectory() as media:
            storage = LocalFileStorage(Path(media))
            gate = asyncio.Semaphore(opts.concurrency)
            timings: list[float] = []

            async def one(org: OrgId) -> int:
                async with gate:
                    t = time.perf_counter()
                    n = await run_due_digests(db, org, now, storage=storage)
                    timings.append(time.perf_counter() - t)
                    return n

            started, cpu = time.perf_counter(), time.process_time()
            queued = sum(await asyncio.gather(*(one(o) for o in orgs)))
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu
            charts = await asyncio.to_thread(lambda: sum(1 for _ in Path(media).rglob("*.png")))
        async with db.read() as s:
            rows = (await s.execute(select(func.count()).select_from(OutboxRow).where(
                OutboxRow.topic == "digests.daily"))).scalar_one()
    finally:
        await db.dispose()
    timings.sort()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"garages: {len(orgs)}; digests queued: {queued} (outbox rows: {rows}); charts drawn: {charts}")
    print(f"wall: {wall:.1f} s (worker CPU {cpu:.1f} s); per garage p50 {timings[len(timings) // 2]:.2f} s, "
          f"max {timings[-1]:.2f} s (concurrency {opts.concurrency})")
    print(f"worker max RSS: {rss_mb:.0f} MB")


def main(argv: Sequence[str] | None = None) -> None:
    opts = parse(argv)
    asyncio.run(seed(opts) if opts.phase == "seed" else run(opts))


if __name__ == "__main__":
    main(sys.argv[1:])

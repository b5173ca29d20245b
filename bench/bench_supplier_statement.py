"""Benchmark: the statement of a supplier with 3,400 bill lines, on PostgreSQL.

Creates a fresh database (``garagebot_bench_statement`` by default), seeds one
garage whose main supplier has 3,400 bills of one line each and a payment for
every fourth bill (4,250 statement entries), plus five other suppliers with
as many bills so that the query has to pick its rows out of a larger table.
Then computes the statement N times and prints p50 / p95 / p99.

    .venv/bin/python bench/bench_supplier_statement.py [--runs 50] [--lines 3400]

The server is ``GARAGEBOT_BENCH_PG_ADMIN`` (default
postgresql://postgres@127.0.0.1:5432/postgres). Target: p95 ≤ 200 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import statistics
import time
from decimal import Decimal

import asyncpg
from sqlalchemy import insert

import garagebot.core.models  # noqa: F401  (registers every table)
from garagebot.core.db import Base, make_engine
from garagebot.core.models.purchasing import Supplier, SupplierBill, SupplierBillLine, SupplierPayment
from garagebot.core.purchasing.statement import supplier_statement
from garagebot.core.staff import create_organization
from garagebot.core.uow import Database

ADMIN = os.environ.get("GARAGEBOT_BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
DATABASE = os.environ.get("GARAGEBOT_BENCH_PG_DB", "garagebot_bench_statement")
START = dt.date(2020, 1, 1)


def _url(database: str) -> str:
    base = ADMIN.rsplit("/", 1)[0].split("://", 1)[1]
    return f"postgresql+asyncpg://{base}/{database}"


async def fresh_database() -> str:
    conn = await asyncpg.connect(ADMIN, timeout=5)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{DATABASE}"')
    finally:
        await conn.close()
    url = _url(DATABASE)
    engine = make_engine(url)
    async with engine.begin() as c:
        await c.run_sync(Base.metadata.create_all)
    await engine.dispose()
    return url


async def seed_supplier(db: Database, org: int, name: str, lines: int) -> int:
    """A supplier with ``lines`` one-line bills over the years and a payment
    covering every fourth bill's worth, inserted in bulk."""
    now = db.clock.now()
    async with db.raw_transaction() as s:
        supplier_id = (await s.execute(insert(Supplier).values(
            organization_id=org, name=name, payment_terms_days=30, active=True, created_at=now,
        ).returning(Supplier.id))).scalar_one()
        bills = []
        for i in range(lines):
            day = START + dt.timedelta(days=i // 2)
            total = Decimal(10 + i % 97) + Decimal(i % 1000) / 1000
            bills.append({"organization_id": org, "supplier_id": supplier_id, "reference": f"B{i:06d}",
                          "bill_date": day, "due_date": day + dt.timedelta(days=30), "subtotal": total,
                          "discount": Decimal(0), "total": total, "created_at": now})
        returning = insert(SupplierBill).returning(SupplierBill.id, SupplierBill.total)
        ids = (await s.execute(returning, bills)).all()
        await s.execute(insert(SupplierBillLine), [
            {"organization_id": org, "bill_id": bill_id, "position": 1, "description": "Parts",
             "quantity": Decimal(1), "unit_cost": total, "gross": total, "discount_share": Decimal(0),
             "net": total} for bill_id, total in ids
        ])
        payments = []
        for j in range(0, lines, 4):
            chunk = sum((t for _, t in ids[j:j + 4]), Decimal(0)) - Decimal("0.500")
            payments.append({"organization_id": org, "supplier_id": supplier_id, "amount": chunk,
                             "method": "BANK_TRANSFER", "reference": f"P{j:06d}",
                             "paid_on": START + dt.timedelta(days=j // 2 + 20), "created_at": now})
        await s.execute(insert(SupplierPayment), payments)
    return int(supplier_id)


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


async def main(runs: int, lines: int) -> None:
    url = await fresh_database()
    db = Database(url)
    try:
        org = await create_organization(db, slug="bench-garage", name_en="Bench", name_ar="اختبار الأداء")
        target = await seed_supplier(db, org, "Main supplier", lines)
        for k in range(5):
            await seed_supplier(db, org, f"Other supplier {k}", lines)
        async with db.read() as s:
            first = await supplier_statement(s, org, target)  # warm-up (plans, pool)
        timings = []
        for _ in range(runs):
            t0 = time.perf_counter()
            async with db.read() as s:
                await supplier_statement(s, org, target)
            timings.append((time.perf_counter() - t0) * 1000)
    finally:
        await db.dispose()
    open_bills = sum(1 for b in first.bills if b.outstanding > 0)
    print(f"supplier statement on PostgreSQL: {lines} bill lines, {len(first.lines)} statement entries, "
          f"{open_bills} bills not fully covered, closing balance {first.closing_balance}")
    print(f"runs={runs}  p50={percentile(timings, 50):.1f} ms  p95={percentile(timings, 95):.1f} ms  "
          f"p99={percentile(timings, 99):.1f} ms  mean={statistics.fmean(timings):.1f} ms  "
          "(target p95 <= 200 ms)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--lines", type=int, default=3400)
    args = parser.parse_args()
    asyncio.run(main(args.runs, args.lines))

"""Billing benchmarks on PostgreSQL (figures printed, nothing asserted on time).

1. Fleet cascade: one lump-sum payment settling 500 open invoices of a fleet
   account (499 in full, the last in part). Each sample is reversed afterwards
   (newest first), so every sample starts from the same 500 open invoices.
   Target: ≤ 100 ms.
2. Invoice creation with 16 concurrent creators, several rounds: failures
   (target 0) and whether the numbers are contiguous.

Run: ``.venv/bin/python bench/bench_billing.py [--samples 30] [--rounds 5]``.
It creates (and drops first) its own database, ``garagebot_bench_billing``,
on the server named by GARAGEBOT_TEST_PG_ADMIN (default: local, user postgres).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import statistics
import time
from collections.abc import Sequence
from decimal import Decimal

import asyncpg
from sqlalchemy import insert, select

import garagebot.core.models  # noqa: F401  (registers every table)
from garagebot.core.actor import Actor
from garagebot.core.billing.enums import InvoiceStatus, LineDecision, PayerKind
from garagebot.core.billing.fleet import create_fleet_account, record_fleet_payment
from garagebot.core.billing.invoices import create_invoice
from garagebot.core.billing.payments import reverse_payment
from garagebot.core.billing.quote_flow import decide_whole_quote, send_quote
from garagebot.core.billing.quotes import create_quote
from garagebot.core.db import Base, make_engine
from garagebot.core.enums import Channel, Role, SessionStatus
from garagebot.core.ids import FleetAccountId, OrgId, SessionId
from garagebot.core.models import Client, Invoice, RepairSession, Vehicle
from garagebot.core.repair.intake import open_session
from garagebot.core.staff import create_organization, create_user
from garagebot.core.uow import Database
from garagebot.core.work.jobcards import add_free_job_card
from garagebot.core.work.templates import StepSpec

ADMIN = os.environ.get("GARAGEBOT_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
NAME = "garagebot_bench_billing"
OPEN_INVOICES = 500
CREATORS = 16


def _url() -> str:
    base = ADMIN.rsplit("/", 1)[0].split("://", 1)[1]
    return f"postgresql+asyncpg://{base}/{NAME}"


async def _fresh_database() -> None:
    conn = await asyncpg.connect(ADMIN, timeout=5)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{NAME}"')
    finally:
        await conn.close()
    engine = make_engine(_url())
    async with engine.begin() as c:
        await c.run_sync(Base.metadata.create_all)
    await engine.dispose()


async def _staff(db: Database) -> tuple[OrgId, Actor, Actor]:
    org = await create_organization(db, slug="bench", name_en="Bench Garage", name_ar="كراج القياس")
    async with db.unit_of_work(Actor.system(org)) as uow:
        manager = await create_user(uow, name="Manager", role=Role.MANAGER)
        accountant = await create_user(uow, name="Accountant", role=Role.ACCOUNTANT)
    return org, Actor.user(org, manager, Channel.WEB), Actor.user(org, accountant, Channel.WEB)


async def _open_invoices(db: Database, org: OrgId, account: FleetAccountId) -> Decimal:
    """500 issued invoices of the account, written as rows (the set-up is not measured)."""
    now = db.clock.now()
    async with db.raw_transaction() as s:
        client = Client(organization_id=org, name="Fleet driver", phone="+962790000000", locale="en",
                        messaging_consent=False, created_at=now)
        s.add(client)
        await s.flush()
        vehicle = Vehicle(organization_id=org, client_id=client.id, plate="99-99999", created_at=now)
        s.add(vehicle)
        await s.flush()
        sessions = (await s.execute(insert(RepairSession).returning(RepairSession.id), [
            {"organization_id": org, "number": f"SES-BENCH-{i:04d}", "client_id": client.id,
             "vehicle_id": vehicle.id, "status": SessionStatus.COMPLETED.value, "opened_at": now,
             "status_changed_at": now, "delivery_pin": "0000"}
            for i in range(OPEN_INVOICES)
        ])).scalars().all()
        totals = [Decimal(10 + i % 37) + Decimal("0.125") for i in range(OPEN_INVOICES)]
        await s.execute(insert(Invoice), [
            {"organization_id": org, "number": f"INV-1999-{i + 1:06d}", "session_id": sid,
             "client_id": client.id, "payer_kind": PayerKind.FLEET.value, "payer_id": account,
             "billing_mode": "quoted", "status": InvoiceStatus.ISSUED.value, "currency": "JOD",
             "subtotal": t, "discount_total": Decimal("0.000"), "net_total": t, "tax_total": Decimal("0.000"),
             "total": t, "paid_amount": Decimal("0.000"), "issued_at": now + dt.timedelta(seconds=i),
             "created_at": now}
            for i, (sid, t) in enumerate(zip(sessions, totals, strict=True))
        ])
    return sum(totals, Decimal(0))


def _percentiles(samples: Sequence[float]) -> str:
    ordered = sorted(samples)
    q = statistics.quantiles(ordered, n=100, method="inclusive")
    return f"p50 {q[49]:.1f} ms · p95 {q[94]:.1f} ms · p99 {q[98]:.1f} ms · max {ordered[-1]:.1f} ms"


async def bench_cascade(db: Database, org: OrgId, manager: Actor, accountant: Actor, samples: int) -> None:
    async with db.unit_of_work(accountant) as uow:
        account = await create_fleet_account(uow, name="Bench Fleet")
    owed = await _open_invoices(db, org, account)
    amount = owed - Decimal("5.000")  # 499 in full, the last one in part
    pay_ms, reverse_ms = [], []
    for _ in range(samples):
        start = time.perf_counter()
        async with db.unit_of_work(accountant) as uow:
            result = await record_fleet_payment(uow, account, str(amount), "BANK_TRANSFER")
        pay_ms.append((time.perf_counter() - start) * 1000)
        assert result.invoices_settled == OPEN_INVOICES - 1
        start = time.perf_counter()
        async with db.unit_of_work(manager) as uow:
            await reverse_payment(uow, result.payment_id, reason="benchmark")
        reverse_ms.append((time.perf_counter() - start) * 1000)
    print(f"fleet cascade over {OPEN_INVOICES} open invoices ({samples} samples)")
    print(f"  payment : {_percentiles(pay_ms)}  (target ≤ 100 ms)")
    print(f"  reversal: {_percentiles(reverse_ms)}")


async def _approved_session(db: Database, manager: Actor, i: int) -> SessionId:
    async with db.unit_of_work(manager) as uow:
        sid = await open_session(uow, phone=f"07950{i:05d}", plate=f"10-{i:05d}", complaint="Service")
        await add_free_job_card(uow, sid, title_en="Service", title_ar="صيانة",
                                steps=[StepSpec(name_en="Oil", name_ar="زيت", estimated_minutes=30)])
        qid = await create_quote(uow, sid)
        await send_quote(uow, qid)
        await decide_whole_quote(uow, qid, LineDecision.APPROVED, key=f"bench-{i}")
    return sid


async def bench_concurrent_invoices(db: Database, org: OrgId, manager: Actor, rounds: int) -> None:
    sessions = [await _approved_session(db, manager, i) for i in range(rounds * CREATORS)]
    failures = 0
    latencies: list[float] = []

    async def create(sid: SessionId) -> None:
        nonlocal failures
        start = time.perf_counter()
        try:
            async with db.unit_of_work(manager) as uow:
                await create_invoice(uow, sid)
        except Exception:  # a failure is what is counted here
            failures += 1
        latencies.append((time.perf_counter() - start) * 1000)

    wall = []
    for r in range(rounds):
        start = time.perf_counter()
        await asyncio.gather(*(create(s) for s in sessions[r * CREATORS:(r + 1) * CREATORS]))
        wall.append((time.perf_counter() - start) * 1000)
    async with db.read() as s:
        numbers = sorted((await s.scalars(select(Invoice.number).where(
            Invoice.organization_id == org, Invoice.number.like("INV-2%")))).all())
    year = db.clock.now().year
    contiguous = numbers == [f"INV-{year}-{n:06d}" for n in range(1, len(numbers) + 1)]
    print(f"invoice creation, {CREATORS} concurrent creators × {rounds} rounds")
    print(f"  failures: {failures} (target 0) · invoices: {len(numbers)} · numbers contiguous: {contiguous}")
    print(f"  per invoice: {_percentiles(latencies)}")
    print(f"  per round of {CREATORS}: mean {statistics.mean(wall):.1f} ms")


async def main(samples: int, rounds: int) -> None:
    await _fresh_database()
    db = Database(_url(), pool_size=CREATORS)
    try:
        org, manager, accountant = await _staff(db)
        await bench_cascade(db, org, manager, accountant, samples)
        await bench_concurrent_invoices(db, org, manager, rounds)
    finally:
        await db.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(main(args.samples, args.rounds))

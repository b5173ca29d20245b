"""Benchmark: an invoice's PDF (read from PostgreSQL and drawn, with HarfBuzz
shaping) and its UBL export; figures printed, nothing asserted on time.

Creates (and drops first) its own database, ``garagebot_bench_documents``,
on the server named by GARAGEBOT_TEST_PG_ADMIN (default: local, user
postgres); seeds one garage with its document details and an issued invoice
of ``--lines`` lines (through the services), then renders the invoice
``--runs`` times in Arabic and in English and exports its XML as many times.

    .venv/bin/python bench/bench_documents.py [--runs 50] [--lines 12]

Target: an invoice PDF ≤ 300 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from decimal import Decimal

import asyncpg

import garagebot.core.models  # noqa: F401  (registers every table)
from garagebot.core.actor import Actor
from garagebot.core.billing.enums import LineDecision
from garagebot.core.billing.invoices import create_invoice, issue_invoice
from garagebot.core.billing.quote_flow import decide_whole_quote, send_quote
from garagebot.core.billing.quotes import create_quote
from garagebot.core.db import Base, make_engine
from garagebot.core.documents.invoice import load_invoice
from garagebot.core.documents.profile import set_document_profile
from garagebot.core.documents.render import DocumentRequest, render_document
from garagebot.core.documents.sheet import DocumentKind
from garagebot.core.documents.ubl import invoice_xml, validate
from garagebot.core.enums import Channel, Role
from garagebot.core.i18n import Translator
from garagebot.core.ids import InvoiceId, OrgId
from garagebot.core.repair.intake import open_session
from garagebot.core.staff import create_organization, create_user
from garagebot.core.uow import Database
from garagebot.core.work.jobcards import add_free_job_card
from garagebot.core.work.templates import StepSpec

ADMIN = os.environ.get("GARAGEBOT_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
NAME = "garagebot_bench_documents"


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


async def _invoice(db: Database, lines: int) -> tuple[OrgId, InvoiceId]:
    org = await create_organization(db, slug="bench", name_en="Al-Nour Auto Service",
                                    name_ar="مركز النور لصيانة السيارات")
    async with db.unit_of_work(Actor.system(org)) as uow:
        owner = Actor.user(org, await create_user(uow, name="Owner", role=Role.OWNER), Channel.WEB)
        manager = Actor.user(org, await create_user(uow, name="Manager", role=Role.MANAGER), Channel.WEB)
    async with db.unit_of_work(owner) as uow:
        await set_document_profile(uow, address_en="12 Mecca Street, Amman", address_ar="12 شارع مكة، عمّان",
                                   phone="065512345", tax_number="12345678")
    steps = [StepSpec(name_en=f"Brake service step {i}", name_ar=f"صيانة الفرامل: الخطوة {i}",
                      estimated_minutes=30, flat_price=Decimal(5 + i) + Decimal("0.250"))
             for i in range(lines)]
    async with db.unit_of_work(manager) as uow:
        sid = await open_session(uow, phone="0791234567", plate="12-34567", complaint="Brakes",
                                 client_name="سامي الخطيب", locale="ar", make="Toyota", model="Corolla")
        await add_free_job_card(uow, sid, title_en="Brakes", title_ar="الفرامل", steps=steps)
        qid = await create_quote(uow, sid)
        await send_quote(uow, qid)
        await decide_whole_quote(uow, qid, LineDecision.APPROVED, key="bench")
        invoice = await create_invoice(uow, sid)
        await issue_invoice(uow, invoice)
    return org, invoice


def _percentiles(samples: Sequence[float]) -> str:
    q = statistics.quantiles(sorted(samples), n=100, method="inclusive")
    return f"p50 {q[49]:.1f} ms · p95 {q[94]:.1f} ms · p99 {q[98]:.1f} ms · max {max(samples):.1f} ms"


async def _measure(name: str, runs: int, call: Callable[[], Awaitable[int]]) -> None:
    """Wall time, and this process's CPU time (what a shared machine's load does not inflate)."""
    await call()  # warm: statements prepared, catalogs loaded
    wall, cpu, size = [], [], 0
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        size = await call()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    print(f"{name:<26} wall {_percentiles(wall)}  ({size:,} bytes)")
    print(f"{'':<26} cpu  {_percentiles(cpu)}")


async def main(runs: int, lines: int) -> None:
    await _fresh_database()
    db = Database(_url())
    translator = Translator.load()
    try:
        org, invoice = await _invoice(db, lines)
        print(f"invoice of {lines} lines, {runs} runs each (read from PostgreSQL and drawn)")
        for locale in ("ar", "en"):
            async def pdf(locale: str = locale) -> int:
                async with db.read() as s:
                    doc = await render_document(s, translator, org,
                                                DocumentRequest(DocumentKind.INVOICE, invoice, locale))
                return len(doc.pdf)

            await _measure(f"invoice PDF ({locale})", runs, pdf)

        async def xml() -> int:
            async with db.read() as s:
                body = invoice_xml(org, await load_invoice(s, org, invoice))
            assert validate(body) == []
            return len(body)

        await _measure("UBL export + validation", runs, xml)
    finally:
        await db.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--lines", type=int, default=12)
    args = parser.parse_args()
    asyncio.run(main(args.runs, args.lines))

"""Fill a PostgreSQL database with many busy garages, quickly, for the benchmarks.

    .venv/bin/python -m bench.seed_bulk            # 100 garages, 1,000,000 sessions, 5,000,000 steps
    .venv/bin/python -m bench.seed_bulk --small    # 5 garages, 20,000 sessions: a quick check

The database named in ``--url`` is dropped and created again; the schema comes
from the models. Garages and staff are made through the real services (so each
garage has its audit chain and audited staff); clients, vehicles, sessions,
job cards, steps, status history and the day counters are generated in
bounded chunks and loaded with COPY while the big tables have no secondary
index, unique or foreign key; those are put back afterwards (which also
checks the data against them), the id sequences are moved past the loaded
ids and the tables are vacuumed and analysed.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg
from sqlalchemy import Column
from tqdm import tqdm

import garagebot.core.models  # noqa: F401  (registers every table)
from bench.bulk_rows import COLUMNS, Chunk, GaragePlan, GarageStaff, Ids, Row, garage_sizes, templates
from bench.bulk_sessions import garage_chunks
from bench.common import DEFAULT_URL, admin_url, asyncpg_url, database_name, sqlalchemy_url
from garagebot.core.actor import Actor
from garagebot.core.db import Base, make_engine
from garagebot.core.enums import Role, Skill
from garagebot.core.ids import OrgId
from garagebot.core.staff import create_organization, create_user
from garagebot.core.uow import Database

_TECH_SKILLS = (
    (Skill.MECHANICAL, Skill.TYRES), (Skill.ELECTRICAL, Skill.DIAGNOSTICS),
    (Skill.AC, Skill.MECHANICAL), (Skill.MECHANICAL,), (Skill.BODY, Skill.PAINT),
    (Skill.MECHANICAL, Skill.ELECTRICAL), (Skill.AC, Skill.ELECTRICAL), (Skill.DIAGNOSTICS,),
)


@dataclass(frozen=True, slots=True)
class Options:
    url: str
    garages: int
    sessions: int
    steps: int
    days: int
    seed: int


def parse(argv: Sequence[str] | None = None) -> Options:
    p = argparse.ArgumentParser(prog="python -m bench.seed_bulk", description=__doc__.split("\n")[0])
    p.add_argument("--url", default=DEFAULT_URL, help="target database (dropped and recreated)")
    p.add_argument("--garages", type=int, default=100)
    p.add_argument("--sessions", type=int, default=1_000_000)
    p.add_argument("--steps", type=int, default=5_000_000)
    p.add_argument("--days", type=int, default=1095, help="history length in days")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--small", action="store_true", help="5 garages, 20,000 sessions, 100,000 steps")
    a = p.parse_args(argv)
    if a.small:
        a.garages, a.sessions, a.steps = 5, 20_000, 100_000
    if a.garages < 1 or a.sessions < a.garages or a.steps < a.sessions:
        p.error("need garages >= 1, sessions >= garages and steps >= sessions")
    return Options(a.url, a.garages, a.sessions, a.steps, a.days, a.seed)


async def recreate_database(url: str) -> None:
    name = database_name(url)
    conn = await asyncpg.connect(admin_url(url))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    engine = make_engine(sqlalchemy_url(url))
    async with engine.begin() as c:
        await c.run_sync(Base.metadata.create_all)
    await engine.dispose()


async def make_garage(db: Database, g: int, technicians: int) -> GarageStaff:
    """One garage and its staff, through the services (audited, chained)."""
    org = await create_organization(db, slug=f"bench-{g:03d}", name_en=f"Bench Garage {g}",
                                    name_ar=f"كراج القياس {g}")
    roles: list[tuple[Role, tuple[Skill, ...]]] = [
        (Role.OWNER, ()), (Role.MANAGER, ()), (Role.ADVISOR, ()), (Role.ADVISOR, ()),
        (Role.LEAD_TECHNICIAN, (Skill.MECHANICAL, Skill.ELECTRICAL, Skill.DIAGNOSTICS)),
        *((Role.TECHNICIAN, _TECH_SKILLS[i % len(_TECH_SKILLS)]) for i in range(technicians)),
        (Role.ASSISTANT, ()), (Role.ASSISTANT, ()), (Role.INVENTORY, ()), (Role.ACCOUNTANT, ()),
    ]
    made: list[tuple[Role, int, tuple[Skill, ...]]] = []
    async with db.unit_of_work(Actor.system(OrgId(org))) as uow:
        for i, (role, skills) in enumerate(roles):
            uid = await create_user(
                uow, name=f"{role.value.replace('_', ' ').title()} {i}", role=role,
                phone=f"+962785{g:03d}{i:03d}", telegram_user_id=800_000_000 + g * 100 + i,
                skills=skills, locale="ar" if i % 2 else "en")
            made.append((role, int(uid), skills))
    return GarageStaff(
        org_id=org,
        advisors=tuple(u for r, u, _ in made if r is Role.ADVISOR),
        lead=next(u for r, u, _ in made if r is Role.LEAD_TECHNICIAN),
        technicians=tuple((u, frozenset(s.value for s in sk)) for r, u, sk in made
                          if r is Role.TECHNICIAN),
        assistants=tuple(u for r, u, _ in made if r is Role.ASSISTANT),
    )


def row_shape(table: str) -> tuple[list[str], Row]:
    """COPY column list: the generated columns, then every other column with its
    model default (so a column added to a model later does not break the seed)."""
    cols = list(COLUMNS[table])
    extra: list[object] = []
    for col in Base.metadata.tables[table].columns:
        if col.name in cols:
            continue
        extra.append(_default(table, col))
        cols.append(col.name)
    return cols, tuple(extra)


def _default(table: str, col: Column[object]) -> object:
    if col.default is not None and col.default.is_scalar:
        return col.default.arg  # type: ignore[attr-defined]
    if col.nullable:
        return None
    raise SystemExit(f"bench.bulk_rows does not fill {table}.{col.name} (NOT NULL, no default)")


class Loader:
    """COPYs chunks on one connection; keeps per-table row counts."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        self.shapes = {t: row_shape(t) for t in COLUMNS}
        self.loaded = dict.fromkeys(COLUMNS, 0)

    async def copy(self, chunk: Chunk) -> None:
        for table, rows in chunk.rows.items():
            if not rows:
                continue
            cols, extra = self.shapes[table]
            records = [r + extra for r in rows] if extra else rows
            await self.conn.copy_records_to_table(table, records=records, columns=cols)
            self.loaded[table] += len(rows)


async def detach(conn: asyncpg.Connection, tables: Sequence[str]) -> list[str]:
    """Drop the secondary indexes, unique and foreign keys of ``tables``;
    return the DDL that puts them back (uniques, then indexes, then foreign keys)."""
    cons = await conn.fetch(
        "SELECT conrelid::regclass::text AS t, conname, contype::text AS contype, "
        "pg_get_constraintdef(oid) AS d FROM pg_constraint "
        "WHERE conrelid = ANY($1::regclass[]) AND contype IN ('u', 'f')",
        list(tables))
    idx = await conn.fetch(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' "
        "AND tablename = ANY($1) AND indexname NOT IN (SELECT conname FROM pg_constraint "
        "WHERE contype IN ('p', 'u'))", list(tables))
    fks = [c for c in cons if c["contype"] == "f"]
    uqs = [c for c in cons if c["contype"] == "u"]
    for c in fks + uqs:
        await conn.execute(f'ALTER TABLE {c["t"]} DROP CONSTRAINT "{c["conname"]}"')
    for i in idx:
        await conn.execute(f'DROP INDEX "{i["indexname"]}"')
    return (
        [f'ALTER TABLE {c["t"]} ADD CONSTRAINT "{c["conname"]}" {c["d"]}' for c in uqs]
        + [str(i["indexdef"]) for i in idx]
        + [f'ALTER TABLE {c["t"]} ADD CONSTRAINT "{c["conname"]}" {c["d"]}' for c in fks]
    )


async def reattach(conn: asyncpg.Connection, ddl: Sequence[str]) -> None:
    await conn.execute("SET maintenance_work_mem = '1GB'")
    for stmt in tqdm(ddl, desc="indexes and keys", unit="ddl"):
        await conn.execute(stmt)
    for table in COLUMNS:
        if "id" in COLUMNS[table]:
            await conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)")
    await conn.execute("VACUUM (ANALYZE)")


async def load(opts: Options, conn: asyncpg.Connection, staff: list[GarageStaff]) -> Loader:
    loader, ids, now = Loader(conn), Ids(), dt.datetime.now(dt.UTC)
    sizes = garage_sizes(opts.garages, opts.sessions)
    steps = [opts.steps * s // opts.sessions for s in sizes]
    steps[0] += opts.steps - sum(steps)
    with tqdm(total=opts.sessions, unit=" sessions", unit_scale=True, desc="sessions") as bar:
        for g, (gs, n, k) in enumerate(zip(staff, sizes, steps, strict=True)):
            chunk, template_ids = templates(gs.org_id, ids)
            await loader.copy(chunk)
            plan = GaragePlan(gs, n, k, template_ids)
            for part in garage_chunks(plan, ids, now, opts.days, random.Random(opts.seed * 1000 + g)):
                await loader.copy(part)
                bar.update(part.sessions)
    return loader


async def run(opts: Options) -> None:
    started = time.perf_counter()
    await recreate_database(opts.url)
    db = Database(sqlalchemy_url(opts.url))
    sizes = garage_sizes(opts.garages, opts.sessions)
    try:
        # About one technician per 2,500 sessions of history (a garage opening
        # ~60 cars a day has a couple of dozen on the floor), at least four.
        staff = [await make_garage(db, g, max(4, min(30, n // 2500)))
                 for g, n in enumerate(tqdm(sizes, desc="garages and staff", unit=" garages"))]
    finally:
        await db.dispose()
    conn = await asyncpg.connect(asyncpg_url(opts.url))
    try:
        await conn.execute("SET synchronous_commit = off")
        ddl = await detach(conn, list(COLUMNS))
        loader = await load(opts, conn, staff)
        await reattach(conn, ddl)
    finally:
        await conn.close()
    for table, n in loader.loaded.items():
        print(f"  {table:<26} {n:>12,} rows")
    print(f"seeded {opts.garages} garages in {time.perf_counter() - started:,.1f} s")


def main(argv: Sequence[str] | None = None) -> None:
    asyncio.run(run(parse(argv)))


if __name__ == "__main__":
    main()

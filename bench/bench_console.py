"""Server time of the console's busiest pages on the bench database.

The real app (the console room on the bench database, Redis mode so no
in-process drainer competes) is served on a loopback port; the owner of the
garage with the most active sessions signs in with a password set for the
run, and each page is fetched ``--iterations`` times, one request at a time,
as a browser would (cookies kept). The latency is the wall time of the whole
request seen by the client on loopback, so it bounds the server time from
above; beside it, the CPU time the app spent on each request (its handler and
the database driver, in this process), which does not depend on the
machine's load. A page that fails is counted, never timed. Targets (issue:
console part 1): dashboard, board and session list p95 ≤ 50 ms at
1,000,000 sessions.

    python -m bench.seed_bulk                     # once: 100 garages, 1M sessions
    python -m bench.bench_console [--url …] [--iterations 300]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import secrets
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.typedefs import Handler
from sqlalchemy import event, text

from bench.common import DEFAULT_URL, sqlalchemy_url
from bench.timing import Samples, table
from garagebot.app.console import console_room
from garagebot.app.keys import RUNTIME
from garagebot.app.settings import Settings
from garagebot.app.web import create_app, health_room
from garagebot.core.actor import Actor
from garagebot.core.console.accounts import set_password
from garagebot.core.ids import OrgId, UserId
from garagebot.core.uow import Database

ACTIVE = "status NOT IN ('DELIVERED', 'CANCELLED')"
_CSRF = re.compile(r'name="_csrf" value="([0-9a-f]+)"')
LOGIN = "bench.owner"


@dataclass(frozen=True, slots=True)
class Garage:
    org: int
    active: int
    sessions: int
    owner: int
    plates: tuple[str, ...]
    session_ids: tuple[int, ...]


async def pick(db: Database, rng: random.Random) -> Garage:
    """The garage with the most active sessions, its owner, and samples to search and open."""
    async with db.read() as s:
        org, active = (await s.execute(text(
            f"SELECT organization_id, count(*) FROM repair_session WHERE {ACTIVE} "
            "GROUP BY 1 ORDER BY 2 DESC LIMIT 1"))).one()
        total = (await s.execute(text(
            "SELECT count(*) FROM repair_session WHERE organization_id = :g"), {"g": org})).scalar_one()
        owner = (await s.execute(text(
            "SELECT id FROM user_account WHERE organization_id = :g AND role = 'owner' ORDER BY id LIMIT 1"),
            {"g": org})).scalar_one()
        plates = [r[0] for r in await s.execute(text(
            "SELECT plate FROM vehicle WHERE organization_id = :g ORDER BY random() LIMIT 50"), {"g": org})]
        ids = [r[0] for r in await s.execute(text(
            "SELECT id FROM repair_session WHERE organization_id = :g ORDER BY random() LIMIT 50"),
            {"g": org})]
    rng.shuffle(plates)
    return Garage(int(org), int(active), int(total), int(owner), tuple(plates), tuple(int(i) for i in ids))


async def give_password(db: Database, garage: Garage, password: str) -> None:
    async with db.unit_of_work(Actor.system(OrgId(garage.org))) as uow:
        await set_password(uow, UserId(garage.owner), login=LOGIN, password=password)


async def sign_in(http: aiohttp.ClientSession, base: str, password: str) -> None:
    async with http.get(f"{base}/signin") as resp:
        found = _CSRF.search(await resp.text())
    assert found is not None, "no CSRF field on the sign-in page"
    form = {"login": LOGIN, "password": password, "_csrf": found.group(1)}
    async with http.post(f"{base}/signin", data=form, allow_redirects=False) as resp:
        if resp.status != 303:
            raise SystemExit(f"sign-in refused: HTTP {resp.status}")


SERVER_CPU: list[float] = []  # CPU seconds the app spent on each request (this process, one at a time)


@web.middleware
async def server_cpu(request: web.Request, handler: Handler) -> web.StreamResponse:
    started = time.thread_time()
    try:
        return await handler(request)
    finally:
        SERVER_CPU.append(time.thread_time() - started)


async def measure(http: aiohttp.ClientSession, base: str, name: str, paths: Sequence[str],
                  n: int, target: float | None) -> Samples:
    samples = Samples(name, target)
    SERVER_CPU.clear()
    start = time.perf_counter()
    for i in range(n):
        t0 = time.perf_counter()
        async with http.get(f"{base}{paths[i % len(paths)]}", allow_redirects=False) as resp:
            await resp.read()
            ok = resp.status == 200
        if ok:
            samples.latencies.append(time.perf_counter() - t0)
        else:
            samples.failures += 1
    samples.wall = time.perf_counter() - start
    cpu = sorted(SERVER_CPU)
    if cpu:
        samples.note = (f"server CPU p50 {cpu[len(cpu) // 2] * 1000:.1f} ms, "
                        f"p95 {cpu[int(len(cpu) * 0.95)] * 1000:.1f} ms")
    return samples


async def explain_page(app: web.Application, http: aiohttp.ClientSession, base: str,
                       name: str, path: str) -> None:
    """Every statement one request of ``path`` runs, with its EXPLAIN ANALYZE plan."""
    engine = app[RUNTIME].db.engine.sync_engine
    captured: list[tuple[str, Any]] = []

    def capture(_c: object, _cur: object, statement: str, params: Any, _ctx: object, _many: bool) -> None:
        captured.append((statement, params))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        async with http.get(f"{base}{path}") as resp:
            await resp.read()
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    print(f"\n== {name} ({path}): {len(captured)} statements")
    async with app[RUNTIME].db.read() as s:
        conn = await s.connection()
        for statement, params in captured:
            if not statement.lstrip().upper().startswith("SELECT"):
                continue
            result = await conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, params)
            plan = [r[0] for r in result]
            print(statement[:300].replace("\n", " "), "\n    " + "\n    ".join(plan[-40:]))


async def run(args: argparse.Namespace) -> None:
    rng = random.Random(args.seed)
    db = Database(sqlalchemy_url(args.url))
    try:
        async with db.read() as s:
            total = (await s.execute(text("SELECT count(*) FROM repair_session"))).scalar_one()
        garage = await pick(db, rng)
        password = secrets.token_urlsafe(16)
        await give_password(db, garage, password)
    finally:
        await db.dispose()
    print(f"database: {total:,} sessions; garage {garage.org}: {garage.sessions:,} sessions, "
          f"{garage.active:,} active; {args.iterations} requests per page")
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.model_validate({
            "database_url": sqlalchemy_url(args.url), "secret_key": secrets.token_hex(32),
            "state_dir": Path(tmp) / "state", "media_dir": Path(tmp) / "media",
            "redis_url": args.redis_url})
        app = create_app(settings, rooms=(health_room, console_room))
        app.middlewares.append(server_cpu)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        base = f"http://127.0.0.1:{port}"
        try:
            jar = aiohttp.CookieJar(unsafe=True)
            async with aiohttp.ClientSession(cookie_jar=jar) as http:
                await sign_in(http, base, password)
                pages = [
                    ("dashboard", ["/"], 50.0),
                    ("board", ["/board"], 50.0),
                    ("session list, first page", ["/sessions"], 50.0),
                    ("session list, search by plate", [f"/sessions?q={p}" for p in garage.plates], None),
                    ("session list, delivered", ["/sessions?status=DELIVERED"], None),
                    ("session page, random session", [f"/sessions/{i}" for i in garage.session_ids], None),
                ]
                for _, paths, _ in pages:  # warm the pool, the caches and the templates
                    for p in paths[:5]:
                        async with http.get(f"{base}{p}") as resp:
                            await resp.read()
                if args.explain:
                    for name, paths, _ in pages:
                        await explain_page(runner.app, http, base, name, paths[0])
                rows = [await measure(http, base, name, paths, args.iterations, target)
                        for name, paths, target in pages]
        finally:
            await runner.cleanup()
    print(table(rows))


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.bench_console",
                                description="p50/p95/p99 of the console's pages on the bench database")
    p.add_argument("--url", default=DEFAULT_URL)
    p.add_argument("--redis-url", default="redis://127.0.0.1:6379/14",
                   help="Redis mode, so no in-process outbox drainer runs beside the pages")
    p.add_argument("--iterations", type=int, default=300, help="requests per page")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--explain", action="store_true", help="print each page's statements with their plans")
    asyncio.run(run(p.parse_args(argv)))


if __name__ == "__main__":
    main()

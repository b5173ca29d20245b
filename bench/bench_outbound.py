"""Outbound benchmark: how fast ``garagebot worker`` drains a backlog, within
the providers' rate limits, and how soon a reply queued behind it goes out.

On PostgreSQL (the bench database is dropped and recreated) with Redis, and
local fake providers (bench/fake_providers.py) that record every call and
check every rate limit:

1. ``--garages`` garages, each with its own SMS number, sending at
   ``--per-garage`` messages a second (the garage's ``twilio_sms_per_second``
   setting: 10 is Twilio's rate from any number to countries outside the US
   and Canada, Jordan included; a long code to the US would be 1);
2. a backlog of ``--messages`` bulk notices (the system's), spread over the
   garages, each to its own client, queued before the worker starts;
3. the worker (a real ``garagebot worker`` process, woken through Redis)
   starts; once a fifth of the backlog is sent, a client who just wrote gets a
   reply (queued by the client's own unit of work, so ahead of bulk notices).

Printed: throughput (messages / seconds from the first send to the last),
p50/p95/p99 of queue-to-send latency, the reply's latency, rate-limit
violations, duplicates and losses, and whether the targets were met.

    python -m bench.bench_outbound [--garages 100 --messages 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import signal
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select, text, update

from bench.chat_seed import DEFAULT_URL, client_phone, recreate
from bench.common import sqlalchemy_url
from bench.fake_providers import FakeProviders, serve
from garagebot.core.actor import Actor
from garagebot.core.enums import Channel, OutboxStatus
from garagebot.core.ids import ClientId, OrgId
from garagebot.core.models import Organization, OutboxRow
from garagebot.core.repair.clients import find_or_create_client
from garagebot.core.staff import create_organization
from garagebot.core.uow import Database

GARAGEBOT = str(Path(sys.executable).parent / "garagebot")
TARGET_RATE, TARGET_REPLY_SECONDS = 500.0, 2.0
REPLY_PHONE = "+962780000001"


@dataclass(frozen=True)
class Options:
    url: str
    redis_url: str
    garages: int
    messages: int
    per_garage: float
    concurrency: int
    latency: float
    timeout: float


def parse_args(argv: Sequence[str] | None = None) -> Options:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", default=DEFAULT_URL, help="bench database (dropped and recreated)")
    p.add_argument("--redis-url", default="redis://127.0.0.1:6379/15")
    p.add_argument("--garages", type=int, default=100)
    p.add_argument("--messages", type=int, default=10_000, help="the backlog")
    p.add_argument("--per-garage", type=float, default=10.0, help="each garage's SMS messages a second")
    p.add_argument("--concurrency", type=int, default=400, help="the worker's sends in flight")
    p.add_argument("--latency", type=float, default=0.05, help="the fake provider's seconds a call")
    p.add_argument("--timeout", type=float, default=600.0)
    a = p.parse_args(argv)
    return Options(a.url, a.redis_url, a.garages, a.messages, a.per_garage, a.concurrency,
                   a.latency, a.timeout)


async def seed(db: Database, opts: Options) -> list[OrgId]:
    orgs = []
    for g in range(opts.garages):
        org = await create_organization(
            db, slug=f"out-{g}", name_en=f"Garage {g}", name_ar=f"كراج {g}",
            channel_numbers={"sms_number": f"+9626{5_000_000 + g:07d}"})
        orgs.append(org)
    async with db.raw_transaction() as session:
        await session.execute(update(Organization).where(Organization.id.in_(orgs))
                              .values(settings={"twilio_sms_per_second": opts.per_garage}))
    return orgs


async def queue_backlog(db: Database, orgs: list[OrgId], messages: int) -> None:
    """Bulk notices (system actor), round-robin over the garages, one client each."""
    per_org: dict[OrgId, list[int]] = {org: [] for org in orgs}
    for i in range(messages):
        per_org[orgs[i % len(orgs)]].append(i)
    for org, numbers in per_org.items():
        async with db.unit_of_work(Actor.system(org)) as uow:
            for i in numbers:
                uow.send(Channel.SMS, client_phone(i), "en", "error.generic")


async def queue_reply(db: Database, org: OrgId) -> float:
    """A new client writes; the reply their turn queues. Its commit time."""
    async with db.unit_of_work(Actor.system(org)) as uow:
        client = await find_or_create_client(uow, phone=REPLY_PHONE, name="New client")
    async with db.unit_of_work(Actor.client(org, ClientId(client), Channel.SMS)) as uow:
        uow.send(Channel.SMS, REPLY_PHONE, "en", "error.generic")
    return time.time()


async def stored_sent(db: Database, expected: int) -> int:
    """Rows stored as sent, once the worker has stored the last answers (or 10 s)."""
    for _ in range(100):
        async with db.read() as s:
            stored = int((await s.execute(select(func.count()).select_from(OutboxRow).where(
                OutboxRow.status == OutboxStatus.SENT.value))).scalar_one())
        if stored >= expected:
            break
        await asyncio.sleep(0.1)
    return stored


def worker_env(opts: Options, api_url: str, queue: str, tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GARAGEBOT_")}
    env.update({
        "GARAGEBOT_DATABASE_URL": sqlalchemy_url(opts.url), "GARAGEBOT_REDIS_URL": opts.redis_url,
        "GARAGEBOT_QUEUE_NAME": queue, "GARAGEBOT_LOG_LEVEL": "WARNING",
        "GARAGEBOT_PUBLIC_URL": "https://garage.example.com",
        "GARAGEBOT_TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "GARAGEBOT_TWILIO_AUTH_TOKEN": "bench-token-0123456789",
        "GARAGEBOT_TWILIO_API_URL": api_url, "GARAGEBOT_OUTBOX_CONCURRENCY": str(opts.concurrency),
        "GARAGEBOT_STATE_DIR": str(tmp / "state"), "GARAGEBOT_MEDIA_DIR": str(tmp / "media"),
    })
    return env


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


@dataclass(frozen=True)
class Result:
    sent: int
    expected: int
    rate: float
    latencies: list[float]
    reply_seconds: float
    violations: list[str]
    duplicates: int
    stored_sent: int
    worker_cpu: float  # seconds of CPU the worker process used
    pg_cpu: float  # seconds of CPU of the PostgreSQL backends serving the bench database
    bench_cpu: float  # seconds of CPU of this process (the fake providers) while draining


async def run(opts: Options, tmp: Path) -> Result:
    await recreate(opts.url)
    db = Database(sqlalchemy_url(opts.url))
    fake = FakeProviders(latency=opts.latency, clock=time.time,
                         limits={f"twilio:+9626{5_000_000 + g:07d}": (opts.per_garage, 1.0)
                                 for g in range(opts.garages)})
    runner, api_url = await serve(fake)
    worker: asyncio.subprocess.Process | None = None
    cpu_before, pg_cpu, self_before = _children_cpu(), 0.0, 0.0
    pg_before: dict[int, float] = {}
    try:
        orgs = await seed(db, opts)
        queued_at = time.time()
        await queue_backlog(db, orgs, opts.messages)
        pg_before, self_before = await _pg_cpu(db, opts.url), _self_cpu()
        worker = await asyncio.create_subprocess_exec(
            *os.environ.get("BENCH_WORKER_PREFIX", "").split(), GARAGEBOT, "worker",
            env=worker_env(opts, api_url, f"bench-outbound:{uuid.uuid4().hex}", tmp))
        await asyncio.wait_for(fake.wait_for(lambda: len(fake.done) >= opts.messages // 5), opts.timeout)
        reply_at = await queue_reply(db, orgs[0])
        expected = opts.messages + 1
        await asyncio.wait_for(fake.wait_for(lambda: len(fake.done) >= expected), opts.timeout)
        stored = await stored_sent(db, expected)
        pg_cpu = sum(t - pg_before.get(pid, 0.0) for pid, t in (await _pg_cpu(db, opts.url)).items())
    finally:
        if worker is not None and worker.returncode is None:
            worker.send_signal(signal.SIGTERM)
            await worker.wait()
        await runner.cleanup()
        await db.dispose()
    first = min(c.started for c in fake.calls)
    last = max(fake.done.values())
    latencies = [t - queued_at for r, t in fake.done.items() if r != REPLY_PHONE]
    return Result(len(fake.done), expected, len(fake.done) / max(last - first, 1e-9), latencies,
                  fake.done[REPLY_PHONE] - reply_at, fake.violations,
                  len(fake.calls) - len(fake.done), stored, _children_cpu() - cpu_before, pg_cpu,
                  _self_cpu() - self_before)


def _self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


async def _pg_cpu(db: Database, url: str) -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL backend connected to the bench
    database (the worker's pool lives as long as the worker; same machine)."""
    name = url.rsplit("/", 1)[-1]
    async with db.read() as s:
        pids = (await s.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = :n"),
                                {"n": name})).scalars().all()
    return {int(pid): _proc_cpu(int(pid)) for pid in pids}


def _proc_cpu(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:  # PostgreSQL on another machine, or the backend is gone
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def report(opts: Options, r: Result) -> bool:
    lat = r.latencies
    print(f"outbound: {r.sent} of {r.expected} messages over {opts.garages} garages "
          f"({opts.per_garage:g}/s each), worker concurrency {opts.concurrency}, "
          f"provider latency {opts.latency * 1000:.0f} ms")
    print(f"throughput: {r.rate:.0f} messages/s")
    print(f"queue-to-send latency: p50 {percentile(lat, 50):.2f} s, p95 {percentile(lat, 95):.2f} s, "
          f"p99 {percentile(lat, 99):.2f} s")
    print(f"reply behind the backlog: {r.reply_seconds:.2f} s")
    print(f"worker CPU: {r.worker_cpu:.1f} s ({r.worker_cpu / r.sent * 1000:.2f} ms a message; "
          f"at one free core that is {r.sent / max(r.worker_cpu, 1e-9):.0f} messages/s)")
    print(f"PostgreSQL backends' CPU: {r.pg_cpu:.1f} s ({r.pg_cpu / r.sent * 1000:.2f} ms a message); "
          f"this process (fake providers): {r.bench_cpu:.1f} s "
          f"({r.bench_cpu / r.sent * 1000:.2f} ms a message)")
    print(f"rate-limit violations: {len(r.violations)}; sent twice: {r.duplicates}; "
          f"stored as sent: {r.stored_sent}")
    for line in r.violations[:5]:
        print(f"  violation: {line}")
    correct = not r.violations and r.duplicates == 0 and r.sent == r.expected == r.stored_sent
    fast = r.rate >= TARGET_RATE and r.reply_seconds <= TARGET_REPLY_SECONDS
    print(f"targets: >= {TARGET_RATE:.0f} msgs/s, reply <= {TARGET_REPLY_SECONDS:.0f} s, "
          f"no limit exceeded, each sent once: {'met' if correct and fast else 'NOT met'}")
    return correct


def main(argv: Sequence[str] | None = None) -> None:
    opts = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-outbound-") as tmp:
        result = asyncio.run(run(opts, Path(tmp)))
    sys.exit(0 if report(opts, result) else 1)


if __name__ == "__main__":
    main()

"""Chat throughput: Telegram updates and signed Twilio WhatsApp messages
through the webhook → conversation engine → reply committed to the outbox,
on PostgreSQL, against a bare aiohttp + asyncpg INSERT endpoint in the same run.

    .venv/bin/python -m bench.bench_chat --channel both

For each channel: the bench database (``--url``, default
``garagebot_bench_chat``; dropped, created and migrated) is seeded through the
services; ``--workers`` server processes (SO_REUSEPORT) of the real app are
started (outbox drain off: replies are committed to the outbox, nothing sends
them); a load generator in a separate process sends ``--warmup`` unmeasured
then ``--requests`` measured requests, every one distinct, with exactly
``--concurrency`` in flight over keep-alive connections; the outbox is
counted. Then the same with the bare server (same process count, same load
generator) and the ratio is printed.

Telegram: the text "my jobs" from ``--people`` linked technicians (each with
two steps assigned): resolve the sender, record the update (dedupe), load the
chat, run the turn (the my-jobs query), save with the version check, queue the
reply. Twilio: "where is my car?" on WhatsApp from ``--people`` clients with a
car in the garage (signed like Twilio signs: HMAC-SHA1 over PUBLIC_URL + path
and the sorted form): the garage by number, record the delivery in its own
commit, then claim it, touch the contact window, run the status turn, save
with the version check, queue the reply.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import hashlib
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
from twilio.request_validator import RequestValidator

from bench import chat_wrk
from bench.chat_seed import DEFAULT_URL, Seeded, recreate, seed_telegram, seed_twilio
from bench.chat_server import BARE_TABLE, TELEGRAM_PATH, WHATSAPP_PATH
from bench.common import asyncpg_url, sqlalchemy_url
from garagebot.core.uow import Database

ROOT = Path(__file__).resolve().parents[1]
TELEGRAM_TOKEN = "123456:bench-token"  # noqa: S105 (a bench value; nothing is sent)
TELEGRAM_SECRET = "bench-webhook-secret"  # noqa: S105
TELEGRAM_API_URL = "http://127.0.0.1:9"  # never called: no PUBLIC_URL, drain off
TWILIO_SID = "AC" + "b" * 32
TWILIO_TOKEN = "bench-twilio-auth-token-0123456789"  # noqa: S105
TWILIO_API_URL = "http://127.0.0.1:9"  # never called: drain off
PUBLIC_URL = "https://bench.garage.example"
TARGET_RPS = 1000.0
TARGET_RATIO = 0.35
TARGET_P99_TWILIO_MS = 50.0


@dataclass(frozen=True, slots=True)
class Options:
    channels: tuple[str, ...]
    url: str
    requests: int
    warmup: int
    concurrency: int
    people: int
    workers: int
    port: int
    bare_pool: int
    load: str = "python"
    seconds: int = 10
    warmup_seconds: int = 2
    rate_cap: int = 20000


def parse_args(argv: Sequence[str] | None) -> Options:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--channel", choices=["telegram", "twilio", "both"], default="both")
    p.add_argument("--url", default=DEFAULT_URL, help="bench database (dropped and recreated)")
    p.add_argument("--requests", type=int, default=5000, help="measured requests per server")
    p.add_argument("--warmup", type=int, default=1000, help="unmeasured requests first")
    p.add_argument("--concurrency", type=int, default=50)
    p.add_argument("--people", type=int, default=60, help="distinct technicians / clients")
    p.add_argument("--workers", type=int, default=1, help="server processes (SO_REUSEPORT)")
    p.add_argument("--port", type=int, default=18765)
    p.add_argument("--bare-pool", type=int, default=30,
                   help="asyncpg pool of the bare server (the app's engine: 10 + 20 overflow)")
    p.add_argument("--load", choices=["auto", "wrk", "python"], default="auto",
                   help="load generator: wrk (C, Debian's package) or the Python one; auto: wrk if installed")
    p.add_argument("--seconds", type=int, default=10, help="wrk: measured seconds")
    p.add_argument("--warmup-seconds", type=int, default=2, help="wrk: warm-up seconds")
    p.add_argument("--rate-cap", type=int, default=20000,
                   help="wrk: requests prepared per second of run (each is sent at most once)")
    a = p.parse_args(argv)
    load = ("wrk" if chat_wrk.available() else "python") if a.load == "auto" else a.load
    if load == "wrk" and not chat_wrk.available():
        p.error("--load wrk: wrk is not installed (apt-get install wrk)")
    if a.people < a.concurrency:
        p.error("--people must be at least --concurrency (distinct chats in flight)")
    channels = ("telegram", "twilio") if a.channel == "both" else (a.channel,)
    return Options(channels, a.url, a.requests, a.warmup, a.concurrency, a.people, a.workers, a.port,
                   a.bare_pool, load, a.seconds, a.warmup_seconds, a.rate_cap)


# ---------------------------------------------------------------- requests


def telegram_requests(seeded: Seeded, count: int, first_id: int) -> list[dict[str, Any]]:
    """Distinct "my jobs" updates (fresh update_id and message_id), round robin over the technicians."""
    now = int(time.time())
    out = []
    for k in range(count):
        tg = seeded.telegram_ids[k % len(seeded.telegram_ids)]
        person = {"id": tg, "is_bot": False, "first_name": "Tech", "language_code": "en"}
        update = {"update_id": first_id + k, "message": {
            "message_id": first_id + k, "from": person,
            "chat": {"id": tg, "first_name": "Tech", "type": "private"}, "date": now, "text": "my jobs"}}
        out.append({"path": TELEGRAM_PATH, "body": json.dumps(update),
                    "headers": {"Content-Type": "application/json",
                                "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}})
    return out


def twilio_requests(seeded: Seeded, count: int, salt: str) -> list[dict[str, Any]]:
    """Distinct WhatsApp messages (fresh MessageSid), signed as Twilio signs them."""
    validator = RequestValidator(TWILIO_TOKEN)
    url = PUBLIC_URL + WHATSAPP_PATH
    out = []
    for k in range(count):
        phone = seeded.phones[k % len(seeded.phones)]
        sid = "SM" + hashlib.md5(f"{salt}:{k}".encode(), usedforsecurity=False).hexdigest()
        form = {
            "SmsMessageSid": sid, "NumMedia": "0", "ProfileName": "Client", "MessageType": "text",
            "SmsSid": sid, "WaId": phone.lstrip("+"), "SmsStatus": "received",
            "Body": "Hi, where is my car?", "To": f"whatsapp:{seeded.whatsapp}", "NumSegments": "1",
            "ReferralNumMedia": "0", "MessageSid": sid, "AccountSid": TWILIO_SID,
            "From": f"whatsapp:{phone}", "ApiVersion": "2010-04-01",
        }
        signature = validator.compute_signature(url, form)
        out.append({"path": WHATSAPP_PATH, "body": urllib.parse.urlencode(form),
                    "headers": {"Content-Type": "application/x-www-form-urlencoded",
                                "X-Twilio-Signature": signature}})
    return out


# ---------------------------------------------------------------- processes


def server_env(channel: str, url: str, tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GARAGEBOT_")}
    env.update({
        "GARAGEBOT_DATABASE_URL": sqlalchemy_url(url),
        "GARAGEBOT_SECRET_KEY": secrets.token_urlsafe(48),
        "GARAGEBOT_STATE_DIR": str(tmp / "state"),
        "GARAGEBOT_MEDIA_DIR": str(tmp / "media"),
        "GARAGEBOT_LOG_LEVEL": "WARNING",
    })
    if channel == "telegram":
        env.update({"GARAGEBOT_TELEGRAM_TOKEN": TELEGRAM_TOKEN,
                    "GARAGEBOT_TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
                    "GARAGEBOT_TELEGRAM_API_URL": TELEGRAM_API_URL})
    else:
        env.update({"GARAGEBOT_TWILIO_ACCOUNT_SID": TWILIO_SID, "GARAGEBOT_TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
                    "GARAGEBOT_TWILIO_API_URL": TWILIO_API_URL, "GARAGEBOT_PUBLIC_URL": PUBLIC_URL})
    return env


def machine_busy_seconds() -> float:
    """CPU seconds this machine has spent busy (all cores, every process:
    server, PostgreSQL, load generator, whatever else runs), from /proc/stat on
    Linux; NaN elsewhere."""
    try:
        first = Path("/proc/stat").read_text().splitlines()[0].split()
    except OSError:
        return float("nan")
    user, nice, system, _idle, _iowait, irq, softirq = (int(v) for v in first[1:8])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")  # not steal: not ours


class Servers:
    """``workers`` server processes on one port; started and stopped together."""

    def __init__(self, args: list[str], env: dict[str, str], workers: int) -> None:
        self.procs = [
            subprocess.Popen([sys.executable, "-m", "bench.chat_server", *args],  # noqa: S603 (our own module)
                             cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
            for _ in range(workers)
        ]

    def wait_ready(self, timeout: float = 60.0) -> None:
        for proc in self.procs:
            assert proc.stdout is not None
            line = proc.stdout.readline()  # blocks until the server prints (or dies)
            if line.strip() != "ready":
                self.stop()
                raise SystemExit(f"server did not start (exit {proc.poll()}): {line!r}")

    def cpu_seconds(self) -> float:
        """User + system CPU the server processes used so far (Linux /proc; NaN elsewhere)."""
        total = 0.0
        for proc in self.procs:
            try:
                fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                return float("nan")
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _plan(opts: Options) -> str:
    if opts.load == "wrk":
        return f"{opts.warmup_seconds} s of warm-up not measured, then {opts.seconds} s measured"
    return f"{opts.warmup} warm-up requests not measured, then {opts.requests} measured"


def load(opts: Options) -> Any:
    if opts.load == "wrk":
        return functools.partial(chat_wrk.run_load, warmup_seconds=opts.warmup_seconds,
                                 seconds=opts.seconds)
    return run_load


def run_load(base_url: str, concurrency: int, warmup: list[dict[str, Any]],
             measured: list[dict[str, Any]], tmp: Path) -> dict[str, Any]:
    plan = tmp / "plan.jsonl"
    with plan.open("w", encoding="utf-8") as fh:
        fh.write(json.dumps({"base_url": base_url, "concurrency": concurrency, "warmup": len(warmup)}) + "\n")
        for r in (*warmup, *measured):
            fh.write(json.dumps(r) + "\n")
    out = subprocess.run([sys.executable, "-m", "bench.chat_load", str(plan)], cwd=ROOT,  # noqa: S603
                         capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(out.stdout)
    return result


# ---------------------------------------------------------------- counting


async def scalar(url: str, sql: str, *args: object) -> int:
    conn = await asyncpg.connect(asyncpg_url(url))
    try:
        return int(await conn.fetchval(sql, *args))
    finally:
        await conn.close()


OUTBOX_REPLIES = ("SELECT count(*) FROM outbox WHERE kind = 'message' AND channel = $1 "
                  "AND organization_id = $2")
INBOUND_PROCESSED = ("SELECT count(*) FROM inbound_event WHERE provider = $1 AND processed_at IS NOT NULL")


async def topics(url: str, channel: str) -> dict[str, int]:
    conn = await asyncpg.connect(asyncpg_url(url))
    try:
        rows = await conn.fetch("SELECT topic, count(*) AS n FROM outbox WHERE kind = 'message' "
                                "AND channel = $1 GROUP BY topic", channel)
        return {r["topic"]: int(r["n"]) for r in rows}
    finally:
        await conn.close()


# ---------------------------------------------------------------- one channel


@dataclass
class ChannelResult:
    channel: str
    ours: dict[str, Any]
    bare: dict[str, Any]
    replies_queued: int
    events_processed: int
    bare_rows: int
    reply_topics: dict[str, int]


async def prepare(opts: Options, channel: str) -> Seeded:
    await recreate(opts.url)
    db = Database(sqlalchemy_url(opts.url))
    try:
        if channel == "telegram":
            seeded = await seed_telegram(db, opts.people)
        else:
            seeded = await seed_twilio(db, opts.people)
    finally:
        await db.dispose()
    conn = await asyncpg.connect(asyncpg_url(opts.url))
    try:
        await conn.execute(f"CREATE TABLE {BARE_TABLE} (id bigserial PRIMARY KEY, body text NOT NULL, "
                           "created_at timestamptz NOT NULL DEFAULT now())")
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()
    return seeded


def plans(opts: Options, channel: str, seeded: Seeded, round_: int) -> tuple[list[dict[str, Any]], ...]:
    if opts.load == "wrk":  # timed runs: more requests than they can send, each sent at most once
        warmup = int(opts.warmup_seconds * opts.rate_cap)
        total = warmup + int(opts.seconds * opts.rate_cap)
    else:
        warmup, total = opts.warmup, opts.warmup + opts.requests
    if channel == "telegram":
        reqs = telegram_requests(seeded, total, first_id=100_000_000 * (round_ + 1))
    else:
        reqs = twilio_requests(seeded, total, salt=f"{round_}:{secrets.token_hex(4)}")
    return reqs[:warmup], reqs[warmup:]


def bench_channel(opts: Options, channel: str, tmp: Path) -> ChannelResult:
    seeded = asyncio.run(prepare(opts, channel))
    base_url = f"http://127.0.0.1:{opts.port}"
    provider, chan = ("telegram", "telegram") if channel == "telegram" else ("twilio", "whatsapp")

    before = asyncio.run(scalar(opts.url, OUTBOX_REPLIES, chan, seeded.org))
    events_before = asyncio.run(scalar(opts.url, INBOUND_PROCESSED, provider))
    warmup, measured = plans(opts, channel, seeded, 0)
    servers = Servers(["app", "--port", str(opts.port)], server_env(channel, opts.url, tmp), opts.workers)
    try:
        servers.wait_ready()
        cpu_start, machine_start = servers.cpu_seconds(), machine_busy_seconds()
        ours = load(opts)(base_url, opts.concurrency, warmup, measured, tmp)
        ours["server_cpu_s"] = servers.cpu_seconds() - cpu_start
        ours["machine_cpu_s"] = machine_busy_seconds() - machine_start
    finally:
        servers.stop()
    replies = asyncio.run(scalar(opts.url, OUTBOX_REPLIES, chan, seeded.org)) - before
    events = asyncio.run(scalar(opts.url, INBOUND_PROCESSED, provider)) - events_before
    reply_topics = asyncio.run(topics(opts.url, chan))

    warmup, measured = plans(opts, channel, seeded, 1)
    bare_args = ["bare", "--port", str(opts.port), "--url", opts.url, "--pool", str(opts.bare_pool)]
    bare_servers = Servers(bare_args, server_env(channel, opts.url, tmp), opts.workers)
    try:
        bare_servers.wait_ready()
        cpu_start, machine_start = bare_servers.cpu_seconds(), machine_busy_seconds()
        bare = load(opts)(base_url, opts.concurrency, warmup, measured, tmp)
        bare["server_cpu_s"] = bare_servers.cpu_seconds() - cpu_start
        bare["machine_cpu_s"] = machine_busy_seconds() - machine_start
    finally:
        bare_servers.stop()
    bare_rows = asyncio.run(scalar(opts.url, f"SELECT count(*) FROM {BARE_TABLE}"))
    return ChannelResult(channel, ours, bare, replies, events, bare_rows, reply_topics)


# ---------------------------------------------------------------- report


def _row(name: str, r: dict[str, Any]) -> str:
    return (f"{name:<34} {r['n']:>6} {r['errors']:>6} {r['throughput']:>9.1f} {r['p50_ms']:>8.2f} "
            f"{r['p95_ms']:>8.2f} {r['p99_ms']:>8.2f} {r['max_ms']:>8.1f}")


def report(opts: Options, res: ChannelResult) -> str:
    what = ('"my jobs" text from linked technicians' if res.channel == "telegram"
            else '"where is my car?" on WhatsApp from clients with a car in the garage')
    head = (f"{'server':<34} {'n':>6} {'errors':>6} {'req/s':>9} {'p50 ms':>8} {'p95 ms':>8} "
            f"{'p99 ms':>8} {'max ms':>8}")
    # answered 200; with wrk a few more were sent, still in flight when it stopped
    answered = res.ours["warmup_ok"] + res.ours["ok"]
    bare_answered = res.bare["warmup_ok"] + res.bare["ok"]
    ratio = res.ours["throughput"] / res.bare["throughput"]
    label = "telegram webhook → engine → outbox" if res.channel == "telegram" else \
        "twilio webhook → engine → outbox"
    cpu_ours = 1000 * res.ours["server_cpu_s"] / max(1, res.events_processed)
    cpu_bare = 1000 * res.bare["server_cpu_s"] / max(1, res.bare_rows)
    all_ours = 1000 * res.ours["machine_cpu_s"] / max(1, res.events_processed)
    all_bare = 1000 * res.bare["machine_cpu_s"] / max(1, res.bare_rows)
    lines = [
        f"== {res.channel}: {what} ({opts.people} distinct chats)",
        head, "-" * len(head), _row(label, res.ours), _row("bare aiohttp + 1 asyncpg INSERT", res.bare),
        f"ratio ours / bare: {ratio:.3f}",
        f"CPU per request (warm-up included): server ours {cpu_ours:.2f} ms, bare {cpu_bare:.2f} ms; "
        f"whole machine (server, PostgreSQL, load generator) ours {all_ours:.2f} ms, bare {all_bare:.2f} ms",
        f"load generator: {opts.load}; replies queued in the outbox: {res.replies_queued} for {answered} "
        f"requests answered 200 ({res.ours['warmup_ok']} warm-up + {res.ours['ok']} measured), "
        f"topics {res.reply_topics}; inbound events processed: {res.events_processed}; "
        f"non-200 answers: ours {res.ours['errors']}, bare {res.bare['errors']}",
        f"bare rows inserted: {res.bare_rows} for {bare_answered} requests answered",
    ]
    ok_rps = res.ours["throughput"] >= TARGET_RPS
    ok_ratio = ratio >= TARGET_RATIO
    verdict = [f"throughput ≥ {TARGET_RPS:g}/s: {'met' if ok_rps else 'NOT met'}",
               f"ratio ≥ {TARGET_RATIO}: {'met' if ok_ratio else 'NOT met'}"]
    if res.channel == "twilio":
        ok_p99 = res.ours["p99_ms"] <= TARGET_P99_TWILIO_MS
        verdict.append(f"p99 ≤ {TARGET_P99_TWILIO_MS:g} ms: {'met' if ok_p99 else 'NOT met'}")
    complete = (res.replies_queued == res.events_processed and res.replies_queued >= answered
                and res.ours["errors"] == 0 and res.bare_rows >= bare_answered)
    verdict.append("every request queued its reply" if complete else "SOME REQUESTS DID NOT QUEUE A REPLY")
    lines.append("targets: " + "; ".join(verdict))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    opts = parse_args(argv)
    print(f"machine: {os.cpu_count()} cores (server, load generator and PostgreSQL share them); "
          f"server processes: {opts.workers} (app and bare alike, SO_REUSEPORT); load generator: "
          f"1 separate process ({opts.load}), {opts.concurrency} requests in flight over keep-alive "
          f"connections; {_plan(opts)}", flush=True)
    print("outbound sending is not measured: the app runs with the outbox drain off "
          "(open_runtime(in_process_drain=False), no Redis URL); replies stay committed in the outbox",
          flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-chat-") as tmpdir:
        for channel in opts.channels:
            res = bench_channel(opts, channel, Path(tmpdir))
            print(report(opts, res), flush=True)


if __name__ == "__main__":
    main()

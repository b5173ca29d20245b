"""The load generator of the chat benchmarks, run as a process of its own.

``python -m bench.chat_load PLAN`` reads a plan (JSON lines: a header
``{"base_url", "concurrency", "warmup"}`` then one ``{"path", "headers",
"body"}`` per request, every one distinct and prepared in advance, signatures
included) and sends them over one keep-alive connection pool with exactly
``concurrency`` requests in flight: ``concurrency`` workers each take the next
request as soon as their previous answer has been read. The first ``warmup``
requests are sent the same way and not measured. Latency is measured here,
from just before the request is written to when its body has been read.
Prints one JSON object: measured count, errors, status counts, wall seconds,
throughput and latency percentiles (ms).
"""

from __future__ import annotations

import asyncio
import json
import math
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp


@dataclass(frozen=True, slots=True)
class Request:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass(slots=True)
class Phase:
    latencies: list[float]
    statuses: Counter[str]
    wall: float = 0.0


def percentile(latencies: Sequence[float], p: float) -> float:
    """Nearest-rank percentile, in milliseconds."""
    if not latencies:
        return math.nan
    ordered = sorted(latencies)
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1] * 1000


async def run_phase(session: aiohttp.ClientSession, base_url: str, requests: Sequence[Request],
                    concurrency: int) -> Phase:
    phase = Phase([], Counter())
    it = iter(requests)

    async def worker() -> None:
        for req in it:  # shared iterator: each request is taken by exactly one worker
            start = time.perf_counter()
            try:
                async with session.post(base_url + req.path, data=req.body, headers=req.headers) as resp:
                    await resp.read()
                    status = str(resp.status)
            except (aiohttp.ClientError, TimeoutError) as exc:
                status = type(exc).__name__
            phase.latencies.append(time.perf_counter() - start)
            phase.statuses[status] += 1

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    phase.wall = time.perf_counter() - start
    return phase


async def run(base_url: str, concurrency: int, warmup: Sequence[Request],
              measured: Sequence[Request]) -> dict[str, Any]:
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        warm = await run_phase(session, base_url, warmup, concurrency)
        phase = await run_phase(session, base_url, measured, concurrency)
    ok = phase.statuses.get("200", 0)
    return {
        "warmup": len(warmup), "warmup_ok": warm.statuses.get("200", 0),
        "n": len(measured), "ok": ok, "errors": len(measured) - ok, "statuses": dict(phase.statuses),
        "wall_s": phase.wall, "throughput": len(measured) / phase.wall if phase.wall else math.nan,
        "p50_ms": percentile(phase.latencies, 50), "p95_ms": percentile(phase.latencies, 95),
        "p99_ms": percentile(phase.latencies, 99), "max_ms": max(phase.latencies) * 1000,
        "concurrency": concurrency,
    }


def read_plan(path: str) -> tuple[str, int, list[Request], list[Request]]:
    with open(path, encoding="utf-8") as fh:
        header = json.loads(fh.readline())
        reqs = [Request(d["path"], d["headers"], d["body"].encode("utf-8"))
                for d in map(json.loads, fh)]
    w = int(header["warmup"])
    return str(header["base_url"]), int(header["concurrency"]), reqs[:w], reqs[w:]


def main(argv: Sequence[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        raise SystemExit("usage: python -m bench.chat_load PLAN")
    base_url, concurrency, warmup, measured = read_plan(args[0])
    print(json.dumps(asyncio.run(run(base_url, concurrency, warmup, measured))), flush=True)


if __name__ == "__main__":
    main()

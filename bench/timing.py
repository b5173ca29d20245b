"""Timing helpers for the benchmarks: latency samples, percentiles, the
results table, and EXPLAIN ANALYZE of whatever statements a query runs."""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.core.uow import Database


@dataclass(slots=True)
class Samples:
    """Latencies (seconds) of one operation, and the wall time they took together."""

    name: str
    target_p95_ms: float | None = None
    latencies: list[float] = field(default_factory=list)
    failures: int = 0
    wall: float = 0.0
    note: str = ""

    def percentile(self, p: float) -> float:
        """Nearest-rank percentile in milliseconds."""
        if not self.latencies:
            return math.nan
        ordered = sorted(self.latencies)
        rank = max(1, math.ceil(p / 100 * len(ordered)))
        return ordered[rank - 1] * 1000

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.wall if self.wall else math.nan

    def verdict(self) -> str:
        if self.failures:
            return "FAIL"
        if self.target_p95_ms is None:
            return ""
        return "ok" if self.percentile(95) <= self.target_p95_ms else "MISS"


async def timed(samples: Samples, op: Callable[[], Awaitable[object]]) -> None:
    """Run ``op`` once, adding its latency (or a failure) to ``samples``."""
    start = time.perf_counter()
    try:
        await op()
    except Exception:  # a failure is counted, not raised: the run goes on
        samples.failures += 1
        return
    samples.latencies.append(time.perf_counter() - start)


def table(rows: Sequence[Samples]) -> str:
    head = (f"{'operation':<44} {'n':>6} {'fail':>5} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
            f"{'ops/s':>8} {'target p95':>11}  result")
    lines = [head, "-" * len(head)]
    for r in rows:
        target = f"<= {r.target_p95_ms:g} ms" if r.target_p95_ms is not None else "-"
        lines.append(
            f"{r.name:<44} {len(r.latencies):>6} {r.failures:>5} {r.percentile(50):>8.2f} "
            f"{r.percentile(95):>8.2f} {r.percentile(99):>8.2f} {r.throughput:>8.1f} {target:>11}  "
            f"{r.verdict()}{'  ' + r.note if r.note else ''}")
    return "\n".join(lines)


async def explain(db: Database, query: Callable[[AsyncSession], Awaitable[object]]) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) of every statement ``query`` executes, in order."""
    captured: list[tuple[str, Any]] = []

    def capture(_conn: object, _cursor: object, statement: str, parameters: Any,
                _context: object, _many: bool) -> None:
        captured.append((statement, parameters))

    event.listen(db.engine.sync_engine, "before_cursor_execute", capture)
    try:
        async with db.read() as s:
            await query(s)
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", capture)
    plans: list[str] = []
    async with db.read() as s:
        conn = await s.connection()
        for statement, parameters in captured:
            result = await conn.exec_driver_sql(
                "EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
            plans.append(statement + "\n" + "\n".join(f"    {row[0]}" for row in result))
    return plans

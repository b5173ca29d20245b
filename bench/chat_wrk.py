"""The chat benchmarks' load from wrk (Debian's ``wrk`` package), a C load
generator, so that the machine's two cores go to the server and PostgreSQL
rather than to a Python client (which costs about half a millisecond of CPU
per request here, as much as the bare server itself).

Every request is prepared beforehand (distinct ids, signatures included) and
written to a file as raw HTTP/1.1; ``chat_wrk.lua`` hands them out in order,
each once, over ``concurrency`` keep-alive connections (one wrk thread) for a
fixed time (wrk runs by duration; a run that used up the prepared requests is
refused). The warm-up is a run of its own. wrk measures latency from writing a
request to reading its answer; requests still in flight at the end are sent
and processed but not counted.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

LUA = Path(__file__).with_name("chat_wrk.lua")


def available() -> bool:
    return shutil.which("wrk") is not None


def raw_request(host: str, req: dict[str, Any]) -> bytes:
    body = str(req["body"]).encode("utf-8")
    head = [f"POST {req['path']} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(body)}"]
    head += [f"{k}: {v}" for k, v in req["headers"].items()]
    return ("\r\n".join(head) + "\r\n\r\n").encode("ascii") + body


def _write(path: Path, host: str, reqs: Sequence[dict[str, Any]]) -> None:
    with path.open("wb") as fh:
        for r in reqs:
            data = raw_request(host, r)
            if b"\0" in data:
                raise ValueError("a request holds a NUL byte, the file's separator")
            fh.write(data + b"\0")


def _run(base_url: str, concurrency: int, reqs: Sequence[dict[str, Any]], seconds: int,
         tmp: Path, name: str) -> dict[str, Any]:
    host = urlsplit(base_url).netloc
    data = tmp / f"{name}.reqs"
    _write(data, host, reqs)
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    out = subprocess.run(  # noqa: S603 (arguments ours)
        [wrk, "-t1", f"-c{concurrency}", f"-d{seconds}s", "--timeout", "30s", "-s", str(LUA), base_url,
         "--", str(data)],
        capture_output=True, text=True, check=True)
    last = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if not last:
        raise SystemExit(f"wrk printed no result:\n{out.stdout}\n{out.stderr}")
    result: dict[str, Any] = json.loads(last[-1])
    if result["overrun"]:
        raise SystemExit(f"{name}: wrk ran out of prepared requests ({len(reqs)}); prepare more "
                         "(--rate-cap) or run shorter (--seconds)")
    return result


def run_load(base_url: str, concurrency: int, warmup: Sequence[dict[str, Any]],
             measured: Sequence[dict[str, Any]], tmp: Path, *, warmup_seconds: int,
             seconds: int) -> dict[str, Any]:
    """Like ``chat_load.run``: one dict of counts, throughput and percentiles
    (ms), for a timed run; each request of ``warmup`` / ``measured`` is sent at
    most once (there must be more than the run can send)."""
    warm = _run(base_url, concurrency, warmup, warmup_seconds, tmp, "warmup") if warmup else None
    res = _run(base_url, concurrency, measured, seconds, tmp, "measured")
    wall = res["duration_us"] / 1e6
    errors = res["errors_status"] + res["errors_other"]
    warm_ok = 0 if warm is None else warm["requests"] - warm["errors_status"] - warm["errors_other"]
    return {
        "warmup": 0 if warm is None else warm["requests"], "warmup_ok": warm_ok,
        "n": res["requests"], "ok": res["requests"] - errors, "errors": errors,
        "statuses": {"http >= 400": res["errors_status"], "socket": res["errors_other"]},
        "wall_s": wall, "throughput": res["requests"] / wall if wall else float("nan"),
        "p50_ms": res["p50_us"] / 1000, "p95_ms": res["p95_us"] / 1000, "p99_ms": res["p99_us"] / 1000,
        "max_ms": res["max_us"] / 1000, "concurrency": concurrency,
    }

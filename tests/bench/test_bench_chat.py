"""The chat benchmark at a tiny size on PostgreSQL: its servers start, every
request is answered 200, every one queues its reply in the outbox (and the
bare server inserts its row). Nothing here looks at how fast it was."""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.bench_chat import bench_channel, parse_args
from tests.infra import drop_pg_database, pg_url, recreate_pg_database

pytestmark = pytest.mark.postgres

REQUESTS, WARMUP = 50, 10
REPLY_KEY = {"telegram": "staff.my_jobs", "twilio": "client.status"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def bench_url() -> Iterator[str]:
    name = f"garagebot_bench_chat_test_{os.getpid()}"
    recreate_pg_database(name)  # skips (fails on CI) when PostgreSQL is down
    yield pg_url(name)
    drop_pg_database(name)


@pytest.mark.parametrize("channel", ["telegram", "twilio"])
def test_every_request_is_answered_and_queues_its_reply(bench_url: str, channel: str, tmp_path: Path) -> None:
    opts = parse_args(["--channel", channel, "--url", bench_url, "--requests", str(REQUESTS),
                       "--warmup", str(WARMUP), "--concurrency", "10", "--people", "10",
                       "--port", str(free_port()), "--load", "python"])

    res = bench_channel(opts, channel, tmp_path)

    sent = REQUESTS + WARMUP
    assert (res.ours["n"], res.ours["ok"], res.ours["errors"]) == (REQUESTS, REQUESTS, 0)
    assert res.ours["warmup_ok"] == WARMUP
    assert res.replies_queued == sent
    assert res.events_processed == sent
    assert res.reply_topics == {REPLY_KEY[channel]: sent}
    assert (res.bare["ok"], res.bare_rows) == (REQUESTS, sent)


@pytest.mark.skipif(shutil.which("wrk") is None and not os.environ.get("CI"),
                    reason="wrk is not installed: apt-get install wrk (.ci/run installs it)")
@pytest.mark.parametrize("channel", ["telegram", "twilio"])
def test_under_wrk_every_answered_request_queued_its_reply(bench_url: str, channel: str,
                                                           tmp_path: Path) -> None:
    opts = parse_args(["--channel", channel, "--url", bench_url, "--concurrency", "10", "--people", "10",
                       "--port", str(free_port()), "--load", "wrk", "--seconds", "1",
                       "--warmup-seconds", "1"])  # the default --rate-cap outruns the bare server

    res = bench_channel(opts, channel, tmp_path)

    answered = res.ours["warmup_ok"] + res.ours["ok"]
    assert res.ours["n"] > 0
    assert res.ours["errors"] == 0
    assert res.ours["warmup_ok"] > 0
    # wrk's last requests may still be in flight when it stops: sent and processed, not counted
    assert answered <= res.replies_queued <= answered + 2 * opts.concurrency
    assert res.events_processed == res.replies_queued
    assert res.reply_topics == {REPLY_KEY[channel]: res.replies_queued}
    assert res.bare["n"] > 0
    assert res.bare["warmup_ok"] + res.bare["ok"] <= res.bare_rows

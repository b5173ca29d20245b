"""The chat benchmark at a tiny size on PostgreSQL: its servers start, every
request is answered 200, every one queues its reply in the outbox (and the
bare server inserts its row). Nothing here looks at how fast it was."""

from __future__ import annotations

import os
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
                       "--port", str(free_port())])

    res = bench_channel(opts, channel, tmp_path)

    sent = REQUESTS + WARMUP
    assert (res.ours["n"], res.ours["ok"], res.ours["errors"]) == (REQUESTS, REQUESTS, 0)
    assert res.ours["warmup_ok"] == WARMUP
    assert res.replies_queued == sent
    assert res.events_processed == sent
    assert res.reply_topics == {REPLY_KEY[channel]: sent}
    assert (res.bare["ok"], res.bare_rows) == (REQUESTS, sent)

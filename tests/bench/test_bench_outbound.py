"""The outbound benchmark at a tiny size on PostgreSQL and Redis: a real worker
drains the backlog and the reply through the fake providers, each message
exactly once, no rate limit exceeded, everything stored as sent. Nothing here
looks at how fast it was."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.bench_outbound import parse_args, report, run
from tests.infra import drop_pg_database, pg_url, recreate_pg_database, require_redis

pytestmark = pytest.mark.postgres


@pytest.fixture
def bench_url() -> Iterator[str]:
    name = f"garagebot_bench_outbound_test_{os.getpid()}"
    recreate_pg_database(name)  # skips (fails on CI) when PostgreSQL is down
    yield pg_url(name)
    drop_pg_database(name)


def test_the_backlog_and_the_reply_are_each_sent_once_within_the_limits(
    bench_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    opts = parse_args(["--url", bench_url, "--redis-url", require_redis(), "--garages", "3",
                       "--messages", "45", "--per-garage", "20", "--timeout", "120"])

    result = asyncio.run(run(opts, tmp_path))

    assert (result.sent, result.expected, result.stored_sent) == (46, 46, 46)
    assert result.duplicates == 0
    assert result.violations == []
    assert len(result.latencies) == 45
    assert report(opts, result)  # correct (the speed targets are not asked of a tiny run)
    assert "targets:" in capsys.readouterr().out

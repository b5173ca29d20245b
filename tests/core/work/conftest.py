"""Fixtures of the work tests.

The work tests keep a PostgreSQL database of their own (``<test db>_work``):
each pytest process drops and recreates its database at start, so test runs
of other folders going on at the same time must not pull it from under these.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator

import pytest

from tests.conftest import _create_schema
from tests.fakes import MemoryFileStorage
from tests.infra import PG_TEST_DB, drop_pg_database, pg_url, recreate_pg_database


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    name = f"{PG_TEST_DB}_work_{os.getpid()}"  # per process: parallel runs never drop each other's
    recreate_pg_database(name)
    url = pg_url(name)
    asyncio.run(_create_schema(url))
    yield url
    drop_pg_database(name)


@pytest.fixture
def storage() -> MemoryFileStorage:
    return MemoryFileStorage()

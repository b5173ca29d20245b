"""Billing tests use a PostgreSQL database of their own, so that other test
runs in the same checkout (which recreate the shared test database) cannot
drop it under them."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator

import pytest

from tests.conftest import _create_schema
from tests.infra import drop_pg_database, pg_url, recreate_pg_database

DATABASE = "garagebot_test_billing"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    name = f"{DATABASE}_{os.getpid()}"  # per process: parallel runs never drop each other's
    recreate_pg_database(name)
    url = pg_url(name)
    asyncio.run(_create_schema(url))
    yield url
    drop_pg_database(name)

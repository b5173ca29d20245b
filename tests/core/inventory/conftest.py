"""Inventory tests use a PostgreSQL database of their own, so that other test
runs in the same checkout (which recreate the shared test database) cannot
drop it under them."""

from __future__ import annotations

import asyncio

import pytest

from tests.conftest import _create_schema
from tests.infra import pg_url, recreate_pg_database

DATABASE = "garagebot_test_inventory"


@pytest.fixture(scope="session")
def postgres_url() -> str:
    recreate_pg_database(DATABASE)
    url = pg_url(DATABASE)
    asyncio.run(_create_schema(url))
    return url

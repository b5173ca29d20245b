"""Models and migrations agree: on a fresh SQLite file and a fresh PostgreSQL
database, ``upgrade head`` followed by alembic's autogenerate comparison finds
no difference. Also ``garagebot migrate`` and the ``alembic`` command itself."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

import garagebot.core.models  # noqa: F401  (registers every table)
from garagebot.app.cli import main
from garagebot.app.migrate import MIGRATIONS_DIR, upgrade
from garagebot.core.db import Base
from tests.infra import PG_TEST_DB, pg_url, recreate_pg_database

ROOT = MIGRATIONS_DIR.parent
GENERATE = (
    "rm -f /tmp/garagebot-autogen.db && .venv/bin/alembic -x "
    "url=sqlite+aiosqlite:////tmp/garagebot-autogen.db revision --autogenerate -m initial"
)


@pytest.fixture(autouse=True)
def _a_migration_exists() -> None:
    if not list((MIGRATIONS_DIR / "versions").glob("*.py")):
        pytest.fail(f"no migration under migrations/versions; generate it with: {GENERATE}",
                    pytrace=False)


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def upgrade_and_compare(url: str) -> list[Any]:
    await upgrade(url)
    engine = create_async_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_differences)
    finally:
        await engine.dispose()


async def test_on_a_fresh_sqlite_file_the_migrations_build_exactly_the_models(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/fresh.db"
    assert await upgrade_and_compare(url) == []
    assert await upgrade_and_compare(url) == []  # a second upgrade is a no-op


@pytest.fixture
def fresh_pg() -> str:
    recreate_pg_database(f"{PG_TEST_DB}_migrate_{os.getpid()}")
    return pg_url(f"{PG_TEST_DB}_migrate_{os.getpid()}")


@pytest.mark.postgres
async def test_on_a_fresh_postgresql_database_the_migrations_build_exactly_the_models(
    fresh_pg: str,
) -> None:
    assert await upgrade_and_compare(fresh_pg) == []


def test_garagebot_migrate_makes_a_database_the_services_can_use(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GARAGEBOT_DATABASE_URL", f"sqlite+aiosqlite:///{clean_env}/data/app.db")
    assert main(["migrate"]) == 0
    assert capsys.readouterr().out == "database at revision head\n"
    assert main(["create-org", "--slug", "fresh", "--name-en", "Fresh", "--name-ar", "جديد"]) == 0
    assert capsys.readouterr().out == "1\n"
    assert main(["audit", "verify"]) == 0
    assert asyncio.run(upgrade_and_compare(f"sqlite+aiosqlite:///{clean_env}/data/app.db")) == []


def test_the_alembic_command_upgrades_and_finds_nothing_left_to_generate(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GARAGEBOT_")}
    alembic = str(Path(sys.executable).parent / "alembic")
    url_arg = f"url=sqlite+aiosqlite:///{tmp_path}/cli.db"
    for command in (["upgrade", "head"], ["check"]):
        done = subprocess.run(  # noqa: S603  (the installed alembic)
            [alembic, "-x", url_arg, *command], cwd=ROOT, env=env, capture_output=True, text=True,
            timeout=120, check=False,
        )
        assert done.returncode == 0, done.stderr
    assert "No new upgrade operations detected" in done.stdout + done.stderr

"""Shared fixtures: a database per backend (SQLite and PostgreSQL), a fake
clock, a fresh garage per test and its staff in every role.

The schema is created once per run per backend; tests isolate themselves by
working in a garage of their own (every query is scoped to one).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import garagebot.core.models  # noqa: F401  (registers every table)
from garagebot.core.actor import Actor
from garagebot.core.db import Base
from garagebot.core.enums import Channel, Role, Skill
from garagebot.core.ids import OrgId, UserId
from garagebot.core.staff import create_organization, create_user
from garagebot.core.uow import Database
from tests.fakes import FakeClock
from tests.infra import PG_TEST_DB, drop_pg_database, pg_url, recreate_pg_database

# 09:00 in Amman on 2026-11-22.
START = dt.datetime(2026, 11, 22, 6, 0, tzinfo=dt.UTC)


async def _create_schema(url: str) -> None:
    from garagebot.core.db import make_engine

    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.drop_all)
        await conn.run_sync(Base.metadata.create_all)
    await engine.dispose()


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path: Path = tmp_path_factory.mktemp("db") / "test.db"
    url = f"sqlite+aiosqlite:///{path}"
    asyncio.run(_create_schema(url))
    return url


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    # One database per pytest process, so parallel runs never drop each other's.
    name = f"{PG_TEST_DB}_{os.getpid()}"
    recreate_pg_database(name)
    url = pg_url(name)
    asyncio.run(_create_schema(url))
    yield url
    drop_pg_database(name)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(name))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
async def db(db_url: str, clock: FakeClock) -> AsyncIterator[Database]:
    database = Database(db_url, clock=clock)
    yield database
    await database.dispose()


async def new_garage(db: Database, **kwargs: object) -> OrgId:
    slug = f"g-{uuid.uuid4().hex[:12]}"
    return await create_organization(
        db, slug=slug, name_en="Test Garage", name_ar="كراج التجربة", **kwargs  # type: ignore[arg-type]
    )


@pytest.fixture
async def org(db: Database) -> OrgId:
    return await new_garage(db)


@dataclass(frozen=True)
class Staff:
    """One actor per role (two technicians), all of one garage, acting from Telegram."""

    org: OrgId
    owner: Actor
    manager: Actor
    advisor: Actor
    lead: Actor
    tech: Actor
    tech2: Actor
    assistant: Actor
    inventory: Actor
    accountant: Actor

    def id(self, actor: Actor) -> UserId:
        assert actor.id is not None
        return UserId(actor.id)


async def make_staff(db: Database, org: OrgId) -> Staff:
    system = Actor.system(org)
    specs: list[tuple[str, Role, list[Skill]]] = [
        ("owner", Role.OWNER, []),
        ("manager", Role.MANAGER, []),
        ("advisor", Role.ADVISOR, []),
        ("lead", Role.LEAD_TECHNICIAN, [Skill.MECHANICAL, Skill.ELECTRICAL]),
        ("tech", Role.TECHNICIAN, [Skill.MECHANICAL]),
        ("tech2", Role.TECHNICIAN, [Skill.MECHANICAL, Skill.ELECTRICAL, Skill.AC]),
        ("assistant", Role.ASSISTANT, []),
        ("inventory", Role.INVENTORY, []),
        ("accountant", Role.ACCOUNTANT, []),
    ]
    actors: dict[str, Actor] = {}
    async with db.unit_of_work(system) as uow:
        for name, role, skills in specs:
            uid = await create_user(uow, name=name.title(), role=role, skills=skills)
            actors[name] = Actor.user(org, uid, Channel.TELEGRAM)
    return Staff(org=org, **actors)


@pytest.fixture
async def staff(db: Database, org: OrgId) -> Staff:
    return await make_staff(db, org)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Escape lone surrogates in what a test captured (hostile input logged on
    purpose), so pytest-xdist can send the report from its worker as UTF-8."""
    report.sections = [(title, text.encode("utf-8", "backslashreplace").decode("utf-8"))
                       for title, text in report.sections]

"""Alembic environment for garagebot (async engines: aiosqlite and asyncpg).

The URL comes from, in order: a connection handed over by ``garagebot migrate``
(``config.attributes["connection"]``), ``config.attributes["url"]``,
``alembic -x url=...``, and finally GARAGEBOT_DATABASE_URL (with its default).
SQLite runs in batch mode (it cannot ALTER most things in place); column types
are compared, so a changed type shows up in autogenerate.
"""

from __future__ import annotations

import asyncio
from logging.config import fileConfig
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from alembic.autogenerate.render import _repr_type
from pydantic import ValidationError
from sqlalchemy import JSON, pool
from sqlalchemy.engine import Connection, Dialect, make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.types import TypeDecorator, TypeEngine

import garagebot.core.models  # noqa: F401  (registers every table on the metadata)
from garagebot.core.db import Base

config = context.config
target_metadata = Base.metadata

if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _url() -> str:
    given = config.attributes.get("url") or context.get_x_argument(as_dictionary=True).get("url")
    if given:
        return str(given)
    from garagebot.app.settings import Settings

    try:
        return Settings().database_url
    except ValidationError as exc:
        raise SystemExit(f"GARAGEBOT_DATABASE_URL: {exc.errors()[0]['msg']}") from None


def _dialect(name: str) -> Dialect:
    return make_url(f"{name}://").get_dialect()()


def _plain(decorated: TypeDecorator[Any]) -> TypeEngine[Any]:
    """The plain type a TypeDecorator stores on each engine (a variant when they differ)."""
    on_pg = decorated.load_dialect_impl(_dialect("postgresql")).as_generic()
    on_sqlite = decorated.load_dialect_impl(_dialect("sqlite")).as_generic()
    if repr(on_pg) == repr(on_sqlite):
        return on_pg
    return on_pg.with_variant(on_sqlite, "sqlite")


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Write our own column types (TypeDecorators) as the plain SQLAlchemy types they
    store, so a migration never imports application code that may change after it."""
    if type_ != "type":
        return False
    if isinstance(obj, TypeDecorator):
        return _repr_type(_plain(obj), autogen_context)
    if isinstance(obj, JSON) and "postgresql" in obj._variant_mapping:
        # Alembic writes JSONB's astext_type without its "sa." prefix; spell it out.
        autogen_context.imports.add("from sqlalchemy.dialects import postgresql, sqlite")
        return (
            "sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')"
            ".with_variant(sqlite.JSON(), 'sqlite')"
        )
    return False


def _configure(**kwargs: Any) -> None:
    context.configure(
        target_metadata=target_metadata,
        compare_type=True,
        render_item=render_item,
        **kwargs,
    )


def run_migrations_offline() -> None:
    url = _url()
    _configure(
        url=url, literal_binds=True, dialect_opts={"paramstyle": "named"},
        render_as_batch=url.startswith("sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()


def do_run_migrations(connection: Connection) -> None:
    _configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


async def run_async_migrations() -> None:
    engine = create_async_engine(_url(), poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(do_run_migrations)
    finally:
        await engine.dispose()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        do_run_migrations(connection)
    else:
        asyncio.run(run_async_migrations())


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

"""Persistence plumbing: declarative base, column types and the engine.

SQLite is opened so that every transaction starts with ``BEGIN IMMEDIATE``:
``SELECT … FOR UPDATE`` does nothing there, so a writer takes the database's
write lock up front instead of failing later with "database is locked" on
upgrade. PostgreSQL runs at READ COMMITTED; rules that need serialising rely on
row locks taken by conditional ``UPDATE``s and upserts, which behave the same
on both engines.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import DDL, JSON, BigInteger, DateTime, Integer, MetaData, Numeric, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# BIGINT on PostgreSQL; INTEGER on SQLite so that it is an alias of ROWID and autoincrements.
BigId = BigInteger().with_variant(Integer(), "sqlite")
JsonType = JSON().with_variant(postgresql.JSONB(), "postgresql").with_variant(sqlite.JSON(), "sqlite")


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on both engines.

    SQLite has no time zone type, so values are stored naive in UTC and the
    zone is put back on read. Naive input is refused: it is always a bug.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Amount(TypeDecorator[Decimal]):
    """Exact decimal amounts: NUMERIC(18, 3) everywhere (JOD needs 3 places).

    SQLite has no decimal type, so the value is stored as text and read back
    exactly (never through a float).
    """

    impl = Numeric(18, 3)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "sqlite":
            from sqlalchemy import String

            return dialect.type_descriptor(String(40))
        return dialect.type_descriptor(Numeric(18, 3, asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, Decimal) or not value.is_finite():
            raise ValueError("Amount columns take finite Decimals only")
        return str(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(str(value))


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


# The trigram indexes of the search columns need pg_trgm (a trusted extension,
# which a database owner may create); the migration creates it the same way.
event.listen(Base.metadata, "before_create",
             DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"))  # type: ignore[no-untyped-call]


def _sqlite_on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    # Let SQLAlchemy's "begin" event below emit BEGIN itself.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_on_begin(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str, *, echo: bool = False, pool_size: int = 10,
                max_overflow: int | None = None) -> AsyncEngine:
    """Build the async engine for ``url`` with the per-engine settings above."""
    if url.startswith("sqlite"):
        engine = create_async_engine(url, echo=echo)
        event.listen(engine.sync_engine, "connect", _sqlite_on_connect)
        event.listen(engine.sync_engine, "begin", _sqlite_on_begin)
        return engine
    return create_async_engine(
        url, echo=echo, pool_size=pool_size,
        max_overflow=pool_size * 2 if max_overflow is None else max_overflow, pool_pre_ping=False
    )

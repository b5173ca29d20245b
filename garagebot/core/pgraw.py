"""Raw asyncpg statements inside a SQLAlchemy session's transaction, for the
chat hot path on PostgreSQL.

A statement through SQLAlchemy's async session costs about three times the
CPU of the same statement sent with asyncpg directly (measured in
``bench/README.md`` §3), and the chat engine runs a handful per message. The
few statements it runs on every message therefore go to the asyncpg
connection *under* the session: same connection, same transaction, so they
commit or roll back with everything else the unit of work does. Other
dialects get ``None`` and the caller uses its SQLAlchemy statement.

Only plain columns go this way (text, integers, booleans, timestamps with a
zone); JSONB values are passed as JSON text and come back decoded, through
the codec SQLAlchemy registers on its connections.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.expression import Select


async def driver(session: AsyncSession) -> Any | None:
    """The asyncpg connection of ``session``'s transaction (started if SQLAlchemy
    has not sent its BEGIN yet), or None when the database is not PostgreSQL."""
    if session.bind.dialect.name != "postgresql":
        return None
    transaction = session.sync_session.get_transaction()
    cached = session.info.get(_KEY)
    if cached is not None and transaction is not None and cached[0] is transaction:
        return cached[1]  # same transaction, so the same connection
    conn = await session.connection()
    fairy = await conn.get_raw_connection()
    adapted: Any = fairy.dbapi_connection
    # SQLAlchemy's asyncpg adapter sends BEGIN lazily, with its first statement;
    # ours may come first. (In AUTOCOMMIT sessions this does nothing.)
    if not adapted._started:
        await adapted._start_transaction()
    raw = fairy.driver_connection
    session.info[_KEY] = (session.sync_session.get_transaction(), raw)
    return raw


_KEY = "garagebot.pgraw"


def jsonb(value: object) -> str:
    """A JSONB parameter as the connection's codec takes it (JSON text)."""
    return json.dumps(value, default=str, ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class Prepared:
    """A SQLAlchemy statement compiled once for asyncpg: its SQL with ``$n``
    placeholders, the bind names in placeholder order and the values of the
    binds the statement carries itself (literals such as an IN list)."""

    sql: str
    names: tuple[str, ...]
    fixed: Mapping[str, Any]

    def args(self, params: Mapping[str, Any]) -> list[Any]:
        return [params[n] if n in params else self.fixed[n] for n in self.names]


def prepare(stmt: Select[Any], **examples: Any) -> Prepared:
    """Compile ``stmt`` for raw execution. ``examples``: a value for each bind
    given at execution time (needed to render IN lists as plain placeholders;
    the values themselves are not kept)."""
    bound = stmt.params(**examples) if examples else stmt
    dialect = asyncpg_dialect()  # type: ignore[no-untyped-call]
    compiled = bound.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    fixed = {k: v for k, v in compiled.params.items() if k not in examples}
    return Prepared(compiled.string, tuple(compiled.positiontup or ()), fixed)


async def fetch(session: AsyncSession, prepared: Prepared, params: Mapping[str, Any]) -> Sequence[Any] | None:
    """The rows (asyncpg records: ``row["column"]``), or None when not on
    PostgreSQL (run the SQLAlchemy statement instead)."""
    raw = await driver(session)
    if raw is None:
        return None
    rows: Sequence[Any] = await raw.fetch(prepared.sql, *prepared.args(params))
    return rows

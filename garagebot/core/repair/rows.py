"""Small persistence helpers shared by the repair services."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy.dialects import postgresql, sqlite

from garagebot.core.db import Base
from garagebot.core.uow import UnitOfWork

R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Upsert(Generic[R]):
    """A row found or created at intake, with what intake filled in on a found one."""

    row: R
    created: bool
    before: Mapping[str, object] = field(default_factory=dict)
    after: Mapping[str, object] = field(default_factory=dict)


async def insert_ignore(
    uow: UnitOfWork, model: type[Base], values: Mapping[str, Any], conflict: Sequence[str]
) -> int | None:
    """``INSERT … ON CONFLICT (conflict) DO NOTHING RETURNING id``: the new id, or
    None when a row with the same key exists (also one a concurrent transaction
    just committed: PostgreSQL waits for it instead of failing the transaction)."""
    dialect = uow.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = model.__table__
    stmt = (
        insert(model)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[table.c[name] for name in conflict])
        .returning(table.c.id)
    )
    new_id = (await uow.session.execute(stmt)).scalar_one_or_none()
    return None if new_id is None else int(new_id)


def apply_changes(row: object, changes: Mapping[str, object]) -> tuple[dict[str, object], dict[str, object]]:
    """Set the attributes of ``row`` that differ from ``changes``; return the
    (before, after) of those that changed, for the audit entry."""
    before: dict[str, object] = {}
    after: dict[str, object] = {}
    for name, value in changes.items():
        old = getattr(row, name)
        if old != value:
            before[name], after[name] = old, value
            setattr(row, name, value)
    return before, after

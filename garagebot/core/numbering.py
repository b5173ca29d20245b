"""Gapless document numbers per garage, kind and period.

The counter row is upserted inside the caller's transaction: a rollback takes
the number back with everything else, so no gap appears (a PostgreSQL sequence
would leave one). The upsert row-locks the counter until commit, so concurrent
creators take numbers one after another.
"""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.core.models import Counter


async def next_value(session: AsyncSession, organization_id: int, kind: str, period: str) -> int:
    dialect = session.get_bind().dialect.name
    ins = postgresql.insert(Counter) if dialect == "postgresql" else sqlite.insert(Counter)
    stmt = (
        ins.values(organization_id=organization_id, kind=kind, period=period, value=1)
        .on_conflict_do_update(
            index_elements=[Counter.organization_id, Counter.kind, Counter.period],
            set_={"value": Counter.value + 1},
        )
        .returning(Counter.value)
    )
    return int((await session.execute(stmt)).scalar_one())

"""Questions other parts of core ask about a session's parts (no writes)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.core.inventory.states import OPEN_RESERVATION_STATES
from garagebot.core.models.inventory import Reservation


async def unconsumed_reservation_count(
    session: AsyncSession, organization_id: int, session_id: int
) -> int:
    """How many reservations of the repair session are still RESERVED or PICKED
    (neither consumed nor returned). A session cannot complete while this is > 0."""
    stmt = select(func.count(Reservation.id)).where(
        Reservation.organization_id == organization_id,
        Reservation.session_id == session_id,
        Reservation.status.in_(OPEN_RESERVATION_STATES),
    )
    return int((await session.execute(stmt)).scalar_one())

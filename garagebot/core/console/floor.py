"""Dashboard counts beyond ``core/kpi.py``: stock items in alert (below their
minimum, or short for the parts sessions wait for), as flagged by
``inventory.alerts``."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.core.ids import OrgId
from garagebot.core.models import InventoryItem


async def inventory_alerts(session: AsyncSession, org_id: OrgId) -> int:
    """Active items of the garage in a low-stock or shortage alert."""
    alerted = or_(InventoryItem.low_stock_alerted.is_(True), InventoryItem.shortage_alerted.is_(True))
    stmt = select(func.count()).select_from(InventoryItem).where(
        InventoryItem.organization_id == org_id, InventoryItem.active.is_(True), alerted)
    return int((await session.execute(stmt)).scalar_one())

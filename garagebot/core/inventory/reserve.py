"""Building blocks shared by the parts services: an open session, an active
item, and taking a reservation from a store's available stock."""

from __future__ import annotations

from decimal import Decimal

from garagebot.core.enums import SessionStatus
from garagebot.core.errors import InvalidInput, InvalidTransition
from garagebot.core.inventory.ledger import (
    ZERO,
    acting_user_id,
    add_move,
    change_level,
    try_change_level,
)
from garagebot.core.inventory.states import MoveKind, ReservationSource, ReservationStatus
from garagebot.core.models import RepairSession
from garagebot.core.models.inventory import InventoryItem, Reservation
from garagebot.core.uow import UnitOfWork

CLOSED_SESSION_STATES = frozenset(
    {SessionStatus.COMPLETED.value, SessionStatus.DELIVERED.value, SessionStatus.CANCELLED.value}
)


async def open_session(uow: UnitOfWork, session_id: int) -> RepairSession:
    """The garage's repair session, refused when it is completed, delivered or cancelled."""
    session = await uow.get(RepairSession, session_id)
    if session.status in CLOSED_SESSION_STATES:
        raise InvalidTransition("error.inventory_session_closed", session=session.number,
                                status=session.status)
    return session


async def active_item(uow: UnitOfWork, item_id: int) -> InventoryItem:
    item = await uow.get(InventoryItem, item_id)
    if not item.active:
        raise InvalidInput("error.inventory_item_inactive", sku=item.sku)
    return item


async def reserve_from_stock(
    uow: UnitOfWork,
    session_id: int,
    item: InventoryItem,
    location_id: int,
    quantity: Decimal,
    unit_price: Decimal,
    *,
    job_card_id: int | None = None,
    must: bool = True,
) -> Reservation | None:
    """Hold ``quantity`` of the store's available stock for the session.

    One conditional UPDATE decides; when it finds too little, ``must`` raises
    Conflict("error.not_enough_stock") and otherwise None is returned with
    nothing written.
    """
    if must:
        await change_level(uow, item, location_id, ZERO, quantity)
    elif not await try_change_level(uow, item.id, location_id, ZERO, quantity):
        return None
    res = Reservation(
        organization_id=uow.org_id, session_id=session_id, job_card_id=job_card_id, item_id=item.id,
        location_id=location_id, quantity=quantity, status=ReservationStatus.RESERVED.value,
        source=ReservationSource.STOCK.value, unit_cost=item.cost, unit_price=unit_price,
        created_by_id=acting_user_id(uow), created_at=uow.now,
    )
    uow.session.add(res)
    await uow.session.flush()
    await add_move(uow, MoveKind.RESERVE, item.id, location_id, quantity, ZERO, quantity,
                   reservation_id=res.id, session_id=session_id)
    return res


def snapshot(res: Reservation) -> dict[str, object]:
    """The reservation as audited and as sent in events."""
    return {
        "session_id": res.session_id, "item_id": res.item_id, "location_id": res.location_id,
        "quantity": res.quantity, "status": res.status, "source": res.source,
        "unit_cost": res.unit_cost, "unit_price": res.unit_price, "cost_total": res.cost_total,
        "supplier_id": res.supplier_id, "override_reason": res.override_reason,
    }

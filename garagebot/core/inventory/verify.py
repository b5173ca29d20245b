"""Does the stock on record match what the ledger implies? (``garagebot stock verify``)

Four checks per garage, each recomputed from the append-only rows:

- ``on_hand`` and ``reserved`` of every (item, store) level equal the sums of
  the ledger's deltas;
- ``reservations``: reserved equals the quantity of the RESERVED and PICKED
  reservations held in that store;
- ``layers``: the units left in an item's cost layers equal its on-hand over
  every store.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import ColumnElement, func, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped

from garagebot.core.inventory.states import OPEN_RESERVATION_STATES
from garagebot.core.models import Organization
from garagebot.core.models.inventory import (
    CostLayer,
    InventoryItem,
    Quantity,
    Reservation,
    StockLevel,
    StockMove,
)

ZERO = Decimal("0.000")
Key = tuple[int, int]


@dataclass(frozen=True, slots=True)
class StockDrift:
    """One disagreement: ``expected`` is what the ledger implies, ``recorded`` what is stored."""

    organization_id: int
    item_id: int
    sku: str
    location_id: int | None  # None for the item-wide layer check
    check: str  # "on_hand", "reserved", "reservations" or "layers"
    expected: Decimal
    recorded: Decimal


async def organization_ids(session: AsyncSession) -> list[int]:
    """Every garage, for commands that verify them all."""
    return list((await session.scalars(select(Organization.id).order_by(Organization.id))).all())


def _qsum(column: Mapped[Decimal]) -> ColumnElement[Decimal]:
    return type_coerce(func.coalesce(func.sum(column), 0), Quantity())


async def _ledger(session: AsyncSession, org_id: int) -> dict[Key, tuple[Decimal, Decimal]]:
    stmt = (
        select(StockMove.item_id, StockMove.location_id, _qsum(StockMove.on_hand_delta),
               _qsum(StockMove.reserved_delta))
        .where(StockMove.organization_id == org_id)
        .group_by(StockMove.item_id, StockMove.location_id)
    )
    return {(r[0], r[1]): (r[2], r[3]) for r in (await session.execute(stmt)).all()}


async def _held(session: AsyncSession, org_id: int) -> dict[Key, Decimal]:
    stmt = (
        select(Reservation.item_id, Reservation.location_id, _qsum(Reservation.quantity))
        .where(Reservation.organization_id == org_id, Reservation.status.in_(OPEN_RESERVATION_STATES))
        .group_by(Reservation.item_id, Reservation.location_id)
    )
    return {(r[0], r[1]): r[2] for r in (await session.execute(stmt)).all()}


async def _layers(session: AsyncSession, org_id: int) -> dict[int, Decimal]:
    stmt = (
        select(CostLayer.item_id, _qsum(CostLayer.remaining))
        .where(CostLayer.organization_id == org_id)
        .group_by(CostLayer.item_id)
    )
    return {r[0]: r[1] for r in (await session.execute(stmt)).all()}


async def verify_stock(session: AsyncSession, org_id: int) -> list[StockDrift]:
    """Every drift between the garage's stock levels and its ledger (empty when sound)."""
    levels = {
        (row.item_id, row.location_id): (row.on_hand, row.reserved)
        for row in (await session.scalars(select(StockLevel).where(StockLevel.organization_id == org_id)))
    }
    ledger, held, layers = await _ledger(session, org_id), await _held(session, org_id), await _layers(
        session, org_id
    )
    skus = dict(
        (await session.execute(
            select(InventoryItem.id, InventoryItem.sku).where(InventoryItem.organization_id == org_id)
        )).tuples().all()
    )
    drifts: list[StockDrift] = []

    def drift(item_id: int, loc: int | None, check: str, expected: Decimal, recorded: Decimal) -> None:
        if expected != recorded:
            drifts.append(StockDrift(org_id, item_id, skus.get(item_id, "?"), loc, check, expected, recorded))

    on_hand_by_item: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for key in sorted(set(levels) | set(ledger) | set(held)):
        on_hand, reserved = levels.get(key, (ZERO, ZERO))
        moved_on_hand, moved_reserved = ledger.get(key, (ZERO, ZERO))
        drift(key[0], key[1], "on_hand", moved_on_hand, on_hand)
        drift(key[0], key[1], "reserved", moved_reserved, reserved)
        drift(key[0], key[1], "reservations", held.get(key, ZERO), reserved)
        on_hand_by_item[key[0]] += on_hand
    for item_id in sorted(set(on_hand_by_item) | set(layers)):
        drift(item_id, None, "layers", on_hand_by_item.get(item_id, ZERO), layers.get(item_id, ZERO))
    return drifts

"""Parts: what was used in a period, and which items ran out.

Usage is read from the stock ledger: every CONSUME move in the period (a
part going into a car), per item, with its exact cost from the cost layers.

Stock-outs are read from the ledger too, on the item's available quantity
(on hand - reserved, over every store: what the garage could still promise).
The moves of one transaction share their time and are applied together, so
a transfer between stores or a part bought for a job is never a dip. An item
is listed when, in the period, its available quantity fell to zero
(``stockouts`` counts those falls) or fell below its minimum (``below_min``;
items with minimum 0 have none), or when sessions wait now for more of it
than is available now (``open_demand``: open part requests).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from itertools import groupby

from sqlalchemy import ColumnElement, func, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from garagebot.core.ids import OrgId
from garagebot.core.inventory.states import MoveKind, PartRequestStatus
from garagebot.core.models.inventory import (
    InventoryItem,
    PartRequest,
    Quantity,
    StockLevel,
    StockMove,
)
from garagebot.core.money import Money
from garagebot.core.reports.period import Period, load_garage

ZERO = Decimal("0.000")


@dataclass(frozen=True, slots=True)
class PartUsage:
    sku: str
    name: str
    unit: str
    quantity: Decimal
    uses: int
    sessions: int
    cost: Money


@dataclass(frozen=True, slots=True)
class Stockout:
    sku: str
    name: str
    min_level: Decimal
    opening_available: Decimal
    lowest_available: Decimal
    closing_available: Decimal
    stockouts: int
    below_min: int
    available_now: Decimal
    open_demand: Decimal


async def parts_usage(session: AsyncSession, org_id: OrgId, *, period: Period) -> list[PartUsage]:
    """Each item consumed in the period: quantity, number of uses and sessions,
    exact cost; most costly first."""
    garage = await load_garage(session, org_id)
    since, until = garage.bounds(period)
    rows = (await session.execute(
        select(StockMove.item_id, StockMove.quantity, StockMove.cost_total, StockMove.session_id)
        .where(StockMove.organization_id == org_id, StockMove.kind == MoveKind.CONSUME.value,
               StockMove.created_at >= since, StockMove.created_at < until)
    )).all()
    quantity: dict[int, Decimal] = defaultdict(Decimal)
    cost: dict[int, Decimal] = defaultdict(Decimal)
    uses: dict[int, int] = defaultdict(int)
    sessions: dict[int, set[int]] = defaultdict(set)
    for item_id, qty, value, session_id in rows:
        quantity[item_id] += qty
        cost[item_id] += value or ZERO
        uses[item_id] += 1
        if session_id is not None:
            sessions[item_id].add(session_id)
    items = await _items(session, org_id, set(uses))
    out = [
        PartUsage(items[i].sku, items[i].name_en, items[i].unit, quantity[i], uses[i], len(sessions[i]),
                  Money(cost[i], garage.currency))
        for i in uses
    ]
    return sorted(out, key=lambda u: (-u.cost.amount, u.sku))


async def _items(session: AsyncSession, org_id: OrgId, ids: set[int]) -> dict[int, InventoryItem]:
    if not ids:
        return {}
    found = (await session.scalars(
        select(InventoryItem).where(InventoryItem.organization_id == org_id, InventoryItem.id.in_(ids))
    )).all()
    return {i.id: i for i in found}


def _sum(column: ColumnElement[Decimal] | InstrumentedAttribute[Decimal]) -> ColumnElement[Decimal]:
    """A SQL sum of quantities (integer thousandths: exact on both engines)."""
    return type_coerce(func.coalesce(func.sum(column), 0), Quantity())


async def _opening(session: AsyncSession, org_id: OrgId, since: dt.datetime) -> dict[int, Decimal]:
    """Available per item just before ``since`` (integer thousandths summed in SQL: exact)."""
    rows = (await session.execute(
        select(StockMove.item_id, _sum(StockMove.on_hand_delta - StockMove.reserved_delta)).where(
            StockMove.organization_id == org_id, StockMove.created_at < since)
        .group_by(StockMove.item_id)
    )).all()
    return {item_id: value for item_id, value in rows}


async def _now(session: AsyncSession, org_id: OrgId) -> tuple[dict[int, Decimal], dict[int, Decimal]]:
    """(available now, open demand now) per item."""
    available = (await session.execute(
        select(StockLevel.item_id, _sum(StockLevel.on_hand - StockLevel.reserved))
        .where(StockLevel.organization_id == org_id).group_by(StockLevel.item_id)
    )).tuples().all()
    demand = (await session.execute(
        select(PartRequest.item_id, _sum(PartRequest.quantity))
        .where(PartRequest.organization_id == org_id, PartRequest.status == PartRequestStatus.OPEN.value)
        .group_by(PartRequest.item_id)
    )).tuples().all()
    return dict(available), dict(demand)


@dataclass(slots=True)
class _Walk:
    """An item's available quantity followed through the period's moves."""

    opening: Decimal
    min_level: Decimal
    available: Decimal = ZERO
    lowest: Decimal = ZERO
    stockouts: int = 0
    below_min: int = 0

    def __post_init__(self) -> None:
        self.available = self.lowest = self.opening

    def apply(self, delta: Decimal) -> None:
        before, self.available = self.available, self.available + delta
        self.lowest = min(self.lowest, self.available)
        self.stockouts += before > 0 >= self.available
        self.below_min += self.min_level > 0 and before >= self.min_level > self.available


async def stockouts(session: AsyncSession, org_id: OrgId, *, period: Period) -> list[Stockout]:
    """Items that ran out or below their minimum in the period, or are short
    now (see the module docstring); by SKU."""
    garage = await load_garage(session, org_id)
    since, until = garage.bounds(period)
    opening = await _opening(session, org_id, since)
    moves = (await session.execute(
        select(StockMove.item_id, StockMove.created_at,
               type_coerce(StockMove.on_hand_delta - StockMove.reserved_delta, Quantity()))
        .where(StockMove.organization_id == org_id, StockMove.created_at >= since,
               StockMove.created_at < until)
        .order_by(StockMove.item_id, StockMove.created_at, StockMove.id)
    )).tuples().all()
    available, demand = await _now(session, org_id)
    items = await _items(session, org_id, {m[0] for m in moves} | set(demand))
    walks: dict[int, _Walk] = {}
    for item_id, item_moves in groupby(moves, key=lambda m: m[0]):
        walk = walks[item_id] = _Walk(opening.get(item_id, ZERO), items[item_id].min_level)
        for _, same_time in groupby(item_moves, key=lambda m: m[1]):
            walk.apply(sum((m[2] for m in same_time), ZERO))
    out = []
    for item_id, item in items.items():
        walk = walks.get(item_id) or _Walk(opening.get(item_id, ZERO), item.min_level)
        now, wanted = available.get(item_id, ZERO), demand.get(item_id, ZERO)
        if walk.stockouts or walk.below_min or wanted > now:
            out.append(Stockout(item.sku, item.name_en, item.min_level, walk.opening, walk.lowest,
                                walk.available, walk.stockouts, walk.below_min, now, wanted))
    return sorted(out, key=lambda s: s.sku)

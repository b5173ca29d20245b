"""Cost layers: what stock cost, and what leaving stock costs.

FIFO (the default): units leave from the oldest layer first. Weighted average
(``Organization.settings["valuation"] = "average"``): the general layers of an
item are merged into one after every receipt, so taking from "the oldest
layer" takes at the moving average. Either way a take costs the layer's exact
remaining value when it empties the layer and its rounded share otherwise, so
the cost of everything consumed plus the value still on the shelf always
equals what was received, to the fils.

Layers bought for one job (source PURCHASE) are kept apart and consumed only
by their reservation, at their own cost.

Callers hold the item row lock (``lock_item``) while they touch its layers.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.core.errors import Conflict, InvalidInput
from garagebot.core.inventory.states import Valuation
from garagebot.core.inventory.values import round_amount
from garagebot.core.models.inventory import CostLayer, InventoryItem
from garagebot.core.permissions import Permission
from garagebot.core.uow import UnitOfWork

SETTING = "valuation"


async def method(uow: UnitOfWork) -> Valuation:
    """The garage's valuation method (FIFO unless set to average)."""
    org = await uow.organization()
    value = str(org.settings.get(SETTING, Valuation.FIFO.value))
    return Valuation(value) if value in Valuation._value2member_map_ else Valuation.FIFO


async def set_method(uow: UnitOfWork, valuation: Valuation | str) -> None:
    """Choose FIFO or weighted average for the garage (owner only). Existing
    layers stay; under average they are merged at the next receipt or take."""
    await uow.require(Permission.MANAGE_GARAGE)
    if valuation not in Valuation._value2member_map_:
        raise InvalidInput("error.inventory_invalid_valuation", value=str(valuation))
    org = await uow.organization()
    before = org.settings.get(SETTING, Valuation.FIFO.value)
    org.settings = {**org.settings, SETTING: Valuation(valuation).value}
    await uow.audit("organization", org.id, "set_valuation", before={SETTING: before},
                    after={SETTING: Valuation(valuation).value})


async def lock_item(uow: UnitOfWork, item_id: int) -> InventoryItem:
    """The item row, locked until commit and re-read (another writer may have
    changed it since this session last loaded it)."""
    stmt = (
        select(InventoryItem)
        .where(InventoryItem.id == item_id, InventoryItem.organization_id == uow.org_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await uow.session.execute(stmt)).scalar_one()


async def currency(uow: UnitOfWork) -> str:
    return (await uow.organization()).currency


async def add_layer(
    uow: UnitOfWork,
    item: InventoryItem,
    move_id: int,
    quantity: Decimal,
    unit_cost: Decimal,
    *,
    reservation_id: int | None = None,
) -> Decimal:
    """Put ``quantity`` at ``unit_cost`` into the item's layers; returns its value."""
    value = round_amount(quantity * unit_cost, await currency(uow))
    uow.session.add(
        CostLayer(
            organization_id=uow.org_id, item_id=item.id, move_id=move_id, reservation_id=reservation_id,
            quantity_in=quantity, remaining=quantity, unit_cost=unit_cost, value_remaining=value,
            received_at=uow.now,
        )
    )
    await uow.session.flush()
    if reservation_id is None and await method(uow) is Valuation.AVERAGE:
        await _merge_general_layers(uow, item.id)
    return value


async def take(
    uow: UnitOfWork, item: InventoryItem, quantity: Decimal, *, reservation_id: int | None = None
) -> Decimal:
    """Take ``quantity`` out of the layers (the reservation's own layers when
    given, else the general ones); returns the exact cost taken."""
    if reservation_id is None and await method(uow) is Valuation.AVERAGE:
        await _merge_general_layers(uow, item.id)
    layers = await _open_layers(uow, item.id, reservation_id)
    left, cost = quantity, Decimal("0.000")
    cur = await currency(uow)
    for layer in layers:
        if left <= 0:
            break
        part = min(left, layer.remaining)
        if part == layer.remaining:
            part_cost = layer.value_remaining
        else:
            part_cost = round_amount(layer.value_remaining * part / layer.remaining, cur)
        layer.remaining -= part
        layer.value_remaining -= part_cost
        cost += part_cost
        left -= part
    if left > 0:
        # The level allowed the take but the layers do not hold it: the ledger is damaged.
        raise Conflict("error.inventory_layers_short", sku=item.sku)
    await uow.session.flush()
    return cost


async def release_to_general(uow: UnitOfWork, reservation_id: int) -> None:
    """A part bought for a job and not used joins the general stock, at its cost."""
    layers = (
        await uow.session.scalars(
            select(CostLayer).where(
                CostLayer.organization_id == uow.org_id, CostLayer.reservation_id == reservation_id
            )
        )
    ).all()
    for layer in layers:
        layer.reservation_id = None
    await uow.session.flush()
    if layers and await method(uow) is Valuation.AVERAGE:
        await _merge_general_layers(uow, layers[0].item_id)


async def _open_layers(uow: UnitOfWork, item_id: int, reservation_id: int | None) -> list[CostLayer]:
    owner = (
        CostLayer.reservation_id.is_(None) if reservation_id is None
        else CostLayer.reservation_id == reservation_id
    )
    stmt = (
        select(CostLayer)
        .where(CostLayer.organization_id == uow.org_id, CostLayer.item_id == item_id, owner,
               CostLayer.remaining > 0)
        .order_by(CostLayer.received_at, CostLayer.id)
        .execution_options(populate_existing=True)
    )
    return list((await uow.session.scalars(stmt)).all())


async def _merge_general_layers(uow: UnitOfWork, item_id: int) -> None:
    """Fold every open general layer into the newest one (the moving average)."""
    layers = await _open_layers(uow, item_id, None)
    if len(layers) < 2:
        return
    keep = layers[-1]
    qty = sum((layer.remaining for layer in layers), Decimal(0))
    value = sum((layer.value_remaining for layer in layers), Decimal(0))
    for layer in layers[:-1]:
        layer.remaining = Decimal(0)
        layer.value_remaining = Decimal(0)
    keep.remaining = qty
    keep.value_remaining = value
    keep.unit_cost = round_amount(value / qty, await currency(uow))
    await uow.session.flush()


async def stock_value(session: AsyncSession, org_id: int, item_id: int | None = None) -> Decimal:
    """Value of the stock on the shelves (general and bought-for-job layers)."""
    stmt = select(CostLayer.value_remaining).where(
        CostLayer.organization_id == org_id, CostLayer.remaining > 0
    )
    if item_id is not None:
        stmt = stmt.where(CostLayer.item_id == item_id)
    # Amount is text on SQLite, so the exact sum is taken here rather than by SUM().
    return sum((await session.scalars(stmt)).all(), Decimal("0.000"))


"""The stock ledger: every change of a stock level is one conditional UPDATE of
the level row plus one append-only ``StockMove`` with the same deltas.

The UPDATE carries the guard in its WHERE clause (available stays >= 0,
reserved stays >= 0), so two writers can never both take the last unit: on
PostgreSQL the second waits for the first's row lock and re-checks the
condition; on SQLite writers are serialised by ``BEGIN IMMEDIATE``. Zero rows
updated means "not enough stock".

Lock order, to stay free of deadlocks: stock-level rows (by location id),
then the item row, then the audit chain (``uow.audit`` last).
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, literal, select, type_coerce, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.core.enums import ActorKind
from garagebot.core.errors import Conflict
from garagebot.core.inventory.states import MoveKind
from garagebot.core.inventory.values import show
from garagebot.core.models.inventory import InventoryItem, Quantity, StockLevel, StockMove
from garagebot.core.uow import UnitOfWork

ZERO = Decimal("0.000")


def _q(value: Decimal) -> object:
    return literal(value, Quantity())


def acting_user_id(uow: UnitOfWork) -> int | None:
    """The acting staff member's id, or None for system and client actors."""
    return uow.actor.id if uow.actor.kind is ActorKind.USER else None


async def ensure_level(uow: UnitOfWork, item_id: int, location_id: int) -> None:
    """Create the (item, location) level row at zero if it does not exist yet."""
    dialect = uow.session.get_bind().dialect.name
    ins = postgresql.insert(StockLevel) if dialect == "postgresql" else sqlite.insert(StockLevel)
    stmt = ins.values(
        organization_id=uow.org_id, item_id=item_id, location_id=location_id, on_hand=ZERO, reserved=ZERO
    ).on_conflict_do_nothing(
        index_elements=[StockLevel.organization_id, StockLevel.item_id, StockLevel.location_id]
    )
    await uow.session.execute(stmt)


async def try_change_level(
    uow: UnitOfWork, item_id: int, location_id: int, on_hand_delta: Decimal, reserved_delta: Decimal
) -> bool:
    """Apply the deltas if available (on_hand - reserved) and reserved stay >= 0.

    For a reservation of n this is exactly ``SET reserved = reserved + n WHERE
    on_hand - reserved >= n``. Returns False (and changes nothing) otherwise.
    """
    need = reserved_delta - on_hand_delta
    conditions = [
        StockLevel.organization_id == uow.org_id,
        StockLevel.item_id == item_id,
        StockLevel.location_id == location_id,
        type_coerce(StockLevel.on_hand - StockLevel.reserved, Quantity()) >= _q(need),
    ]
    if reserved_delta < 0:
        conditions.append(StockLevel.reserved >= _q(-reserved_delta))
    stmt = (
        update(StockLevel)
        .where(*conditions)
        .values(
            on_hand=StockLevel.on_hand + _q(on_hand_delta),
            reserved=StockLevel.reserved + _q(reserved_delta),
        )
        .returning(StockLevel.id)
        .execution_options(synchronize_session=False)
    )
    return (await uow.session.execute(stmt)).first() is not None


async def change_level(
    uow: UnitOfWork, item: InventoryItem, location_id: int, on_hand_delta: Decimal, reserved_delta: Decimal
) -> None:
    """``try_change_level`` or Conflict("error.not_enough_stock") naming what is available."""
    if await try_change_level(uow, item.id, location_id, on_hand_delta, reserved_delta):
        return
    available = await available_at(uow.session, uow.org_id, item.id, location_id)
    raise Conflict("error.not_enough_stock", sku=item.sku, available=show(available))


async def add_move(
    uow: UnitOfWork,
    kind: MoveKind,
    item_id: int,
    location_id: int,
    quantity: Decimal,
    on_hand_delta: Decimal,
    reserved_delta: Decimal,
    *,
    cost_total: Decimal | None = None,
    reason: str | None = None,
    reservation_id: int | None = None,
    session_id: int | None = None,
    transfer_group: str | None = None,
    po_line_id: int | None = None,
) -> StockMove:
    """Append the ledger row for a level change already applied."""
    move = StockMove(
        organization_id=uow.org_id, item_id=item_id, location_id=location_id, kind=kind.value,
        quantity=quantity, on_hand_delta=on_hand_delta, reserved_delta=reserved_delta,
        cost_total=cost_total, reason=reason, reservation_id=reservation_id, session_id=session_id,
        transfer_group=transfer_group, po_line_id=po_line_id,
        user_id=acting_user_id(uow), created_at=uow.now,
    )
    uow.session.add(move)
    await uow.session.flush()
    return move


async def available_at(session: AsyncSession, org_id: int, item_id: int, location_id: int) -> Decimal:
    """on_hand - reserved of one item in one store (0 when it never held any)."""
    stmt = select(type_coerce(StockLevel.on_hand - StockLevel.reserved, Quantity())).where(
        StockLevel.organization_id == org_id,
        StockLevel.item_id == item_id,
        StockLevel.location_id == location_id,
    )
    value = (await session.execute(stmt)).scalar_one_or_none()
    return ZERO if value is None else value


async def totals(session: AsyncSession, org_id: int, item_id: int) -> tuple[Decimal, Decimal]:
    """(on_hand, reserved) of one item over every store."""
    stmt = select(
        type_coerce(func.coalesce(func.sum(StockLevel.on_hand), 0), Quantity()),
        type_coerce(func.coalesce(func.sum(StockLevel.reserved), 0), Quantity()),
    ).where(StockLevel.organization_id == org_id, StockLevel.item_id == item_id)
    row = (await session.execute(stmt)).one()
    return row[0], row[1]


async def available_total(session: AsyncSession, org_id: int, item_id: int) -> Decimal:
    on_hand, reserved = await totals(session, org_id, item_id)
    return on_hand - reserved

"""Parts used on a repair session: reserve (from stock) or buy for the job,
then pick, then consume or return. The moves are the reservation state table
in ``states.RESERVATION_TRANSITIONS``; each status change is a conditional
UPDATE on the reservation's current status, so two people acting on one
reservation cannot both succeed.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from garagebot.core.errors import Conflict, InvalidInput, InvalidTransition
from garagebot.core.ids import ItemId, LocationId, ReservationId, SessionId, SupplierId
from garagebot.core.inventory.alerts import after_stock_change
from garagebot.core.inventory.arrivals import audit_fulfilled, fulfil_waiting
from garagebot.core.inventory.items import location_or_default
from garagebot.core.inventory.ledger import ZERO, acting_user_id, add_move, change_level, ensure_level
from garagebot.core.inventory.reserve import active_item, open_session, reserve_from_stock, snapshot
from garagebot.core.inventory.states import (
    RESERVATION_TRANSITIONS,
    MoveKind,
    ReservationSource,
    ReservationStatus,
)
from garagebot.core.inventory.valuation import add_layer, lock_item, release_to_general, take
from garagebot.core.inventory.values import amount, for_unit, round_amount
from garagebot.core.models import JobCard
from garagebot.core.models.inventory import InventoryItem, Reservation
from garagebot.core.models.purchasing import Supplier
from garagebot.core.normalize import clean_text
from garagebot.core.permissions import Permission
from garagebot.core.uow import UnitOfWork


async def _set_status(uow: UnitOfWork, res: Reservation, to: ReservationStatus) -> ReservationStatus:
    """Move the reservation along the state table; returns the status it left."""
    frm = ReservationStatus(res.status)
    if to not in RESERVATION_TRANSITIONS[frm]:
        raise InvalidTransition("error.inventory_reservation_transition", id=res.id, status=frm.value,
                                to=to.value)
    stmt = (
        update(Reservation)
        .where(Reservation.id == res.id, Reservation.organization_id == uow.org_id,
               Reservation.status == frm.value)
        .values(status=to.value)
        .returning(Reservation.id)
        .execution_options(synchronize_session=False)
    )
    if (await uow.session.execute(stmt)).first() is None:
        raise Conflict("error.inventory_reservation_changed", id=res.id)
    set_committed_value(res, "status", to.value)
    return frm


async def _job_card(uow: UnitOfWork, session_id: int, job_card_id: int | None) -> int | None:
    if job_card_id is None:
        return None
    card = await uow.get(JobCard, job_card_id)
    if card.session_id != session_id:
        raise InvalidInput("error.inventory_job_card_not_in_session", job_card=job_card_id)
    return card.id


def _event(res: Reservation, item: InventoryItem) -> dict[str, object]:
    return {"reservation_id": res.id, "sku": item.sku, **snapshot(res)}


async def reserve_part(
    uow: UnitOfWork,
    session_id: SessionId,
    item_id: ItemId,
    quantity: Decimal | int | str,
    *,
    location_id: LocationId | None = None,
    job_card_id: int | None = None,
    unit_price: Decimal | int | str | None = None,
) -> ReservationId:
    """Hold stock for a session, charged at ``unit_price`` (default: the item's
    price). Conflict("error.not_enough_stock") when the store has too little."""
    await uow.require(Permission.USE_PARTS)
    await open_session(uow, session_id)
    item = await active_item(uow, item_id)
    qty = for_unit(quantity, item.unit, item.sku)
    cur = (await uow.organization()).currency
    price = item.price if unit_price is None else amount(unit_price, cur, field="unit_price")
    card = await _job_card(uow, session_id, job_card_id)
    loc = await location_or_default(uow, location_id)
    res = await reserve_from_stock(uow, session_id, item, loc, qty, price, job_card_id=card)
    assert res is not None
    await after_stock_change(uow, item)
    await uow.audit("reservation", res.id, "reserve", after=snapshot(res))
    uow.emit("part.reserved", _event(res, item))
    return ReservationId(res.id)


async def buy_for_job(
    uow: UnitOfWork,
    session_id: SessionId,
    item_id: ItemId,
    quantity: Decimal | int | str,
    supplier_id: SupplierId,
    unit_cost: Decimal | int | str,
    *,
    unit_price: Decimal | int | str | None = None,
    location_id: LocationId | None = None,
    job_card_id: int | None = None,
) -> ReservationId:
    """Record a part bought from a supplier for this job (source PURCHASE): it
    is received into the store and reserved to the session in one step, and
    costed at exactly what was paid when consumed."""
    await uow.require(Permission.USE_PARTS)
    await open_session(uow, session_id)
    item = await active_item(uow, item_id)
    supplier = await uow.get(Supplier, supplier_id)
    qty = for_unit(quantity, item.unit, item.sku)
    cur = (await uow.organization()).currency
    cost = amount(unit_cost, cur, field="unit_cost", positive=True)
    price = item.price if unit_price is None else amount(unit_price, cur, field="unit_price")
    card = await _job_card(uow, session_id, job_card_id)
    loc = await location_or_default(uow, location_id)
    await ensure_level(uow, item.id, loc)
    await change_level(uow, item, loc, qty, qty)
    item = await lock_item(uow, item.id)
    res = Reservation(
        organization_id=uow.org_id, session_id=session_id, job_card_id=card, item_id=item.id,
        location_id=loc, quantity=qty, status=ReservationStatus.RESERVED.value,
        source=ReservationSource.PURCHASE.value, unit_cost=cost, unit_price=price,
        supplier_id=supplier.id, created_by_id=acting_user_id(uow), created_at=uow.now,
    )
    await _book_purchase(uow, item, res, cur)
    await uow.audit("reservation", res.id, "buy_for_job", after=snapshot(res))
    uow.emit("part.bought_for_job", _event(res, item))
    return ReservationId(res.id)


async def _book_purchase(uow: UnitOfWork, item: InventoryItem, res: Reservation, currency: str) -> None:
    """The ledger of a part bought for the job: RECEIVE into the store with a
    layer of its own, then RESERVE to the session (levels already applied)."""
    uow.session.add(res)
    await uow.session.flush()
    received = await add_move(
        uow, MoveKind.RECEIVE, item.id, res.location_id, res.quantity, res.quantity, ZERO,
        cost_total=round_amount(res.quantity * res.unit_cost, currency), reservation_id=res.id,
        session_id=res.session_id, reason=f"supplier:{res.supplier_id}",
    )
    await add_layer(uow, item, received.id, res.quantity, res.unit_cost, reservation_id=res.id)
    await add_move(uow, MoveKind.RESERVE, item.id, res.location_id, res.quantity, ZERO, res.quantity,
                   reservation_id=res.id, session_id=res.session_id)


async def pick_part(uow: UnitOfWork, reservation_id: ReservationId) -> None:
    """The part was taken from the shelf to the car (RESERVED → PICKED)."""
    await uow.require(Permission.USE_PARTS)
    res = await uow.get(Reservation, reservation_id)
    await _set_status(uow, res, ReservationStatus.PICKED)
    res.picked_at = uow.now
    item = await uow.get(InventoryItem, res.item_id)
    await add_move(uow, MoveKind.PICK, res.item_id, res.location_id, res.quantity, ZERO, ZERO,
                   reservation_id=res.id, session_id=res.session_id)
    await uow.audit("reservation", res.id, "pick", before={"status": ReservationStatus.RESERVED},
                    after={"status": ReservationStatus.PICKED})
    uow.emit("part.picked", _event(res, item))


async def consume_part(
    uow: UnitOfWork,
    reservation_id: ReservationId,
    *,
    session_id: SessionId | None = None,
    override_reason: str | None = None,
) -> Decimal:
    """The picked part went into the car (PICKED → CONSUMED); returns its exact cost.

    Using it on another session than it was reserved to (``session_id``) takes a
    manager's override with a reason; the reservation then moves to that session.
    """
    await uow.require(Permission.USE_PARTS)
    res = await uow.get(Reservation, reservation_id)
    before = snapshot(res)
    target = res.session_id
    reason = None
    if session_id is not None and session_id != res.session_id:
        await uow.require(Permission.OVERRIDE_GUARD)
        reason = _reason(override_reason)
        target = (await open_session(uow, session_id)).id
    await _set_status(uow, res, ReservationStatus.CONSUMED)
    item = await uow.get(InventoryItem, res.item_id)
    await change_level(uow, item, res.location_id, -res.quantity, -res.quantity)
    item = await lock_item(uow, res.item_id)
    own = res.id if res.source == ReservationSource.PURCHASE.value else None
    cost = await take(uow, item, res.quantity, reservation_id=own)
    await add_move(uow, MoveKind.CONSUME, item.id, res.location_id, res.quantity, -res.quantity,
                   -res.quantity, cost_total=cost, reservation_id=res.id, session_id=target,
                   reason=reason)
    cur = (await uow.organization()).currency
    res.cost_total, res.unit_cost = cost, round_amount(cost / res.quantity, cur)
    res.consumed_at = uow.now
    if reason is not None:
        res.session_id, res.override_reason = target, reason
    await uow.session.flush()
    action = "consume" if reason is None else "consume_override"
    await uow.audit("reservation", res.id, action, before=before, after=snapshot(res))
    uow.emit("part.consumed", {**_event(res, item), "override": reason is not None})
    return cost


async def return_part(uow: UnitOfWork, reservation_id: ReservationId, *, note: str | None = None) -> None:
    """The part is not needed: back to available stock (RESERVED or PICKED →
    RETURNED). A part bought for the job joins the general stock at its cost."""
    await uow.require(Permission.USE_PARTS)
    res = await uow.get(Reservation, reservation_id)
    frm = await _set_status(uow, res, ReservationStatus.RETURNED)
    item = await uow.get(InventoryItem, res.item_id)
    await change_level(uow, item, res.location_id, ZERO, -res.quantity)
    item = await lock_item(uow, res.item_id)
    if res.source == ReservationSource.PURCHASE.value:
        await release_to_general(uow, res.id)
    kind = MoveKind.UNRESERVE if frm is ReservationStatus.RESERVED else MoveKind.RETURN
    await add_move(uow, kind, item.id, res.location_id, res.quantity, ZERO, -res.quantity,
                   reservation_id=res.id, session_id=res.session_id,
                   reason=clean_text(note) if note else None)
    res.returned_at = uow.now
    fulfilled = await fulfil_waiting(uow, item, res.location_id)
    await after_stock_change(uow, item)
    await uow.audit("reservation", res.id, "return", before={"status": frm},
                    after={"status": ReservationStatus.RETURNED, "note": note})
    await audit_fulfilled(uow, fulfilled)
    uow.emit("part.returned", _event(res, item))


def _reason(raw: str | None) -> str:
    reason = clean_text(raw) if raw else ""
    if not reason:
        raise InvalidInput("error.inventory_reason_required")
    return reason[:500]


async def consume_unreserved(
    uow: UnitOfWork,
    session_id: SessionId,
    item_id: ItemId,
    quantity: Decimal | int | str,
    reason: str,
    *,
    location_id: LocationId | None = None,
) -> ReservationId:
    """A manager's override: use a part on a session without a reservation
    (taken from available stock, audited with the reason)."""
    await uow.require(Permission.OVERRIDE_GUARD)
    why = _reason(reason)
    await open_session(uow, session_id)
    item = await active_item(uow, item_id)
    qty = for_unit(quantity, item.unit, item.sku)
    loc = await location_or_default(uow, location_id)
    await change_level(uow, item, loc, -qty, ZERO)
    item = await lock_item(uow, item.id)
    cost = await take(uow, item, qty)
    cur = (await uow.organization()).currency
    res = Reservation(
        organization_id=uow.org_id, session_id=session_id, item_id=item.id, location_id=loc,
        quantity=qty, status=ReservationStatus.CONSUMED.value, source=ReservationSource.STOCK.value,
        unit_cost=round_amount(cost / qty, cur), unit_price=item.price, cost_total=cost,
        override_reason=why, created_by_id=acting_user_id(uow), created_at=uow.now, picked_at=uow.now,
        consumed_at=uow.now,
    )
    uow.session.add(res)
    await uow.session.flush()
    await add_move(uow, MoveKind.CONSUME, item.id, loc, qty, -qty, ZERO, cost_total=cost,
                   reservation_id=res.id, session_id=session_id, reason=why)
    await after_stock_change(uow, item)
    await uow.audit("reservation", res.id, "consume_override", after=snapshot(res))
    uow.emit("part.consumed", {**_event(res, item), "override": True})
    return ReservationId(res.id)

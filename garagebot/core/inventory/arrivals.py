"""Parts coming in for sessions that wait for them.

When stock arrives in a store (a receipt, a return, an adjustment up, a
transfer in), open part requests for the item are served oldest first: the
part is reserved to the session, the session's advisor is told on Telegram
and ``part.arrived`` is emitted. Serving stops at the first request that does
not fit, so a large old request is not starved by smaller new ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select, update

from garagebot.core.enums import Channel
from garagebot.core.ids import PartRequestId, ReservationId, SessionId
from garagebot.core.inventory.reserve import CLOSED_SESSION_STATES, reserve_from_stock, snapshot
from garagebot.core.inventory.states import PartRequestStatus
from garagebot.core.inventory.valuation import lock_item
from garagebot.core.inventory.values import show
from garagebot.core.models import RepairSession, User
from garagebot.core.models.inventory import InventoryItem, PartRequest
from garagebot.core.notify.staff import open_choice
from garagebot.core.uow import UnitOfWork

ARRIVED_KEY = "inventory.part_arrived"


async def claim_request(uow: UnitOfWork, request_id: int, to: PartRequestStatus) -> bool:
    """OPEN → ``to`` as one conditional UPDATE (two receipts cannot serve one request)."""
    stmt = (
        update(PartRequest)
        .where(PartRequest.id == request_id, PartRequest.organization_id == uow.org_id,
               PartRequest.status == PartRequestStatus.OPEN.value)
        .values(status=to.value, fulfilled_at=uow.now if to is PartRequestStatus.FULFILLED else None)
        .returning(PartRequest.id)
        .execution_options(synchronize_session=False)
    )
    return (await uow.session.execute(stmt)).first() is not None


@dataclass(frozen=True, slots=True)
class Fulfilled:
    """A waiting request served from new stock (audited by the caller, last)."""

    request_id: PartRequestId
    reservation_id: ReservationId
    session_id: SessionId
    snapshot: dict[str, object]


async def fulfil_waiting(uow: UnitOfWork, item: InventoryItem, location_id: int) -> list[Fulfilled]:
    """Serve open requests for the item from the store, oldest first, until one
    does not fit. Writes no audit entry (the caller audits after its locks)."""
    reqs = (
        await uow.session.scalars(
            select(PartRequest)
            .where(PartRequest.organization_id == uow.org_id, PartRequest.item_id == item.id,
                   PartRequest.status == PartRequestStatus.OPEN.value)
            .order_by(PartRequest.created_at, PartRequest.id)
        )
    ).all()
    if not reqs:
        return []
    item = await lock_item(uow, item.id)
    done: list[Fulfilled] = []
    for req in reqs:
        rs = await uow.get(RepairSession, req.session_id)
        if rs.status in CLOSED_SESSION_STATES:
            await claim_request(uow, req.id, PartRequestStatus.CANCELLED)
            continue
        if not await claim_request(uow, req.id, PartRequestStatus.FULFILLED):
            continue
        served = await _serve(uow, req, rs, item, location_id)
        if served is None:
            break
        done.append(served)
    return done


async def _serve(
    uow: UnitOfWork, req: PartRequest, rs: RepairSession, item: InventoryItem, location_id: int
) -> Fulfilled | None:
    """Reserve a claimed request's part; None (and the request reopened) when
    the store does not hold enough."""
    res = await reserve_from_stock(uow, rs.id, item, location_id, req.quantity, item.price, must=False)
    if res is None:
        await uow.session.execute(
            update(PartRequest).where(PartRequest.id == req.id)
            .values(status=PartRequestStatus.OPEN.value, fulfilled_at=None)
            .execution_options(synchronize_session=False)
        )
        return None
    await uow.session.execute(
        update(PartRequest).where(PartRequest.id == req.id).values(reservation_id=res.id)
        .execution_options(synchronize_session=False)
    )
    await _tell_advisor(uow, rs, item, req.quantity)
    uow.emit("part.arrived", {"part_request_id": req.id, "reservation_id": res.id,
                              "session_id": rs.id, "number": rs.number, "item_id": item.id,
                              "sku": item.sku, "quantity": show(req.quantity)})
    return Fulfilled(PartRequestId(req.id), ReservationId(res.id), SessionId(rs.id), snapshot(res))


async def audit_fulfilled(uow: UnitOfWork, fulfilled: list[Fulfilled]) -> None:
    for f in fulfilled:
        await uow.audit("part_request", f.request_id, "fulfil", before={"status": PartRequestStatus.OPEN},
                        after={"status": PartRequestStatus.FULFILLED, "reservation_id": f.reservation_id})
        await uow.audit("reservation", f.reservation_id, "reserve", after=f.snapshot)


async def _tell_advisor(uow: UnitOfWork, rs: RepairSession, item: InventoryItem, qty: Decimal) -> None:
    if rs.advisor_id is None:
        return
    advisor = await uow.session.get(User, rs.advisor_id)
    if advisor is None or advisor.telegram_user_id is None or not advisor.active:
        return
    name = item.name_ar if advisor.locale == "ar" else item.name_en
    uow.send(Channel.TELEGRAM, str(advisor.telegram_user_id), advisor.locale, ARRIVED_KEY,
             {"name": name, "sku": item.sku, "quantity": show(qty), "session": rs.number},
             (open_choice("ses", rs.id),))


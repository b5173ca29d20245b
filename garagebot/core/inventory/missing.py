"""Missing parts: a session waits for a part that is not in stock.

Requesting one records a part request and a reorder suggestion and puts the
session in AWAITING_PARTS (when its state machine allows that move). Serving
the request when the part comes in is ``arrivals``.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import update

from garagebot.core.enums import ActorKind, Role, SessionStatus
from garagebot.core.errors import InvalidTransition
from garagebot.core.ids import ItemId, PartRequestId, SessionId
from garagebot.core.inventory.alerts import after_stock_change
from garagebot.core.inventory.arrivals import claim_request
from garagebot.core.inventory.ledger import acting_user_id
from garagebot.core.inventory.reserve import active_item, open_session
from garagebot.core.inventory.states import PartRequestStatus, SuggestionReason, SuggestionStatus
from garagebot.core.inventory.values import for_unit, show
from garagebot.core.models.inventory import InventoryItem, PartRequest, ReorderSuggestion
from garagebot.core.normalize import clean_text
from garagebot.core.permissions import Permission, allowed
from garagebot.core.repair import machine
from garagebot.core.repair.sessions import change_status
from garagebot.core.uow import UnitOfWork


async def request_missing_part(
    uow: UnitOfWork,
    session_id: SessionId,
    item_id: ItemId,
    quantity: Decimal | int | str,
    *,
    note: str | None = None,
) -> PartRequestId:
    """Record that the session needs a part the garage does not have."""
    await uow.require(Permission.USE_PARTS)
    rs = await open_session(uow, session_id)
    item = await active_item(uow, item_id)
    qty = for_unit(quantity, item.unit, item.sku)
    req = PartRequest(
        organization_id=uow.org_id, session_id=rs.id, item_id=item.id, quantity=qty,
        status=PartRequestStatus.OPEN.value, note=clean_text(note)[:500] if note else None,
        requested_by_id=acting_user_id(uow), created_at=uow.now,
    )
    uow.session.add(req)
    uow.session.add(
        ReorderSuggestion(
            organization_id=uow.org_id, item_id=item.id, reason=SuggestionReason.MISSING_PART.value,
            quantity=qty, session_id=rs.id, status=SuggestionStatus.OPEN.value, created_at=uow.now,
        )
    )
    await uow.session.flush()
    await after_stock_change(uow, item)
    await uow.audit("part_request", req.id, "create",
                    after={"session_id": rs.id, "item_id": item.id, "quantity": qty, "note": req.note})
    move = await _may_move(uow, SessionStatus(rs.status))
    uow.emit("part.requested", {"part_request_id": req.id, "session_id": rs.id, "number": rs.number,
                                "item_id": item.id, "sku": item.sku, "quantity": show(qty),
                                "session_awaiting_parts": move or rs.status == SessionStatus.AWAITING_PARTS})
    if move:
        await change_status(uow, SessionId(rs.id), SessionStatus.AWAITING_PARTS)
    return PartRequestId(req.id)


async def _may_move(uow: UnitOfWork, current: SessionStatus) -> bool:
    """Whether this request should move the session to AWAITING_PARTS: the state
    machine allows it from here, and the actor may change session status. A
    technician's request is still recorded (and emitted as ``part.requested``)
    when only an advisor or lead may move the session. A session waiting for
    the client's approval stays there: the quote decision moves it on (to
    AWAITING_PARTS while part requests are open)."""
    if current is SessionStatus.AWAITING_CLIENT_APPROVAL:
        return False
    if machine.guards_for(current, SessionStatus.AWAITING_PARTS) is None:
        return False
    if uow.actor.kind is ActorKind.SYSTEM:
        return True
    user = await uow.user()
    return allowed(Role(user.role), Permission.CHANGE_SESSION_STATUS)


async def cancel_part_request(uow: UnitOfWork, request_id: PartRequestId) -> None:
    """The session no longer waits for this part."""
    await uow.require(Permission.USE_PARTS)
    req = await uow.get(PartRequest, request_id)
    if not await claim_request(uow, req.id, PartRequestStatus.CANCELLED):
        raise InvalidTransition("error.inventory_part_request_closed", id=req.id, status=req.status)
    await uow.session.execute(
        update(ReorderSuggestion)
        .where(ReorderSuggestion.organization_id == uow.org_id,
               ReorderSuggestion.session_id == req.session_id,
               ReorderSuggestion.item_id == req.item_id,
               ReorderSuggestion.status == SuggestionStatus.OPEN.value)
        .values(status=SuggestionStatus.DISMISSED.value)
        .execution_options(synchronize_session=False)
    )
    item = await uow.get(InventoryItem, req.item_id)
    await after_stock_change(uow, item)
    await uow.audit("part_request", req.id, "cancel", before={"status": PartRequestStatus.OPEN},
                    after={"status": PartRequestStatus.CANCELLED})

"""Missing parts (AWAITING_PARTS, reorder suggestion, arrival notice) and stock alerts."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from garagebot.core.actor import Actor
from garagebot.core.enums import Channel, OutboxKind, Role, SessionStatus
from garagebot.core.ids import UserId
from garagebot.core.inventory.missing import cancel_part_request, request_missing_part
from garagebot.core.inventory.parts import reserve_part, return_part
from garagebot.core.inventory.stock import receive_stock
from garagebot.core.models import OutboxRow, RepairSession
from garagebot.core.models.inventory import InventoryItem, PartRequest, ReorderSuggestion, Reservation
from garagebot.core.staff import create_user
from garagebot.core.uow import Database
from tests.conftest import Staff
from tests.core.inventory.support import audits, events, level, new_item, new_session

TELEGRAM_ID = 777_000_111


async def _linked_advisor(db: Database, staff: Staff, telegram_id: int = TELEGRAM_ID) -> Actor:
    async with db.unit_of_work(staff.manager) as uow:
        uid = await create_user(uow, name="Rana", role=Role.ADVISOR, locale="ar",
                                telegram_user_id=telegram_id)
    return Actor.user(staff.org, uid, Channel.TELEGRAM)


async def _status(db: Database, sid: int) -> str:
    async with db.read() as s:
        return (await s.scalars(select(RepairSession.status).where(RepairSession.id == sid))).one()


async def test_a_missing_part_puts_the_session_in_awaiting_parts_and_its_arrival_tells_the_advisor(
    db: Database, staff: Staff
) -> None:
    advisor = await _linked_advisor(db, staff)
    item_id = await new_item(db, staff.inventory, name_en="Water pump", name_ar="مضخة ماء")
    sid = await new_session(db, advisor, status=SessionStatus.DIAGNOSING, advisor_id=UserId(advisor.id or 0))
    async with db.unit_of_work(advisor) as uow:
        rid = await request_missing_part(uow, sid, item_id, 1, note="original part only")
    assert await _status(db, sid) == "AWAITING_PARTS"
    async with db.read() as s:
        suggestion = (await s.scalars(
            select(ReorderSuggestion).where(ReorderSuggestion.item_id == item_id))).one()
    assert (suggestion.reason, suggestion.quantity, suggestion.session_id, suggestion.status) == (
        "MISSING_PART", Decimal(1), sid, "OPEN")
    (shortage,) = await events(db, staff.org, "stock.shortage")
    assert (shortage.payload["demand"], shortage.payload["available"]) == ("1", "0")

    async with db.unit_of_work(staff.inventory) as uow:
        await receive_stock(uow, item_id, 3, "20.000")
    async with db.read() as s:
        request = (await s.scalars(select(PartRequest).where(PartRequest.id == rid))).one()
        held = (await s.scalars(select(Reservation).where(Reservation.item_id == item_id))).one()
        (message,) = (await s.scalars(select(OutboxRow).where(
            OutboxRow.organization_id == staff.org, OutboxRow.kind == OutboxKind.MESSAGE.value))).all()
    assert (request.status, request.reservation_id) == ("FULFILLED", held.id)
    assert (held.session_id, held.status, held.quantity) == (sid, "RESERVED", Decimal(1))
    assert (message.channel, message.recipient, message.locale, message.topic) == (
        "telegram", str(TELEGRAM_ID), "ar", "inventory.part_arrived")
    async with db.read() as s:
        number = (await s.scalars(select(RepairSession.number).where(RepairSession.id == sid))).one()
        sku = (await s.scalars(select(InventoryItem.sku).where(InventoryItem.id == item_id))).one()
    assert message.payload["params"] == {"name": "مضخة ماء", "sku": sku, "quantity": "1", "session": number}
    assert len(await events(db, staff.org, "part.arrived")) == 1
    assert [e.action for e in await audits(db, staff.org, "part_request")] == ["create", "fulfil"]
    assert await level(db, staff.org, item_id) == (Decimal(3), Decimal(1))


async def test_a_technicians_request_is_recorded_but_only_an_advisor_or_lead_moves_the_session(
    db: Database, staff: Staff
) -> None:
    item_id = await new_item(db, staff.inventory)
    sid = await new_session(db, staff.advisor, status=SessionStatus.IN_PROGRESS)
    async with db.unit_of_work(staff.tech) as uow:
        await request_missing_part(uow, sid, item_id, 2)
    assert await _status(db, sid) == "IN_PROGRESS"
    (requested,) = await events(db, staff.org, "part.requested")
    assert requested.payload["session_awaiting_parts"] is False
    async with db.unit_of_work(staff.lead) as uow:
        await request_missing_part(uow, sid, item_id, 1)
    assert await _status(db, sid) == "AWAITING_PARTS"


async def test_a_request_while_the_client_decides_leaves_the_session_awaiting_approval(
    db: Database, staff: Staff
) -> None:
    item_id = await new_item(db, staff.inventory)
    sid = await new_session(db, staff.advisor, status=SessionStatus.AWAITING_CLIENT_APPROVAL)
    async with db.unit_of_work(staff.advisor) as uow:
        await request_missing_part(uow, sid, item_id, 1)
    assert await _status(db, sid) == "AWAITING_CLIENT_APPROVAL"
    async with db.read() as s:
        request = (await s.scalars(select(PartRequest).where(PartRequest.session_id == sid))).one()
    assert (request.status, request.quantity) == ("OPEN", Decimal(1))


async def test_arrivals_serve_waiting_sessions_oldest_first_and_never_skip_a_large_old_request(
    db: Database, staff: Staff
) -> None:
    item_id = await new_item(db, staff.inventory)
    first = await new_session(db, staff.advisor)
    second = await new_session(db, staff.advisor)
    async with db.unit_of_work(staff.advisor) as uow:
        await request_missing_part(uow, first, item_id, 3)
        await request_missing_part(uow, second, item_id, 1)
    async with db.unit_of_work(staff.inventory) as uow:
        await receive_stock(uow, item_id, 2, "1.000")
    assert await level(db, staff.org, item_id) == (Decimal(2), Decimal(0))
    async with db.unit_of_work(staff.inventory) as uow:
        await receive_stock(uow, item_id, 2, "1.000")
    async with db.read() as s:
        held = (await s.execute(
            select(Reservation.session_id, Reservation.quantity)
            .where(Reservation.item_id == item_id).order_by(Reservation.id)
        )).tuples().all()
    assert held == [(first, Decimal(3)), (second, Decimal(1))]
    assert await level(db, staff.org, item_id) == (Decimal(4), Decimal(4))


async def test_a_cancelled_request_is_not_served_and_its_suggestion_is_dismissed(
    db: Database, staff: Staff
) -> None:
    item_id = await new_item(db, staff.inventory)
    sid = await new_session(db, staff.advisor)
    async with db.unit_of_work(staff.advisor) as uow:
        rid = await request_missing_part(uow, sid, item_id, 1)
    async with db.unit_of_work(staff.advisor) as uow:
        await cancel_part_request(uow, rid)
    async with db.unit_of_work(staff.inventory) as uow:
        await receive_stock(uow, item_id, 1, "1.000")
    async with db.read() as s:
        status = await s.scalars(select(ReorderSuggestion.status).where(ReorderSuggestion.item_id == item_id))
        assert status.one() == "DISMISSED"
    assert await level(db, staff.org, item_id) == (Decimal(1), Decimal(0))


async def test_low_stock_alerts_once_per_crossing_below_the_minimum(db: Database, staff: Staff) -> None:
    item_id = await new_item(db, staff.inventory, stock=10, min_level=5, max_level=20)
    sid = await new_session(db, staff.advisor)
    async with db.unit_of_work(staff.tech) as uow:
        first = await reserve_part(uow, sid, item_id, 6)
    async with db.unit_of_work(staff.tech) as uow:
        second = await reserve_part(uow, sid, item_id, 1)
    assert len(await events(db, staff.org, "stock.low")) == 1
    async with db.unit_of_work(staff.tech) as uow:
        await return_part(uow, first)
        await return_part(uow, second)
    async with db.unit_of_work(staff.tech) as uow:
        await reserve_part(uow, sid, item_id, 6)
    alerts = await events(db, staff.org, "stock.low")
    assert [(a.payload["available"], a.payload["min_level"]) for a in alerts] == [("4", "5"), ("4", "5")]

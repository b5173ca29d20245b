"""Parts used on a session: RESERVED → PICKED → CONSUMED | RETURNED."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from garagebot.core.enums import SessionStatus
from garagebot.core.errors import Conflict, InvalidInput, InvalidTransition, NotFound, PermissionDenied
from garagebot.core.inventory.guards import unconsumed_reservation_count
from garagebot.core.inventory.parts import (
    buy_for_job,
    consume_part,
    consume_unreserved,
    pick_part,
    reserve_part,
    return_part,
)
from garagebot.core.inventory.queries import session_parts, session_parts_cost
from garagebot.core.inventory.verify import verify_stock
from garagebot.core.models.inventory import CostLayer, Reservation
from garagebot.core.repair.sessions import cancel_session
from garagebot.core.uow import Database
from tests.conftest import Staff, make_staff, new_garage
from tests.core.inventory.support import audits, events, level, moves, new_item, new_session, new_supplier


async def _reservation(db: Database, rid: int) -> Reservation:
    async with db.read() as s:
        return (await s.scalars(select(Reservation).where(Reservation.id == rid))).one()


async def test_a_part_goes_reserved_picked_consumed_and_the_session_has_nothing_unconsumed(
    db: Database, staff: Staff
) -> None:
    item_id = await new_item(db, staff.inventory, stock=4, cost="2.500", price="4.000")
    sid = await new_session(db, staff.advisor)
    async with db.unit_of_work(staff.tech) as uow:
        rid = await reserve_part(uow, sid, item_id, 2)
    async with db.read() as s:
        assert await unconsumed_reservation_count(s, staff.org, sid) == 1
    assert await level(db, staff.org, item_id) == (Decimal(4), Decimal(2))
    async with db.unit_of_work(staff.tech) as uow:
        await pick_part(uow, rid)
    async with db.unit_of_work(staff.tech) as uow:
        cost = await consume_part(uow, rid)
    assert cost == Decimal("5.000")
    assert await level(db, staff.org, item_id) == (Decimal(2), Decimal(0))
    res = await _reservation(db, rid)
    assert (res.status, res.cost_total, res.unit_cost, res.unit_price) == (
        "CONSUMED", Decimal("5.000"), Decimal("2.500"), Decimal("4.000"))
    assert [m.kind for m in await moves(db, staff.org, item_id)] == ["RECEIVE", "RESERVE", "PICK", "CONSUME"]
    assert [e.action for e in await audits(db, staff.org, "reservation")] == ["reserve", "pick", "consume"]
    assert len(await events(db, staff.org, "part.consumed")) == 1
    async with db.read() as s:
        assert await unconsumed_reservation_count(s, staff.org, sid) == 0
        parts = await session_parts_cost(s, staff.org, sid)
        assert await verify_stock(s, staff.org) == []
    assert (parts.cost_total, parts.price_total, parts.margin) == (
        Decimal("5.000"), Decimal("8.000"), Decimal("3.000"))


async def test_the_state_table_refuses_skipping_or_repeating_a_move(db: Database, staff: Staff) -> None:
    item_id = await new_item(db, staff.inventory, stock=4)
    sid = await new_session(db, staff.advisor)
    async with db.unit_of_work(staff.tech) as uow:
        rid = await reserve_part(uow, sid, item_id, 1)
    with pytest.raises(InvalidTransition) as err:
        async with db.unit_of_work(staff.tech) as uow:
            await consume_part(uow, rid)
    assert err.value.key == "error.inventory_reservation_transition"
    async with db.unit_of_work(staff.tech) as uow:
        await pick_part(uow, rid)
    with pytest.raises(InvalidTransition):
        async with db.unit_of_work(staff.tech) as uow:
            await pick_part(uow, rid)
    async with db.unit_of_work(staff.tech) as uow:
        await return_part(uow, rid, note="wrong size")
    for step in (pick_part, consume_part, return_part):
        with pytest.raises(InvalidTransition):
            async with db.unit_of_work(staff.tech) as uow:
                await step(uow, rid)
    assert await level(db, staff.org, item_id) == (Decimal(4), Decimal(0))
    assert [m.kind for m in await moves(db, staff.org, item_id)][-1] == "RETURN"


async def test_returning_a_reserved_part_unreserves_it(db: Database, staff: Staff) -> None:
    item_id = await new_item(db, staff.inventory, stock=3)
    sid = await new_session(db, staff.advisor)
    async with db.unit_of_work(staff.advisor) as uow:
        rid = await reserve_part(uow, sid, item_id, 3, unit_price="5.250")
    async with db.unit_of_work(staff.advisor) as uow:
        await return_part(uow, rid)
    assert await level(db, staff.org, item_id) == (Decimal(3), Decimal(0))
    assert (await moves(db, staff.org, item_id))[-1].kind == "UNRESERVE"
    async with db.read() as s:
        (part,) = await session_parts(s, staff.org, sid)
    assert (part.status, part.unit_price, part.price_total) == (
        "RETURNED", Decimal("5.250"), Decimal("15.750"))


async def test_consuming_a_part_reserved_to_another_session_needs_a_managers_override_with_a_reason(
    db: Database, staff: Staff
) -> None:
    item_id = await new_item(db, staff.inventory, stock=2)
    first = await new_session(db, staff.advisor)
    second = await new_session(db, staff.advisor)
    async with db.unit_of_work(staff.tech) as uow:
        rid = await reserve_part(uow, first, item_id, 1)
        await pick_part(uow, rid)
    with pytest.raises(PermissionDenied):
        async with db.unit_of_work(staff.tech) as uow:
            await consume_part(uow, rid, session_id=second, override_reason="urgent")
    with pytest.raises(InvalidInput) as err:
        async with db.unit_of_work(staff.manager) as uow:
            await consume_part(uow, rid, session_id=second, override_reason=" ")
    assert err.value.key == "error.inventory_reason_required"
    async with db.unit_of_work(staff.manager) as uow:
        await consume_part(uow, rid, session_id=second, override_reason="customer waiting, reorder for first")
    res = await _reservation(db, rid)
    assert (res.session_id, res.status, res.override_reason) == (
        second, "CONSUMED", "customer waiting, reorder for first")
    entry = (await audits(db, staff.org, "reservation", "consume_override"))[-1]
    assert entry.before is not None
    assert entry.after is not None
    assert (entry.before["session_id"], entry.after["session_id"]) == (first, second)
    assert entry.actor_id == staff.id(staff.manager)


async def test_using_an_unreserved_part_is_a_managers_override_taken_from_available_stock(
    db: Database, staff: Staff
) -> None:
    item_id = await new_item(db, staff.inventory, stock=2, cost="3.000")
    sid = await new_session(db, staff.advisor)
    with pytest.raises(PermissionDenied):
        async with db.unit_of_work(staff.tech) as uow:
            await consume_unreserved(uow, sid, item_id, 1, "no time to reserve")
    with pytest.raises(Conflict):
        async with db.unit_of_work(staff.manager) as uow:
            await consume_unreserved(uow, sid, item_id, 3, "no time to reserve")
    async with db.unit_of_work(staff.manager) as uow:
        rid = await consume_unreserved(uow, sid, item_id, 1, "no time to reserve")
    res = await _reservation(db, rid)
    assert (res.status, res.cost_total, res.override_reason) == (
        "CONSUMED", Decimal("3.000"), "no time to reserve")
    assert await level(db, staff.org, item_id) == (Decimal(1), Decimal(0))
    assert len(await audits(db, staff.org, "reservation", "consume_override")) == 1
    (event,) = await events(db, staff.org, "part.consumed")
    assert event.payload["override"] is True


async def test_a_part_bought_for_the_job_is_costed_at_what_was_paid_not_at_older_stock(
    db: Database, staff: Staff
) -> None:
    item_id = await new_item(db, staff.inventory, stock=5, cost="10.000", price="30.000")
    supplier = await new_supplier(db, staff.manager)
    sid = await new_session(db, staff.advisor)
    async with db.unit_of_work(staff.advisor) as uow:
        rid = await buy_for_job(uow, sid, item_id, 1, supplier, "18.500", unit_price="35.000")
    assert await level(db, staff.org, item_id) == (Decimal(6), Decimal(1))
    async with db.unit_of_work(staff.tech) as uow:
        await pick_part(uow, rid)
        cost = await consume_part(uow, rid)
    assert cost == Decimal("18.500")
    res = await _reservation(db, rid)
    assert (res.source, res.supplier_id, res.unit_price) == ("PURCHASE", supplier, Decimal("35.000"))
    async with db.read() as s:
        parts = await session_parts_cost(s, staff.org, sid)
        assert await verify_stock(s, staff.org) == []
    assert parts.margin == Decimal("16.500")


async def test_a_bought_part_that_is_returned_joins_the_general_stock_at_its_cost(
    db: Database, staff: Staff
) -> None:
    item_id = await new_item(db, staff.inventory)
    supplier = await new_supplier(db, staff.manager)
    sid = await new_session(db, staff.advisor)
    async with db.unit_of_work(staff.advisor) as uow:
        rid = await buy_for_job(uow, sid, item_id, 2, supplier, "7.000")
    async with db.unit_of_work(staff.advisor) as uow:
        await return_part(uow, rid)
    async with db.read() as s:
        layer = (await s.scalars(select(CostLayer).where(CostLayer.item_id == item_id))).one()
    assert (layer.reservation_id, layer.remaining, layer.value_remaining) == (
        None, Decimal(2), Decimal("14.000"))
    assert await level(db, staff.org, item_id) == (Decimal(2), Decimal(0))


async def test_parts_cannot_be_reserved_on_a_cancelled_session_or_from_another_garage(
    db: Database, staff: Staff
) -> None:
    item_id = await new_item(db, staff.inventory, stock=5)
    sid = await new_session(db, staff.advisor)
    async with db.unit_of_work(staff.advisor) as uow:
        await cancel_session(uow, sid, reason="client withdrew")
    with pytest.raises(InvalidTransition) as err:
        async with db.unit_of_work(staff.tech) as uow:
            await reserve_part(uow, sid, item_id, 1)
    assert err.value.key == "error.inventory_session_closed"
    other = await make_staff(db, await new_garage(db))
    their_session = await new_session(db, other.advisor, status=SessionStatus.DIAGNOSING)
    with pytest.raises(NotFound):
        async with db.unit_of_work(staff.tech) as uow:
            await reserve_part(uow, their_session, item_id, 1)
    their_item = await new_item(db, other.inventory, stock=5)
    live = await new_session(db, staff.advisor)
    with pytest.raises(NotFound):
        async with db.unit_of_work(staff.tech) as uow:
            await reserve_part(uow, live, their_item, 1)
    assert await level(db, other.org, their_item) == (Decimal(5), Decimal(0))


async def test_an_accountant_may_not_use_parts(db: Database, staff: Staff) -> None:
    item_id = await new_item(db, staff.inventory, stock=5)
    sid = await new_session(db, staff.advisor)
    with pytest.raises(PermissionDenied):
        async with db.unit_of_work(staff.accountant) as uow:
            await reserve_part(uow, sid, item_id, 1)

"""Read queries: the active board, a session's detail, visit history, lookups."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, text

from garagebot.core.enums import JobCardStatus, StepStatus
from garagebot.core.ids import VehicleId
from garagebot.core.repair.lookups import client_vehicles, find_client, find_vehicle
from garagebot.core.repair.queries import (
    active_board,
    board_statement,
    board_top_statement,
    session_detail,
    vehicle_history,
)
from garagebot.core.uow import Database
from tests.conftest import Staff
from tests.core.repair.helpers import (
    S,
    add_steps,
    move,
    open_direct,
    session_row,
    tick_all,
    to_completed,
)
from tests.fakes import FakeClock


async def test_the_board_lists_active_sessions_by_priority_then_age(
    db: Database, staff: Staff, clock: FakeClock
) -> None:
    oldest = await open_direct(db, staff.advisor, 1, client_name="Lina")
    clock.advance(minutes=5)
    urgent = await open_direct(db, staff.advisor, 2, priority=2)
    clock.advance(minutes=5)
    newer = await open_direct(db, staff.advisor, 3)
    clock.advance(minutes=5)
    done = await open_direct(db, staff.advisor, 4)
    await to_completed(db, staff, done)
    cancelled = await open_direct(db, staff.advisor, 5)
    await move(db, staff.advisor, cancelled, S.CANCELLED, note="Duplicate")
    async with db.read() as s:
        board = await active_board(s, staff.org, clock.now())
    assert [r.session_id for r in board] == [urgent, oldest, newer, done]
    first_normal = board[1]
    assert (first_normal.client_name, first_normal.plate, first_normal.client_phone) == (
        "Lina", "11-00001", "+962790000001"
    )
    assert first_normal.number == (await session_row(db, oldest)).number
    assert first_normal.status is S.NEW
    assert first_normal.advisor_id == staff.id(staff.advisor)


async def test_the_board_can_be_limited_and_filtered_by_status(
    db: Database, staff: Staff, clock: FakeClock
) -> None:
    ids = [await open_direct(db, staff.advisor, n) for n in range(1, 5)]
    await move(db, staff.advisor, ids[2], S.DIAGNOSING)
    async with db.read() as s:
        assert len(await active_board(s, staff.org, clock.now(), limit=2)) == 2
        diagnosing = await active_board(s, staff.org, clock.now(), statuses=[S.DIAGNOSING])
    assert [r.session_id for r in diagnosing] == [ids[2]]


async def _plan(db: Database, stmt: Select[tuple[Any, ...]]) -> str:
    async with db.read() as s:
        sql = str(stmt.compile(s.get_bind(), compile_kwargs={"literal_binds": True}))
        if db.dialect == "postgresql":
            await s.execute(text("SET LOCAL enable_seqscan = off"))
            lines = (await s.execute(text("EXPLAIN " + sql))).scalars().all()
        else:
            lines = [str(r[-1]) for r in (await s.execute(text("EXPLAIN QUERY PLAN " + sql))).all()]
    return "\n".join(lines)


async def test_the_board_reads_the_partial_index_in_board_order(db: Database, staff: Staff) -> None:
    await open_direct(db, staff.advisor)
    top = await _plan(db, board_top_statement(staff.org, limit=50))
    assert "ix_repair_session_active_board" in top, top
    assert "Sort" not in top, top
    assert "TEMP B-TREE" not in top, top
    assert "ix_repair_session_active_board" in await _plan(db, board_statement(staff.org))


async def test_the_detail_has_vehicle_client_job_cards_history_and_qc(db: Database, staff: Staff) -> None:
    sid = await open_direct(db, staff.advisor, client_name="Sami", vin="1HGCM82633A004352", make="Honda")
    await add_steps(db, staff.org, sid, [StepStatus.DONE, StepStatus.DONE, StepStatus.IN_PROGRESS])
    await move(db, staff.advisor, sid, S.IN_PROGRESS, S.QA_CHECK)
    await tick_all(db, staff.lead, staff.org, sid)
    async with db.read() as s:
        detail = await session_detail(s, staff.org, sid)
    assert detail.session.number == "SES-20261122-001"
    assert detail.session.status is S.QA_CHECK
    assert detail.session.advisor_name == "Advisor"
    assert (detail.vehicle.plate, detail.vehicle.vin) == ("11-00001", "1HGCM82633A004352")
    assert detail.vehicle.make == "Honda"
    assert (detail.client.name, detail.client.phone) == ("Sami", "+962790000001")
    (card,) = detail.job_cards
    assert card.status is JobCardStatus.IN_PROGRESS
    assert card.step_count == 3
    assert dict(card.steps_by_status) == {StepStatus.DONE: 2, StepStatus.IN_PROGRESS: 1}
    assert [(h.from_status, h.to_status) for h in detail.history] == [
        (None, S.NEW), (S.NEW, S.IN_PROGRESS), (S.IN_PROGRESS, S.QA_CHECK)
    ]
    assert len(detail.qc_items) == 6
    assert all(q.done for q in detail.qc_items)
    assert set(detail.next_statuses) == {S.READY_FOR_PICKUP, S.IN_PROGRESS, S.ON_HOLD, S.CANCELLED}


async def test_a_vehicles_visit_history_is_newest_first(db: Database, staff: Staff, clock: FakeClock) -> None:
    first = await open_direct(db, staff.advisor, 1, complaint="Oil service")
    await to_completed(db, staff, first)
    clock.advance(days=30)
    second = await open_direct(db, staff.advisor, 1, confirm_second=True, complaint="Noise at the front")
    vehicle = VehicleId((await session_row(db, first)).vehicle_id)
    async with db.read() as s:
        visits = await vehicle_history(s, staff.org, vehicle)
    assert [(v.session_id, v.complaint) for v in visits] == [
        (second, "Noise at the front"), (first, "Oil service")
    ]
    assert visits[1].status is S.COMPLETED
    assert visits[0].opened_at - visits[1].opened_at == dt.timedelta(days=30)


async def test_clients_and_vehicles_are_found_however_they_are_typed(db: Database, staff: Staff) -> None:
    await open_direct(db, staff.advisor, 1, client_name="Huda")
    async with db.read() as s:
        client = await find_client(s, staff.org, "+962 79 000 0001")
        vehicle = await find_vehicle(s, staff.org, "١١ ٠٠٠٠١")
        assert await find_client(s, staff.org, "0790000002") is None
        assert await find_vehicle(s, staff.org, "99-99999") is None
        assert client is not None
        assert vehicle is not None
        assert client.name == "Huda"
        assert vehicle.plate == "11-00001"
        assert [v.id for v in await client_vehicles(s, staff.org, client.id)] == [vehicle.id]

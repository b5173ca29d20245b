"""Guards: the QC checklist before READY_FOR_PICKUP, open work before COMPLETED
(and the manager's audited override)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from garagebot.core.enums import StepStatus
from garagebot.core.errors import InvalidInput, InvalidTransition, PermissionDenied
from garagebot.core.inventory.states import ReservationStatus
from garagebot.core.models import AuditEntry, SessionQcItem
from garagebot.core.repair.qc import DEFAULT_QC_ITEMS, set_qc_items, tick_qc_item
from garagebot.core.repair.sessions import change_status
from garagebot.core.uow import Database
from tests.conftest import Staff
from tests.core.repair.helpers import (
    S,
    add_reservation,
    add_steps,
    audit_actions,
    events,
    footprint,
    move,
    open_direct,
    qc_item_ids,
    session_row,
    tick_all,
    to_ready,
)


async def _qc_texts(db: Database, sid: int) -> list[tuple[str, str, bool]]:
    async with db.read() as s:
        stmt = select(SessionQcItem).where(SessionQcItem.session_id == sid).order_by(SessionQcItem.position)
        return [(q.text_en, q.text_ar, q.done) for q in (await s.scalars(stmt)).all()]


async def test_entering_qa_check_gives_the_session_the_default_bilingual_checklist(
    db: Database, staff: Staff
) -> None:
    sid = await open_direct(db, staff.advisor)
    await move(db, staff.advisor, sid, S.IN_PROGRESS, S.QA_CHECK)
    assert await _qc_texts(db, sid) == [(en, ar, False) for en, ar in DEFAULT_QC_ITEMS]
    assert "qc_checklist_created" in await audit_actions(db, staff.org, "repair_session", sid)


async def test_the_garage_checklist_replaces_the_default(db: Database, staff: Staff) -> None:
    async with db.unit_of_work(staff.manager) as uow:
        await set_qc_items(uow, [("Road test", "تجربة على الطريق"), ("Car washed", "تم غسل السيارة")])
    sid = await open_direct(db, staff.advisor)
    await move(db, staff.advisor, sid, S.IN_PROGRESS, S.QA_CHECK)
    assert await _qc_texts(db, sid) == [
        ("Road test", "تجربة على الطريق", False), ("Car washed", "تم غسل السيارة", False)
    ]
    with pytest.raises(InvalidInput) as err:
        async with db.unit_of_work(staff.manager) as uow:
            await set_qc_items(uow, [("Road test", " ")])
    assert err.value.key == "error.qc_item_text_required"
    with pytest.raises(PermissionDenied):
        async with db.unit_of_work(staff.advisor) as uow:
            await set_qc_items(uow, [("Road test", "تجربة على الطريق")])


async def test_ready_for_pickup_needs_every_qc_item_ticked(db: Database, staff: Staff) -> None:
    sid = await open_direct(db, staff.advisor)
    await move(db, staff.advisor, sid, S.IN_PROGRESS, S.QA_CHECK)
    items = await qc_item_ids(db, staff.org, sid)
    for item in items[:-1]:
        async with db.unit_of_work(staff.lead) as uow:
            await tick_qc_item(uow, item)
    with pytest.raises(InvalidTransition) as err:
        await move(db, staff.advisor, sid, S.READY_FOR_PICKUP)
    assert (err.value.key, err.value.params["missing"]) == ("error.session_qc_incomplete", 1)
    async with db.unit_of_work(staff.advisor) as uow:
        await tick_qc_item(uow, items[-1])
    await move(db, staff.advisor, sid, S.READY_FOR_PICKUP)
    assert (await session_row(db, sid)).status == S.READY_FOR_PICKUP
    ticked = await events(db, staff.org, "session.qc_item_ticked")
    assert len(ticked) == len(items)


async def test_a_failed_qc_sends_the_car_back_and_the_check_starts_again(db: Database, staff: Staff) -> None:
    sid = await open_direct(db, staff.advisor)
    await move(db, staff.advisor, sid, S.IN_PROGRESS, S.QA_CHECK)
    await tick_all(db, staff.lead, staff.org, sid)
    await move(db, staff.lead, sid, S.IN_PROGRESS, note="Brake pedal still soft")
    await move(db, staff.lead, sid, S.QA_CHECK)
    texts = await _qc_texts(db, sid)
    assert len(texts) == len(DEFAULT_QC_ITEMS)
    assert not any(done for _, _, done in texts)
    with pytest.raises(InvalidTransition):
        await move(db, staff.advisor, sid, S.READY_FOR_PICKUP)


async def test_qc_items_are_ticked_only_during_qa_check_and_not_by_a_technician(
    db: Database, staff: Staff
) -> None:
    sid = await open_direct(db, staff.advisor)
    await move(db, staff.advisor, sid, S.IN_PROGRESS, S.QA_CHECK)
    item = (await qc_item_ids(db, staff.org, sid))[0]
    with pytest.raises(PermissionDenied):
        async with db.unit_of_work(staff.tech) as uow:
            await tick_qc_item(uow, item)
    await move(db, staff.advisor, sid, S.IN_PROGRESS)
    with pytest.raises(InvalidTransition) as err:
        async with db.unit_of_work(staff.lead) as uow:
            await tick_qc_item(uow, item)
    assert err.value.key == "error.qc_not_in_check"


async def test_completed_needs_every_step_closed(db: Database, staff: Staff) -> None:
    sid = await open_direct(db, staff.advisor)
    await add_steps(db, staff.org, sid, [StepStatus.DONE, StepStatus.SKIPPED, StepStatus.FAILED,
                                         StepStatus.NOT_STARTED])
    await to_ready(db, staff, sid)
    before = await footprint(db, staff.org)
    with pytest.raises(InvalidTransition) as err:
        await move(db, staff.advisor, sid, S.COMPLETED)
    assert err.value.key == "error.session_open_work"
    assert (err.value.params["open_steps"], err.value.params["parts"]) == (2, 0)
    assert await footprint(db, staff.org) == before


async def test_completed_needs_every_reserved_part_consumed_or_returned(db: Database, staff: Staff) -> None:
    sid = await open_direct(db, staff.advisor)
    await add_steps(db, staff.org, sid, [StepStatus.DONE])
    await add_reservation(db, staff.org, sid, ReservationStatus.CONSUMED)
    await add_reservation(db, staff.org, sid, ReservationStatus.RETURNED)
    await add_reservation(db, staff.org, sid, ReservationStatus.PICKED)
    await to_ready(db, staff, sid)
    with pytest.raises(InvalidTransition) as err:
        await move(db, staff.advisor, sid, S.COMPLETED)
    assert (err.value.params["open_steps"], err.value.params["parts"]) == (0, 1)


async def test_with_closed_work_the_session_completes(db: Database, staff: Staff) -> None:
    sid = await open_direct(db, staff.advisor)
    await add_steps(db, staff.org, sid, [StepStatus.DONE, StepStatus.SKIPPED])
    await add_reservation(db, staff.org, sid, ReservationStatus.CONSUMED)
    await to_ready(db, staff, sid)
    await move(db, staff.advisor, sid, S.COMPLETED)
    rs = await session_row(db, sid)
    assert rs.status == S.COMPLETED
    assert rs.completed_at is not None


async def test_a_manager_overrides_open_work_with_a_reason_and_it_is_audited(
    db: Database, staff: Staff
) -> None:
    sid = await open_direct(db, staff.advisor)
    await add_steps(db, staff.org, sid, [StepStatus.NOT_STARTED])
    await add_reservation(db, staff.org, sid, ReservationStatus.RESERVED)
    await to_ready(db, staff, sid)
    with pytest.raises(PermissionDenied):
        async with db.unit_of_work(staff.advisor) as uow:
            await change_status(uow, sid, S.COMPLETED, override_reason="Client is in a hurry")
    with pytest.raises(InvalidInput) as err:
        async with db.unit_of_work(staff.manager) as uow:
            await change_status(uow, sid, S.COMPLETED, override_reason=" ")
    assert err.value.key == "error.session_override_reason_required"
    async with db.unit_of_work(staff.manager) as uow:
        await change_status(uow, sid, S.COMPLETED, override_reason="Wheel alignment declined on the spot")
    assert (await session_row(db, sid)).status == S.COMPLETED
    assert (await audit_actions(db, staff.org, "repair_session", sid))[-2:] == ["override", "status_change"]
    async with db.read() as s:
        entry = (await s.scalars(
            select(AuditEntry).where(AuditEntry.organization_id == staff.org, AuditEntry.action == "override")
        )).one()
    assert entry.actor_id == staff.id(staff.manager)
    assert entry.after == {"guard": "work_closed", "reason": "Wheel alignment declined on the spot",
                           "open_steps": 1, "unconsumed_parts": 1}
    assert len(await events(db, staff.org, "session.guard_overridden")) == 1

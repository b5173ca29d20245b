"""The session state machine: the table, history, hold/resume, who may move it."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from garagebot.core.actor import Actor
from garagebot.core.errors import InvalidInput, InvalidTransition, PermissionDenied
from garagebot.core.i18n import Translator
from garagebot.core.repair import machine
from garagebot.core.repair.machine import Guard
from garagebot.core.repair.sessions import cancel_session, change_status, resume_session
from garagebot.core.uow import Database
from tests.conftest import Staff
from tests.core.repair.helpers import (
    S,
    audit_actions,
    events,
    footprint,
    history,
    move,
    open_direct,
    session_row,
    tick_all,
)

MAIN_LINE = [
    S.NEW, S.DIAGNOSING, S.AWAITING_CLIENT_APPROVAL, S.AWAITING_PARTS, S.IN_PROGRESS, S.QA_CHECK,
    S.READY_FOR_PICKUP, S.COMPLETED, S.DELIVERED,
]


def test_the_table_allows_every_step_of_the_main_line() -> None:
    for current, target in itertools.pairwise(MAIN_LINE):
        assert machine.guards_for(current, target) is not None, (current, target)


def test_hold_and_cancel_are_allowed_from_every_open_state_and_nothing_leaves_a_final_state() -> None:
    for state in machine.OPEN:
        assert machine.guards_for(state, S.ON_HOLD) == frozenset({Guard.REASON})
        assert machine.guards_for(state, S.CANCELLED) == frozenset({Guard.REASON})
        assert machine.can_transition(S.ON_HOLD, state, held_from=state)
    assert machine.guards_for(S.ON_HOLD, S.CANCELLED) == frozenset({Guard.REASON})
    for final in machine.FINAL:
        assert machine.next_statuses(final) == []
    # COMPLETED is closed for work: only delivery is left.
    assert machine.next_statuses(S.COMPLETED) == [S.DELIVERED]


def test_the_guards_sit_on_the_moves_the_design_names() -> None:
    assert machine.guards_for(S.QA_CHECK, S.READY_FOR_PICKUP) == frozenset({Guard.QC_DONE})
    assert machine.guards_for(S.READY_FOR_PICKUP, S.COMPLETED) == frozenset({Guard.WORK_CLOSED})
    assert machine.guards_for(S.COMPLETED, S.DELIVERED) == frozenset({Guard.DELIVERY})
    assert machine.next_statuses(S.ON_HOLD, held_from=S.AWAITING_PARTS) == [S.AWAITING_PARTS, S.CANCELLED]


async def test_each_change_writes_history_audit_and_an_event(db: Database, staff: Staff) -> None:
    sid = await open_direct(db, staff.advisor)
    await move(db, staff.advisor, sid, *MAIN_LINE[1:5])
    rs = await session_row(db, sid)
    assert rs.status == S.IN_PROGRESS
    assert rs.diagnosed_at is not None
    assert await history(db, sid) == [
        (None, "NEW"), ("NEW", "DIAGNOSING"), ("DIAGNOSING", "AWAITING_CLIENT_APPROVAL"),
        ("AWAITING_CLIENT_APPROVAL", "AWAITING_PARTS"), ("AWAITING_PARTS", "IN_PROGRESS"),
    ]
    assert await audit_actions(db, staff.org, "repair_session", sid) == ["open"] + ["status_change"] * 4
    changed = await events(db, staff.org, "session.status_changed")
    assert [(e.payload["from"], e.payload["to"]) for e in changed][-1] == ("AWAITING_PARTS", "IN_PROGRESS")
    assert changed[-1].payload["number"] == rs.number
    assert changed[-1].payload["session_id"] == sid


async def test_a_forbidden_move_raises_with_a_key_and_writes_nothing(db: Database, staff: Staff) -> None:
    sid = await open_direct(db, staff.advisor)
    before = await footprint(db, staff.org)
    with pytest.raises(InvalidTransition) as err:
        await move(db, staff.advisor, sid, S.READY_FOR_PICKUP)
    assert err.value.key == "error.session_transition_forbidden"
    assert err.value.params == {"number": "SES-20261122-001", "@from_status": "status.session.new",
                                "@to_status": "status.session.ready_for_pickup"}
    assert await footprint(db, staff.org) == before
    said = Translator.load().render("en", err.value.key, err.value.params)
    assert said == "Session SES-20261122-001 cannot move from New to Ready for pick-up."  # names, not codes


async def test_delivered_is_not_reachable_through_change_status(db: Database, staff: Staff) -> None:
    sid = await open_direct(db, staff.advisor)
    await move(db, staff.advisor, sid, S.IN_PROGRESS, S.QA_CHECK)
    await tick_all(db, staff.lead, staff.org, sid)
    await move(db, staff.advisor, sid, S.READY_FOR_PICKUP, S.COMPLETED)
    with pytest.raises(InvalidTransition) as err:
        await move(db, staff.advisor, sid, S.DELIVERED)
    assert err.value.key == "error.session_delivery_unconfirmed"


async def test_on_hold_remembers_where_it_came_from_and_resumes_only_there(
    db: Database, staff: Staff
) -> None:
    sid = await open_direct(db, staff.advisor)
    await move(db, staff.advisor, sid, S.DIAGNOSING, S.AWAITING_PARTS)
    await move(db, staff.advisor, sid, S.ON_HOLD, note="Client abroad until Sunday")
    assert (await session_row(db, sid)).held_from == S.AWAITING_PARTS
    with pytest.raises(InvalidTransition) as err:
        await move(db, staff.advisor, sid, S.IN_PROGRESS)
    assert err.value.key == "error.session_resume_elsewhere"
    async with db.unit_of_work(staff.lead) as uow:
        await resume_session(uow, sid)
    rs = await session_row(db, sid)
    assert (rs.status, rs.held_from) == (S.AWAITING_PARTS, None)
    with pytest.raises(InvalidTransition) as err:
        async with db.unit_of_work(staff.lead) as uow:
            await resume_session(uow, sid)
    assert err.value.key == "error.session_not_on_hold"


async def test_hold_and_cancel_need_a_reason_and_cancel_keeps_it(db: Database, staff: Staff) -> None:
    sid = await open_direct(db, staff.advisor)
    for target in (S.ON_HOLD, S.CANCELLED):
        with pytest.raises(InvalidInput) as err:
            await move(db, staff.advisor, sid, target, note="   ")
        assert err.value.key == "error.session_reason_required"
    async with db.unit_of_work(staff.advisor) as uow:
        await cancel_session(uow, sid, reason="Client took the car to the dealer")
    rs = await session_row(db, sid)
    assert (rs.status, rs.close_reason) == (S.CANCELLED, "Client took the car to the dealer")
    with pytest.raises(InvalidTransition):
        await move(db, staff.advisor, sid, S.NEW)


async def test_moving_to_the_current_status_changes_nothing(db: Database, staff: Staff) -> None:
    sid = await open_direct(db, staff.advisor)
    await move(db, staff.advisor, sid, S.DIAGNOSING)
    before = await footprint(db, staff.org)
    await move(db, staff.lead, sid, S.DIAGNOSING)
    assert await footprint(db, staff.org) == before


async def test_a_lead_and_the_system_may_change_status_but_a_technician_may_not(
    db: Database, staff: Staff
) -> None:
    sid = await open_direct(db, staff.advisor)
    await move(db, staff.lead, sid, S.DIAGNOSING)
    await move(db, Actor.system(staff.org), sid, S.IN_PROGRESS)
    await move(db, staff.lead, sid, S.QA_CHECK)
    for actor in (staff.tech, staff.assistant, staff.accountant):
        with pytest.raises(PermissionDenied):
            await move(db, actor, sid, S.IN_PROGRESS)
    assert (await session_row(db, sid)).status == S.QA_CHECK


async def test_an_unknown_status_is_refused_with_a_key(db: Database, staff: Staff) -> None:
    sid = await open_direct(db, staff.advisor)
    with pytest.raises(InvalidInput) as err:
        async with db.unit_of_work(staff.advisor) as uow:
            await change_status(uow, sid, "FIXED")  # type: ignore[arg-type]
    assert err.value.key == "error.session_status_unknown"


async def test_concurrent_changes_of_one_session_apply_one_after_the_other(
    db: Database, staff: Staff
) -> None:
    sid = await open_direct(db, staff.advisor)

    async def to_diagnosing() -> None:
        await move(db, staff.advisor, sid, S.DIAGNOSING)

    await asyncio.gather(*(to_diagnosing() for _ in range(4)))
    assert await history(db, sid) == [(None, "NEW"), ("NEW", "DIAGNOSING")]

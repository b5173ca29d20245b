"""SLA targets per garage and the overdue flags computed from them."""

from __future__ import annotations

import datetime as dt

import pytest

from garagebot.core.errors import InvalidInput, PermissionDenied
from garagebot.core.models import Organization
from garagebot.core.repair.queries import active_board, session_detail
from garagebot.core.repair.sessions import set_eta
from garagebot.core.repair.sla import SlaTargets, session_sla, set_sla_targets
from garagebot.core.uow import Database
from tests.conftest import START, Staff
from tests.core.repair.helpers import S, audit_actions, events, move, open_direct
from tests.fakes import FakeClock

TARGETS = SlaTargets(diagnose_minutes=60, repair_minutes=480)


def test_due_times_count_from_the_opening_and_the_eta_replaces_the_repair_target() -> None:
    sla = session_sla(TARGETS, status=S.NEW, opened_at=START, diagnosed_at=None, eta=None)
    assert sla.diagnose_due == START + dt.timedelta(minutes=60)
    assert sla.repair_due == START + dt.timedelta(minutes=480)
    assert not sla.diagnose_overdue(START + dt.timedelta(minutes=60))
    assert sla.diagnose_overdue(START + dt.timedelta(minutes=61))
    eta = START + dt.timedelta(hours=2)
    promised = session_sla(TARGETS, status=S.IN_PROGRESS, opened_at=START, diagnosed_at=START, eta=eta)
    assert promised.repair_due == eta


def test_finished_stages_are_never_overdue() -> None:
    late = START + dt.timedelta(days=3)
    diagnosed = session_sla(TARGETS, status=S.IN_PROGRESS, opened_at=START, diagnosed_at=START, eta=None)
    assert not diagnosed.diagnose_overdue(late)
    assert diagnosed.repair_overdue(late)
    for status in (S.READY_FOR_PICKUP, S.COMPLETED, S.DELIVERED, S.CANCELLED):
        sla = session_sla(TARGETS, status=status, opened_at=START, diagnosed_at=None, eta=None)
        assert not sla.repair_overdue(late), status
    cancelled = session_sla(TARGETS, status=S.CANCELLED, opened_at=START, diagnosed_at=None, eta=None)
    assert not cancelled.diagnose_overdue(late)


async def test_managers_set_the_targets_and_the_change_is_audited(db: Database, staff: Staff) -> None:
    async with db.unit_of_work(staff.manager) as uow:
        await set_sla_targets(uow, diagnose_minutes=45, repair_minutes=300)
    async with db.read() as s:
        org = await s.get(Organization, staff.org)
        assert org is not None
        assert (org.sla_diagnose_minutes, org.sla_repair_minutes) == (45, 300)
    assert await audit_actions(db, staff.org, "organization", staff.org) == ["create", "sla_targets"]
    assert [e.payload for e in await events(db, staff.org, "garage.sla_changed")] == [
        {"diagnose_minutes": 45, "repair_minutes": 300}
    ]
    with pytest.raises(PermissionDenied):
        async with db.unit_of_work(staff.advisor) as uow:
            await set_sla_targets(uow, diagnose_minutes=30, repair_minutes=300)


@pytest.mark.parametrize(
    ("diagnose", "repair", "key"),
    [(0, 300, "error.sla_minutes_invalid"), (60, 10**9, "error.sla_minutes_invalid"),
     (600, 300, "error.sla_diagnose_after_repair")],
)
async def test_bad_targets_are_refused(
    db: Database, staff: Staff, diagnose: int, repair: int, key: str
) -> None:
    with pytest.raises(InvalidInput) as err:
        async with db.unit_of_work(staff.manager) as uow:
            await set_sla_targets(uow, diagnose_minutes=diagnose, repair_minutes=repair)
    assert err.value.key == key


async def test_the_board_flags_an_undiagnosed_session_past_its_target(
    db: Database, staff: Staff, clock: FakeClock
) -> None:
    async with db.unit_of_work(staff.manager) as uow:
        await set_sla_targets(uow, diagnose_minutes=60, repair_minutes=240)
    late = await open_direct(db, staff.advisor, 1)
    diagnosed = await open_direct(db, staff.advisor, 2)
    await move(db, staff.advisor, diagnosed, S.DIAGNOSING, S.IN_PROGRESS)
    clock.advance(minutes=61)
    async with db.read() as s:
        rows = {r.session_id: r for r in await active_board(s, staff.org, clock.now())}
    assert rows[late].diagnose_overdue
    assert not rows[late].repair_overdue
    assert not rows[diagnosed].diagnose_overdue
    clock.advance(minutes=180)
    async with db.read() as s:
        rows = {r.session_id: r for r in await active_board(s, staff.org, clock.now())}
    assert rows[late].repair_overdue
    assert rows[diagnosed].repair_overdue


async def test_a_promised_eta_moves_the_repair_due_time(db: Database, staff: Staff, clock: FakeClock) -> None:
    sid = await open_direct(db, staff.advisor)
    eta = clock.now() + dt.timedelta(days=3)
    async with db.unit_of_work(staff.advisor) as uow:
        await set_eta(uow, sid, eta)
    clock.advance(days=2)  # past the default 24 h target, before the ETA
    async with db.read() as s:
        detail = await session_detail(s, staff.org, sid)
        (row,) = await active_board(s, staff.org, clock.now())
    assert detail.sla.repair_due == eta
    assert not detail.sla.repair_overdue(clock.now())
    assert row.repair_due == eta
    assert not row.repair_overdue

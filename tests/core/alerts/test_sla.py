"""The SLA check with a moved clock: a breach is told once to the session's
advisor and the lead, each in their language with the button that opens the
session; still open after the set delay it escalates once to the managers; a
car that moved on is never escalated; quiet hours hold the messages."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from garagebot.core.actor import Actor
from garagebot.core.alerts.settings import ScheduleSettings, set_schedule_settings
from garagebot.core.alerts.sla import check_sla
from garagebot.core.enums import SessionStatus
from garagebot.core.models import RepairSession
from garagebot.core.notify.staff import set_staff_quiet_hours
from garagebot.core.uow import Database
from tests.conftest import Staff
from tests.core.alerts.support import link_staff, queued_to
from tests.core.repair.helpers import move, open_direct
from tests.fakes import FakeClock

S = SessionStatus


async def test_a_breach_is_told_once_and_escalated_once(db: Database, staff: Staff, clock: FakeClock) -> None:
    chats = await link_staff(db, staff)
    sid = await open_direct(db, staff.advisor, 1)
    clock.advance(minutes=119)
    assert await check_sla(db, staff.org, clock.now()) == 0
    clock.advance(minutes=2)  # past the 120-minute diagnosis target
    assert await check_sla(db, staff.org, clock.now()) == 2  # the advisor and the lead
    for _ in range(3):
        clock.advance(minutes=5)
        assert await check_sla(db, staff.org, clock.now()) == 0
    advisor, lead = await queued_to(db, chats["advisor"]), await queued_to(db, chats["lead"])
    assert [(m.key, m.locale) for m in advisor] == [("schedule.breach_diagnosis", "ar")]
    assert [(m.key, m.locale) for m in lead] == [("schedule.breach_diagnosis", "en")]
    assert "ما زالت تنتظر التشخيص" in advisor[0].text
    assert "is still waiting for diagnosis" in lead[0].text
    assert advisor[0].choices == (f"o:ses:{sid}",)
    assert await queued_to(db, chats["manager"]) == []
    clock.advance(minutes=120)  # the default escalation delay
    assert await check_sla(db, staff.org, clock.now()) == 2  # the owner and the manager
    clock.advance(minutes=30)
    assert await check_sla(db, staff.org, clock.now()) == 0
    manager, owner = await queued_to(db, chats["manager"]), await queued_to(db, chats["owner"])
    assert [(m.key, m.locale) for m in manager] == [("schedule.escalated_diagnosis", "ar")]
    assert [(m.key, m.locale) for m in owner] == [("schedule.escalated_diagnosis", "en")]
    assert "تصعيد" in manager[0].text
    assert owner[0].choices == (f"o:ses:{sid}",)
    assert len(await queued_to(db, chats["advisor"])) == 1


async def test_each_stage_has_its_own_breach_and_a_car_that_moved_on_is_not_escalated(
    db: Database, staff: Staff, clock: FakeClock
) -> None:
    chats = await link_staff(db, staff)
    async with db.unit_of_work(staff.owner) as uow:
        await set_schedule_settings(
            uow, ScheduleSettings(approval_wait_minutes=60, escalate_after_minutes=60)
        )
    sid = await open_direct(db, staff.advisor, 2)
    await move(db, staff.advisor, sid, S.DIAGNOSING, S.AWAITING_CLIENT_APPROVAL)
    clock.advance(minutes=61)
    assert await check_sla(db, staff.org, clock.now()) == 2
    await move(db, staff.advisor, sid, S.IN_PROGRESS)  # the client approved: no escalation
    clock.advance(minutes=61)
    assert await check_sla(db, staff.org, clock.now()) == 0
    assert await queued_to(db, chats["manager"]) == []
    assert [m.key for m in await queued_to(db, chats["lead"])] == ["schedule.breach_approval"]


async def test_quiet_hours_hold_the_breach_until_they_end(
    db: Database, staff: Staff, clock: FakeClock
) -> None:
    chats = await link_staff(db, staff)
    async with db.unit_of_work(staff.owner) as uow:
        await set_staff_quiet_hours(uow, "21:00", "07:00")
    clock.set(dt.datetime(2026, 12, 8, 16, 0, tzinfo=dt.UTC))  # 19:00 in Amman
    await open_direct(db, staff.advisor, 3)
    clock.advance(hours=3)  # 22:00 in Amman: the diagnosis is an hour late, inside quiet hours
    assert await check_sla(db, staff.org, clock.now()) == 2
    held = await queued_to(db, chats["advisor"])
    assert [m.available_at for m in held] == [dt.datetime(2026, 12, 9, 4, 0, tzinfo=dt.UTC)]  # 07:00


async def test_a_stage_set_to_zero_is_not_checked(db: Database, staff: Staff, clock: FakeClock) -> None:
    await link_staff(db, staff)
    async with db.unit_of_work(Actor.system(staff.org)) as uow:
        await set_schedule_settings(uow, ScheduleSettings(pickup_wait_minutes=0))
    sid = await open_direct(db, staff.advisor, 4)
    clock.advance(minutes=1)
    async with db.raw_transaction() as s:  # a car ready for pickup, as the board would show it
        await s.execute(
            update(RepairSession)
            .where(RepairSession.id == sid)
            .values(status=S.READY_FOR_PICKUP.value, status_changed_at=clock.now())
        )
    clock.advance(days=3)
    assert await check_sla(db, staff.org, clock.now()) == 0

"""Transcripts: a client answers a service-due reminder with "1" and books the
car in for that service by chat, in English and Arabic; the request waits for
the advisors like any chat booking. A "1" without a reminder stays what it was."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from garagebot.core.actor import Actor
from garagebot.core.alerts.service_due import remind_services
from garagebot.core.alerts.settings import ScheduleSettings, ServiceInterval, set_schedule_settings
from garagebot.core.enums import RequestStatus
from garagebot.core.ids import OrgId
from garagebot.core.models import Request
from garagebot.core.uow import Database
from tests.conftest import Staff
from tests.conversations.client.harness import ClientChat, on_telegram, outbox_to, scene, visit
from tests.core.alerts.history import serviced
from tests.fakes import FakeClock


async def due_for_oil(db: Database, staff: Staff, clock: FakeClock, locale: str) -> tuple[str, str]:
    """A client whose car had its oil changed six months ago, reminded now: (phone, plate)."""
    async with db.unit_of_work(Actor.system(staff.org)) as uow:
        oil = ServiceInterval("oil", months=6)
        await set_schedule_settings(uow, ScheduleSettings(service_intervals=(oil,)))
    v = await visit(db, staff, locale=locale, name="Rami" if locale == "en" else "أبو خالد")
    await serviced(db, staff.org, v.session_id, clock.now())
    clock.set(clock.now().replace(year=2027, month=5))
    assert await remind_services(db, staff.org, clock.now()) == 1
    return v.phone, v.plate


async def requests_of(db: Database, org: OrgId) -> list[Request]:
    async with db.read() as s:
        return list((await s.scalars(select(Request).where(Request.organization_id == org))).all())


async def test_reply_1_books_the_reminded_service_in_english(
        db: Database, org: OrgId, staff: Staff, clock: FakeClock) -> None:
    advisor_chat = await on_telegram(db, staff.id(staff.advisor))
    sc = await scene(db, org)
    phone, plate = await due_for_oil(db, staff, clock, "en")
    [reminder] = [r for r in await outbox_to(db, phone) if r.topic == "schedule.service_due"]
    assert reminder.locale == "en"
    chat = ClientChat(sc.engine(), sc.garage, phone)
    [when] = await chat.say("1")
    assert when.text.startswith(f"Let's book Oil service for {plate}. When would you like to bring the car?")
    assert [c[1] for c in when.choices] == ["Today", "Tomorrow", "Any time"]
    [done] = await chat.say("tomorrow 10")
    [req] = await requests_of(db, org)
    assert (req.complaint, req.status) == ("Oil service", RequestStatus.OPEN)
    assert req.preferred_time == dt.datetime(2027, 5, 23, 7, 0, tzinfo=dt.UTC)  # 10:00 in Amman
    assert done.key == "client.intake_done"
    assert plate in done.text
    [to_advisor] = [r for r in await outbox_to(db, str(advisor_chat)) if r.topic == "client.request_to_staff"]
    assert to_advisor.payload["params"]["plate"] == plate  # type: ignore[index]
    [again] = await chat.say("1")  # the reminder was answered: "1" is read as before
    assert again.key != "schedule.book_service"


async def test_reply_1_books_the_reminded_service_in_arabic(
        db: Database, org: OrgId, staff: Staff, clock: FakeClock) -> None:
    sc = await scene(db, org)
    phone, plate = await due_for_oil(db, staff, clock, "ar")
    chat = ClientChat(sc.engine(), sc.garage, phone)
    [when] = await chat.say("١")
    assert when.text.startswith(f"لنحجز تغيير الزيت للسيارة {plate}.")
    assert [c[1] for c in when.choices] == ["اليوم", "بكرا", "أي وقت"]
    await chat.say(choice="it:any")
    [req] = await requests_of(db, org)
    assert req.complaint == "تغيير الزيت"
    assert req.preferred_time is None


async def test_a_1_without_a_service_reminder_books_nothing(
        db: Database, org: OrgId, staff: Staff, clock: FakeClock) -> None:
    sc = await scene(db, org)
    v = await visit(db, staff)
    chat = ClientChat(sc.engine(), sc.garage, v.phone)
    [answer] = await chat.say("1")
    assert answer.key != "schedule.book_service"
    assert await requests_of(db, org) == []

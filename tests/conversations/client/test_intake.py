"""Transcripts: a number the garage does not know books a visit by chat
(name, plate, complaint, preferred time) in English and Arabic; the request
waits for the advisors, who hear of it on Telegram."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from garagebot.core.enums import Channel, RequestStatus, SessionStatus
from garagebot.core.ids import OrgId
from garagebot.core.models import Request, Vehicle
from garagebot.core.uow import Database
from tests.conftest import Staff
from tests.conversations.client.harness import (
    ClientChat,
    audit_of,
    client_row,
    mobile,
    on_telegram,
    outbox_to,
    scene,
    visit,
)
from tests.fakes import FakeClock

S = SessionStatus


async def requests_of(db: Database, org: OrgId) -> list[Request]:
    async with db.read() as s:
        return list((await s.scalars(select(Request).where(Request.organization_id == org))).all())


async def test_a_new_number_books_a_visit_in_english(
    db: Database, org: OrgId, staff: Staff, clock: FakeClock
) -> None:
    advisor_chat = await on_telegram(db, staff.id(staff.advisor))
    sc = await scene(db, org)
    phone = mobile()
    chat = ClientChat(sc.engine(), sc.garage, phone, channel=Channel.SMS, provider="twilio")

    [welcome] = await chat.say("Hello, I need my car checked")
    assert welcome.text == ("Welcome to Test Garage! We don't have your number on file yet, so let's book "
                            "your car in. What is your name?")
    [plate_q] = await chat.say("Lina Saleh")
    assert plate_q.text == "Thank you, Lina Saleh. What is your car's plate number?"
    [again] = await chat.say("no idea")
    assert again.key == "client.intake_plate_again"
    [complaint_q] = await chat.say("12 34567")
    assert complaint_q.key == "client.intake_complaint"
    [time_q] = await chat.say("The AC blows warm air")
    assert [c[1] for c in time_q.choices] == ["Today", "Tomorrow", "Any time"]
    [done] = await chat.say("tomorrow 10:30")

    [req] = await requests_of(db, org)
    assert done.text == (f"Thank you, Lina Saleh! Your request #{req.id} for 12-34567 is booked for "
                         "Mon 23 Nov, 10:30. An advisor will confirm with you shortly.")
    assert (req.complaint, req.channel, req.status) == ("The AC blows warm air", "sms", RequestStatus.OPEN)
    assert req.preferred_time == dt.datetime(2026, 11, 23, 7, 30, tzinfo=dt.UTC)  # 10:30 in Amman
    client = await client_row(db, org, phone)
    assert (client.name, client.locale) == ("Lina Saleh", "en")
    async with db.read() as s:
        vehicle = (await s.scalars(select(Vehicle).where(Vehicle.id == req.vehicle_id))).one()
    assert (vehicle.plate, vehicle.client_id) == ("12-34567", client.id)
    [created] = await audit_of(db, org, "request", "create")
    assert (created.actor_kind, created.channel) == ("contact", "sms")  # the number writing, never the system
    [to_advisor] = await outbox_to(db, str(advisor_chat))
    assert to_advisor.topic == "client.request_to_staff"
    assert to_advisor.payload["params"]["plate"] == "12-34567"  # type: ignore[index]


async def test_a_new_number_books_a_visit_in_arabic_with_a_button_for_the_time(
    db: Database, org: OrgId, staff: Staff
) -> None:
    sc = await scene(db, org)
    phone = mobile()
    chat = ClientChat(sc.engine(), sc.garage, phone)

    [welcome] = await chat.say("السلام عليكم")
    assert welcome.text.startswith("أهلًا بك في كراج التجربة!")
    await chat.say("أبو خالد")
    await chat.say("٥٥-١٢٣٤٥")
    [time_q] = await chat.say("صوت طقطقة من الجنط الأمامي")
    assert [c[1] for c in time_q.choices] == ["اليوم", "بكرا", "أي وقت"]
    [done] = await chat.say(choice="it:any")

    [req] = await requests_of(db, org)
    assert done.text == (f"شكرًا لك يا أبو خالد! سجّلنا طلبك رقم {req.id} للسيارة 55-12345، والموعد: أي وقت. "
                         "سيتواصل معك موظف الاستقبال قريبًا للتأكيد.")
    assert req.preferred_time is None
    assert (await client_row(db, org, phone)).locale == "ar"


async def test_after_booking_the_new_client_is_known(db: Database, org: OrgId, staff: Staff) -> None:
    sc = await scene(db, org)
    phone = mobile()
    chat = ClientChat(sc.engine(), sc.garage, phone)
    for text in ("hi", "Omar", "20-11111", "Brakes", "today"):
        await chat.say(text)

    [said] = await chat.say("where is my car")

    assert said.key == "client.no_visit"


async def test_a_known_client_can_book_another_car(db: Database, org: OrgId, staff: Staff) -> None:
    sc = await scene(db, org)
    v = await visit(db, staff, path=(S.DIAGNOSING,))
    chat = ClientChat(sc.engine(), sc.garage, v.phone)

    [plate_q] = await chat.say("book")
    assert plate_q.text == "Thank you, Rami. What is your car's plate number?"
    for text in ("33-44444", "Oil change"):
        await chat.say(text)
    [done] = await chat.say("today 5pm")

    [req] = await requests_of(db, org)
    assert req.client_id == v.client_id
    assert "is booked for Sun 22 Nov, 17:00" in done.text


async def test_a_time_that_is_not_understood_is_asked_again(db: Database, org: OrgId, staff: Staff) -> None:
    sc = await scene(db, org)
    chat = ClientChat(sc.engine(), sc.garage, mobile())
    for text in ("hi", "Omar", "20-11111", "Brakes"):
        await chat.say(text)

    [again] = await chat.say("next week maybe")

    assert again.key == "client.intake_time_again"
    assert await requests_of(db, org) == []


async def test_an_unanswered_intake_starts_over_after_a_day(
    db: Database, org: OrgId, staff: Staff, clock: FakeClock
) -> None:
    sc = await scene(db, org)
    chat = ClientChat(sc.engine(), sc.garage, mobile())
    await chat.say("hi")
    await chat.say("Omar")
    clock.advance(hours=25)

    [said] = await chat.say("12-34567")

    assert said.key == "client.intake_welcome"  # the plate was not taken as an answer a day later

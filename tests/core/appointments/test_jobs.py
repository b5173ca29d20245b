"""The scheduler's appointment jobs: the day-before reminder goes once, in
the reminder hours, in the client's language on their channel (SMS instead
of WhatsApp outside the 24-hour window without a template; the template
when the garage has one), never to a client who opted out; the no-shows."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from garagebot.core.actor import Actor
from garagebot.core.appointments.booking import Slot, book_appointment
from garagebot.core.appointments.jobs import remind_appointments
from garagebot.core.enums import Channel
from garagebot.core.garage import set_garage_settings
from garagebot.core.messaging import set_whatsapp_template, touch_contact
from garagebot.core.models import Appointment, Client
from garagebot.core.uow import Database
from tests.conftest import START, Staff
from tests.core.appointments.helpers import add_bays, local, messages_to, new_request
from tests.fakes import FakeClock

TUESDAY = (START + dt.timedelta(days=2)).date()
MONDAY_10 = local((START + dt.timedelta(days=1)).date(), 10)


async def _booked(db: Database, staff: Staff, phone: str, plate: str, hour: int, *,
                  locale: str = "en") -> int:
    bays = await add_bays(db, staff.org)
    rid = await new_request(db, staff, phone, plate, locale=locale)
    async with db.unit_of_work(staff.advisor) as uow:
        return (await book_appointment(uow, rid, Slot(bays[0], local(TUESDAY, hour)))).appointment_id


async def test_an_opted_out_client_is_not_reminded_and_not_asked_again(
        db: Database, staff: Staff, clock: FakeClock) -> None:
    aid = await _booked(db, staff, "+962790000401", "50-5001", 9)
    async with db.raw_transaction() as s:
        await s.execute(update(Client).where(Client.phone == "+962790000401").values(messaging_consent=False))
    clock.set(MONDAY_10)
    assert await remind_appointments(db, staff.org, clock.now()) == 0
    assert [m.topic for m in await messages_to(db, staff.org, "+962790000401")] == ["appointment.offer"]
    async with db.read() as s:
        row = await s.get(Appointment, aid)
    assert row is not None
    assert row.reminded_at == MONDAY_10  # claimed: the next hourly run does not look at it again
    assert await remind_appointments(db, staff.org, clock.now()) == 0


async def test_outside_the_whatsapp_window_the_reminder_is_the_template_or_an_sms(
        db: Database, staff: Staff, clock: FakeClock) -> None:
    async with db.unit_of_work(Actor.system(staff.org)) as uow:
        await set_garage_settings(uow, numbers={"whatsapp_number": "+96265550001",
                                                "sms_number": "+96265550002"})
    await _booked(db, staff, "+962790000402", "50-5002", 9, locale="ar")
    await _booked(db, staff, "+962790000403", "50-5003", 11)
    async with db.raw_transaction() as s:  # both wrote on WhatsApp on Sunday: the window closes Monday
        for phone in ("+962790000402", "+962790000403"):
            await touch_contact(s, staff.org, Channel.WHATSAPP.value, phone, START)
    async with db.unit_of_work(Actor.system(staff.org)) as uow:
        await set_whatsapp_template(uow, "appointment.reminder", "ar", name="appt_reminder_ar", language="ar",
                                    params=["garage", "when", "plate"])
    clock.set(MONDAY_10)
    assert await remind_appointments(db, staff.org, clock.now()) == 2
    [ar] = [m for m in await messages_to(db, staff.org, "+962790000402") if m.topic == "appointment.reminder"]
    [en] = [m for m in await messages_to(db, staff.org, "+962790000403") if m.topic == "appointment.reminder"]
    assert (ar.channel, ar.locale) == ("whatsapp", "ar")  # the Arabic template the garage registered
    assert (en.channel, en.locale) == ("sms", "en")  # no English template: by SMS instead


async def test_in_the_evening_quiet_hours_nothing_goes_until_the_morning(
        db: Database, staff: Staff, clock: FakeClock) -> None:
    await _booked(db, staff, "+962790000404", "50-5004", 9)
    clock.set(local((START + dt.timedelta(days=1)).date(), 21) + dt.timedelta(minutes=30))
    assert await remind_appointments(db, staff.org, clock.now()) == 0
    clock.set(local((START + dt.timedelta(days=1)).date(), 20))
    assert await remind_appointments(db, staff.org, clock.now()) == 1

"""Transcripts: a client books by chat; the advisor offers one of the free
times listed in the chat; the client confirms by reply (a button on
WhatsApp, "1" on SMS) in their language; the day before (a moved clock) they
are reminded and reply 3 to cancel — every message each person is told is a
queued outbox row to them. Then: the car arrives (a session opens from the
appointment) or does not (a no-show), from "today" / "اليوم"."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from garagebot.core.appointments.jobs import remind_appointments
from garagebot.core.enums import Channel, RequestStatus, Role
from garagebot.core.ids import OrgId
from garagebot.core.models import Appointment, OutboxRow, RepairSession, Request
from garagebot.core.uow import Database
from tests.conftest import START, Staff
from tests.conversations.chat import keys
from tests.conversations.client.harness import ClientChat, outbox_to, plain, scene, translator
from tests.conversations.staff.support import StaffChat, choice_ids, staff_chat
from tests.conversations.staff.test_bookings import CLIENT_TURNS
from tests.core.appointments.helpers import add_bays, local
from tests.core.appointments.helpers import choice_ids as choice_ids_of
from tests.fakes import FakeClock

SUNDAY = START.date()  # 09:00 in Amman


async def booked_by_chat(db: Database, org: OrgId, locale: str,
                         channel: Channel) -> tuple[Request, ClientChat]:
    sc = await scene(db, org)
    phone = f"+96279{len(locale)}{channel.value[0] == 's':d}{org % 100000:05d}"
    chat = ClientChat(sc.engine(), sc.garage, phone, channel=channel,
                      provider="twilio" if channel is Channel.SMS else "meta")
    for text in CLIENT_TURNS[locale]:
        await chat.say(text)
    async with db.read() as s:
        req = (await s.scalars(select(Request).where(Request.organization_id == org))).one()
    return req, chat


def rendered(row: OutboxRow) -> str:
    params = row.payload["params"]
    assert isinstance(params, dict)
    return plain(translator().render(str(row.locale), row.topic, params))


async def new_to(db: Database, address: str, seen: int) -> list[OutboxRow]:
    return (await outbox_to(db, address))[seen:]


async def offer_a_free_time(db: Database, org: OrgId, locale: str,
                            channel: Channel) -> tuple[Request, ClientChat, StaffChat, int]:
    """The advisor lists the free times of the request (the client's own first) and offers the
    last one (Tuesday 08:00)."""
    await add_bays(db, org)
    req, client = await booked_by_chat(db, org, locale, channel)
    advisor = await staff_chat(db, org, Role.ADVISOR, locale)
    await advisor.say("bookings" if locale == "en" else "طلبات الحجز")
    card = await advisor.say(choice=f"bk:{req.id}")
    assert "bq:slots" in choice_ids(card)
    offered = await advisor.say(choice="bq:slots")
    assert keys(offered) == ["appointments.slots"]
    slots = [c for c in offered[0].choices if c[0].startswith("sl:")]
    assert len(slots) == 6  # the client's Monday 10:30, then two a day: Sunday 10, 11, Monday 8, 9, Tuesday 8
    assert ("Mon 23 Nov, 10:30" if locale == "en" else "الاثنين 23 نوفمبر، 10:30") in slots[0][1]
    last_id, last_text = slots[-1]
    assert ("Tue 24 Nov, 08:00" if locale == "en" else "الثلاثاء 24 نوفمبر، 08:00") in last_text
    done = await advisor.say(choice=last_id)
    assert keys(done) == ["appointments.offered", "bookings.list"]
    async with db.read() as s:
        appt = (await s.scalars(select(Appointment).where(Appointment.organization_id == org))).one()
    assert appt.starts_at == local(SUNDAY + dt.timedelta(days=2), 8)
    assert "appointment.offer" in [r.topic for r in await outbox_to(db, client.phone)]  # "asked to confirm"
    return req, client, advisor, appt.id


@pytest.mark.parametrize(("locale", "channel"), [("en", Channel.SMS), ("ar", Channel.WHATSAPP)])
async def test_offered_confirmed_by_reply_reminded_the_day_before_and_cancelled_with_3(
    db: Database, org: OrgId, staff: Staff, clock: FakeClock, locale: str, channel: Channel,
) -> None:
    req, client, advisor, aid = await offer_a_free_time(db, org, locale, channel)
    [offer] = [r for r in await outbox_to(db, client.phone) if r.topic == "appointment.offer"]
    assert (offer.channel, offer.locale) == (channel.value, locale)
    text = rendered(offer)
    assert ("Tue 24 Nov, 08:00" if locale == "en" else "الثلاثاء 24 نوفمبر، 08:00") in text
    if locale == "ar":
        assert "هل يناسبك" in text
    seen = len(await outbox_to(db, client.phone))

    # The client confirms: "1" typed on SMS, the button on WhatsApp.
    said = await (client.say("1") if channel is Channel.SMS else client.say(choice=f"ap:{aid}:yes"))
    assert [s.key for s in said] == ["appointment.confirmed_reply"]
    assert [r.topic for r in await new_to(db, client.phone, seen)] == ["appointment.confirmed_reply"]
    to_advisor = await outbox_to(db, advisor.chat.address)
    [told] = [r for r in to_advisor if r.topic == "appointments.client_confirmed"]
    assert told.locale == locale
    async with db.read() as s:
        row, request = await s.get(Appointment, aid), await s.get(Request, req.id)
    assert row is not None
    assert request is not None
    assert row.status == "CONFIRMED"
    assert request.confirmed_at is not None

    # The reminder goes the day before (Monday), within the reminder hours, once.
    assert await remind_appointments(db, org, clock.now()) == 0  # Sunday: two days ahead
    clock.set(local(SUNDAY + dt.timedelta(days=1), 7))
    assert await remind_appointments(db, org, clock.now()) == 0  # 07:00: the client's quiet hours
    clock.set(local(SUNDAY + dt.timedelta(days=1), 10))
    assert await remind_appointments(db, org, clock.now()) == 1
    assert await remind_appointments(db, org, clock.now()) == 0  # once
    [reminder] = [r for r in await outbox_to(db, client.phone) if r.topic == "appointment.reminder"]
    assert reminder.locale == locale
    assert choice_ids_of(reminder) == [f"ap:{aid}:yes", f"ap:{aid}:other", f"ap:{aid}:cancel"]
    if locale == "ar":
        assert not any("a" <= ch.lower() <= "z" for ch in rendered(reminder))

    # "3" cancels (typed on both channels: the reminder asked it).
    said = await client.say("3" if locale == "en" else "٣")
    assert [s.key for s in said] == ["appointment.cancelled_reply"]
    assert (await outbox_to(db, client.phone))[-1].topic == "appointment.cancelled_reply"
    assert "appointments.client_cancelled" in [r.topic for r in await outbox_to(db, advisor.chat.address)]
    async with db.read() as s:
        row, request = await s.get(Appointment, aid), await s.get(Request, req.id)
    assert row is not None
    assert request is not None
    assert (row.status, request.status) == ("CANCELLED", RequestStatus.CLOSED)
    assert [s.key for s in await client.say("1")] != ["appointment.confirmed_reply"]  # nothing left to answer


@pytest.mark.parametrize("locale", ["en", "ar"])
async def test_the_client_asks_for_another_time_and_the_advisor_offers_again(
    db: Database, org: OrgId, staff: Staff, locale: str,
) -> None:
    req, client, advisor, aid = await offer_a_free_time(db, org, locale, Channel.SMS)
    said = await client.say("2")
    assert [s.key for s in said] == ["appointment.other_reply"]
    assert (await outbox_to(db, client.phone))[-1].topic == "appointment.other_reply"
    assert "appointments.client_other_time" in [r.topic for r in await outbox_to(db, advisor.chat.address)]
    async with db.read() as s:
        row, request = await s.get(Appointment, aid), await s.get(Request, req.id)
    assert row is not None
    assert request is not None
    assert (row.status, request.status) == ("CANCELLED", RequestStatus.OPEN)


async def test_a_button_of_another_clients_appointment_is_refused(
    db: Database, org: OrgId, staff: Staff,
) -> None:
    _req, _client, _advisor, aid = await offer_a_free_time(db, org, "en", Channel.WHATSAPP)
    sc = await scene(db, org)
    stranger = ClientChat(sc.engine(), sc.garage, "+962791119999")
    for text in CLIENT_TURNS["en"][:4]:
        await stranger.say(text)
    said = await stranger.say(choice=f"ap:{aid}:cancel")
    assert "appointment.cancelled_reply" not in [s.key for s in said]
    async with db.read() as s:
        row = await s.get(Appointment, aid)
    assert row is not None
    assert row.status == "BOOKED"


@pytest.mark.parametrize("locale", ["en", "ar"])
async def test_todays_appointments_convert_on_arrival_or_mark_a_no_show(
    db: Database, org: OrgId, staff: Staff, clock: FakeClock, locale: str,
) -> None:
    req, client, advisor, aid = await offer_a_free_time(db, org, locale, Channel.SMS)
    await client.say("1")
    clock.set(local(SUNDAY + dt.timedelta(days=2), 7) + dt.timedelta(minutes=55))
    listed = await advisor.say("today" if locale == "en" else "اليوم")
    assert keys(listed) == ["appointments.client_confirmed", "appointments.today"]  # the notice, then the day
    assert f"ap:{aid}" in choice_ids(listed)
    line = dict(listed[1].choices)[f"ap:{aid}"]
    assert ("08:00 · Bay 1" if locale == "en" else "\u206808:00\u2069 · \u2068الرافعة ١\u2069") in line
    card = await advisor.say(choice=f"ap:{aid}")
    assert keys(card) == ["appointments.card"]
    assert choice_ids(card)[:3] == ["aq:arrived", "aq:no_show", "aq:cancel"]
    opened = await advisor.say(choice="aq:arrived")
    assert keys(opened) == ["appointments.converted", "staff.intake_photos"]
    async with db.read() as s:
        rs = (await s.scalars(select(RepairSession).where(RepairSession.organization_id == org))).one()
        row = await s.get(Appointment, aid)
    assert row is not None
    assert (row.status, row.session_id, rs.request_id, rs.complaint) == (
        "CONVERTED", rs.id, req.id, CLIENT_TURNS[locale][3])
    assert rs.number in opened[0].text


async def test_a_no_show_is_marked_from_the_chat(
    db: Database, org: OrgId, staff: Staff, clock: FakeClock,
) -> None:
    _req, _client, advisor, aid = await offer_a_free_time(db, org, "ar", Channel.WHATSAPP)
    await advisor.say(choice="g:menu")
    clock.set(local(SUNDAY + dt.timedelta(days=2), 10))
    await advisor.say("اليوم")
    await advisor.say(choice=f"ap:{aid}")
    marked = await advisor.say(choice="aq:no_show")
    assert keys(marked) == ["appointments.no_show_done", "appointments.today"]
    async with db.read() as s:
        row = await s.get(Appointment, aid)
    assert row is not None
    assert row.status == "NO_SHOW"
    assert "لم يحضر" in dict(marked[1].choices)[f"ap:{aid}"]


@pytest.mark.parametrize("locale", ["en", "ar"])
async def test_the_advisor_cancels_from_the_day_with_a_reason_and_the_client_is_told(
    db: Database, org: OrgId, staff: Staff, clock: FakeClock, locale: str,
) -> None:
    _req, client, advisor, aid = await offer_a_free_time(db, org, locale, Channel.SMS)
    await advisor.say(choice="g:menu")
    await advisor.say("today" if locale == "en" else "اليوم")
    day_after = await advisor.say(choice="ad:next")
    assert keys(day_after) == ["appointments.today_none"]
    assert f"ap:{aid}" in choice_ids(await advisor.say(choice="ad:next"))  # Tuesday
    await advisor.say(choice=f"ap:{aid}")
    assert keys(await advisor.say(choice="aq:cancel")) == ["appointments.reason_prompt"]
    reason = "the lift is broken" if locale == "en" else "الرافعة معطلة"
    done = await advisor.say(reason)
    assert keys(done) == ["appointments.cancelled", "appointments.today"]
    [told] = [r for r in await outbox_to(db, client.phone) if r.topic == "appointment.cancelled"]
    assert (told.channel, told.locale) == ("sms", locale)
    async with db.read() as s:
        row = await s.get(Appointment, aid)
    assert row is not None
    assert (row.status, row.close_reason) == ("CANCELLED", reason)

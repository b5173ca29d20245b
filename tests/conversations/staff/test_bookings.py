"""Transcripts: a client books a visit by chat, then the advisor opens the
booking requests on Telegram and confirms the client's time, proposes
another, declines with a reason, or opens a session from it — and the client
is told each answer in their language on their channel."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from garagebot.core.enums import Channel, RequestStatus, Role
from garagebot.core.ids import OrgId
from garagebot.core.models import Client, OutboxRow, RepairSession, Request
from garagebot.core.uow import Database
from tests.conftest import Staff, new_garage
from tests.conversations.chat import keys
from tests.conversations.client.harness import ClientChat, audit_of, outbox_to, plain, scene, translator
from tests.conversations.staff.support import choice_ids, staff_chat, texts

CLIENT_TURNS = {
    "en": ("Hello, I need my car checked", "Lina Saleh", "12-34567", "The AC blows warm air",
           "tomorrow 10:30"),
    "ar": ("السلام عليكم", "أبو خالد", "٥٥-١٢٣٤٥", "صوت طقطقة من الجنط الأمامي", "بكرا ١٠:٣٠"),
}


async def book(db: Database, org: OrgId, locale: str, channel: Channel) -> tuple[Request, str]:
    """A new client books a visit by chat (their language, their channel)."""
    sc = await scene(db, org)
    phone = f"+96279{str(org)[-3:].zfill(3)}{len(locale)}{channel.value[0] == 's':d}{org % 1000:03d}"[:13]
    chat = ClientChat(sc.engine(), sc.garage, phone, channel=channel,
                      provider="twilio" if channel is Channel.SMS else "meta")
    for text in CLIENT_TURNS[locale]:
        await chat.say(text)
    async with db.read() as s:
        req = (await s.scalars(select(Request).where(Request.organization_id == org))).one()
    return req, phone


async def told(db: Database, phone: str) -> list[tuple[str, str, str, str]]:
    """(key, channel, locale, text as the client reads it) of every booking answer queued to ``phone``."""
    rows: list[OutboxRow] = [r for r in await outbox_to(db, phone) if r.topic.startswith("booking.")]
    return [(r.topic, str(r.channel), str(r.locale), plain(translator().render(
        str(r.locale), r.topic, r.payload["params"])))  # type: ignore[arg-type]
        for r in rows]


async def test_the_advisor_confirms_the_clients_time_in_one_tap_and_the_client_is_told_by_sms(
    db: Database, org: OrgId, staff: Staff,
) -> None:
    req, phone = await book(db, org, "en", Channel.SMS)
    advisor = await staff_chat(db, org, Role.ADVISOR, "en")
    listed = await advisor.say("bookings")
    assert keys(listed) == ["bookings.list"]
    assert dict(listed[0].choices)[f"bk:{req.id}"] == f"#{req.id} · Lina Saleh · 12-34567 · Mon 23 Nov, 10:30"
    card = await advisor.say(choice=f"bk:{req.id}")
    assert keys(card) == ["bookings.card"]
    assert "Problem: The AC blows warm air" in card[0].text
    assert "Preferred time: Mon 23 Nov, 10:30" in card[0].text
    assert choice_ids(card)[:5] == ["bq:confirm", "bq:other", "bq:propose", "bq:decline", "bq:convert"]
    done = await advisor.say(choice="bq:confirm")
    assert keys(done) == ["bookings.confirmed", "bookings.list"]
    assert done[0].text == f"Booking #{req.id} is confirmed for Mon 23 Nov, 10:30. Lina Saleh was told."
    line = dict(done[1].choices)[f"bk:{req.id}"]
    assert line == f"✅ #{req.id} · Lina Saleh · 12-34567 · Mon 23 Nov, 10:30"  # now marked confirmed
    assert await told(db, phone) == [(
        "booking.confirmed", "sms", "en",
        "Test Garage: your visit for 12-34567 is booked for Mon 23 Nov, 10:30. See you then! "
        "Reply here if you need to change it.")]
    [entry] = await audit_of(db, org, "request", "confirm_time")
    assert entry.actor_id == advisor.user_id
    await advisor.say(choice=f"bk:{req.id}")
    assert keys(await advisor.say(choice="bq:confirm")) == ["bookings.card_confirmed"]  # a stale button
    assert len(await told(db, phone)) == 1  # the client is not told twice


async def test_in_arabic_the_advisor_proposes_another_time_then_declines_and_the_client_reads_both_in_arabic(
    db: Database, org: OrgId, staff: Staff,
) -> None:
    req, phone = await book(db, org, "ar", Channel.WHATSAPP)
    advisor = await staff_chat(db, org, Role.ADVISOR, "ar")
    listed = await advisor.say("طلبات الحجز")
    assert f"bk:{req.id}" in choice_ids(listed)
    card = await advisor.say(choice=f"bk:{req.id}")
    assert "الموعد المفضّل: \u2068الاثنين 23 نوفمبر، 10:30\u2069" in card[0].text  # the advisor's language
    assert "المشكلة: \u2068صوت طقطقة من الجنط الأمامي\u2069" in card[0].text
    assert keys(await advisor.say(choice="bq:propose")) == ["bookings.time_propose"]
    assert keys(await advisor.say("مش عارف")) == ["bookings.time_again"]
    proposed = await advisor.say("بكرا ٥ م")
    assert keys(proposed)[0] == "bookings.proposed"
    assert "أبو خالد" in proposed[0].text
    [(key, channel, locale, text)] = await told(db, phone)
    assert (key, channel, locale) == ("booking.proposed", "whatsapp", "ar")
    assert "17:00" in text
    assert "هل يناسبك" in text
    assert not any("a" <= ch.lower() <= "z" for ch in text)  # no English left in the Arabic message

    await advisor.say(choice=f"bk:{req.id}")
    assert keys(await advisor.say(choice="bq:decline")) == ["bookings.reason_prompt"]
    declined = await advisor.say("الورشة ممتلئة هذا الأسبوع")
    assert keys(declined)[0] == "bookings.declined"
    answers = await told(db, phone)
    assert answers[-1][:3] == ("booking.declined", "whatsapp", "ar")
    assert "الورشة ممتلئة هذا الأسبوع" in answers[-1][3]
    async with db.read() as s:
        row = await s.get(Request, req.id)
    assert row is not None
    assert (row.status, row.close_reason) == (RequestStatus.CLOSED, "الورشة ممتلئة هذا الأسبوع")


@pytest.mark.parametrize("locale", ["en", "ar"])
async def test_the_advisor_opens_a_session_from_a_booking_with_its_details_filled_in(
    db: Database, org: OrgId, staff: Staff, locale: str,
) -> None:
    req, _ = await book(db, org, locale, Channel.WHATSAPP)
    advisor = await staff_chat(db, org, Role.ADVISOR, locale)
    await advisor.say(choice="m:bookings")
    await advisor.say(choice=f"bk:{req.id}")
    opened = await advisor.say(choice="bq:convert")
    assert keys(opened) == ["bookings.converted", "staff.intake_photos"]
    async with db.read() as s:
        rs = (await s.scalars(select(RepairSession).where(RepairSession.organization_id == org))).one()
        row = await s.get(Request, req.id)
    assert row is not None
    assert rs.number in opened[0].text
    assert (rs.request_id, rs.client_id, rs.vehicle_id, rs.complaint) == (
        req.id, req.client_id, req.vehicle_id, req.complaint)
    assert row.status == RequestStatus.CONVERTED
    assert keys(await advisor.say("done" if locale == "en" else "تم")) == ["staff.intake_template"]
    assert keys(await advisor.say(choice="it:none")) == ["staff.session_card"]
    await advisor.say(choice="g:menu")
    assert keys(await advisor.say(choice="m:bookings")) == ["bookings.none"]  # converted: no longer open


async def test_a_past_time_is_refused_and_a_client_who_opted_out_is_not_promised_a_message(
    db: Database, org: OrgId, staff: Staff,
) -> None:
    req, phone = await book(db, org, "en", Channel.SMS)
    async with db.raw_transaction() as s:
        await s.execute(update(Client).where(Client.id == req.client_id).values(messaging_consent=False))
    advisor = await staff_chat(db, org, Role.ADVISOR, "en")
    await advisor.say("bookings")
    await advisor.say(choice=f"bk:{req.id}")
    await advisor.say(choice="bq:other")
    past = await advisor.say("today 08:00")  # the test clock is 09:00 in Amman
    assert keys(past) == ["error.booking_time_past"]
    done = await advisor.say("today 18:00")
    assert keys(done)[0] == "bookings.confirmed_untold"
    assert "please call" in done[0].text
    assert await told(db, phone) == []


async def test_another_garages_booking_cannot_be_opened(db: Database, org: OrgId, staff: Staff) -> None:
    other = await new_garage(db)
    theirs, _ = await book(db, other, "en", Channel.SMS)
    advisor = await staff_chat(db, org, Role.ADVISOR, "en")
    await advisor.say("bookings")
    refused = await advisor.say(choice=f"bk:{theirs.id}")
    assert keys(refused)[0] == "bookings.not_open"
    assert "Lina" not in texts(refused)


async def test_only_staff_who_take_cars_in_see_the_booking_requests(
    db: Database, org: OrgId, staff: Staff,
) -> None:
    await book(db, org, "en", Channel.SMS)
    technician = await staff_chat(db, org, Role.TECHNICIAN, "en")
    menu = await technician.say("menu")
    assert "m:bookings" not in choice_ids(menu)
    assert "bookings.list" not in keys(await technician.say(choice="m:bookings"))
    manager = await staff_chat(db, org, Role.MANAGER, "en")
    assert "m:bookings" in choice_ids(await manager.say("menu"))


@pytest.mark.parametrize("locale", ["en", "ar"])
async def test_the_notice_of_a_new_booking_opens_it_for_the_advisor_in_one_tap(
    db: Database, org: OrgId, staff: Staff, locale: str,
) -> None:
    advisor = await staff_chat(db, org, Role.ADVISOR, locale)
    req, _ = await book(db, org, locale, Channel.WHATSAPP)
    [notice] = [r for r in await outbox_to(db, advisor.chat.address) if r.topic == "client.request_to_staff"]
    choices = notice.payload["choices"]
    assert isinstance(choices, list)
    [shown] = choices
    assert isinstance(shown, dict)
    button = str(shown["id"])
    assert button == f"o:req:{req.id}"
    await advisor.chat.new_messages()  # the notice itself, already read above
    card = await advisor.say(choice=button)
    assert keys(card) == ["bookings.card"]
    assert choice_ids(card)[:5] == ["bq:confirm", "bq:other", "bq:propose", "bq:decline", "bq:convert"]

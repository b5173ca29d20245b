"""Transcripts: a client asks where the car is, for the pick-up PIN and the
menu, in English and Arabic; the language comes from the first message."""

from __future__ import annotations

import datetime as dt

from garagebot.core.enums import Channel, SessionStatus
from garagebot.core.ids import OrgId
from garagebot.core.links import TIMELINE, read_token
from garagebot.core.repair.sessions import cancel_session, set_eta
from garagebot.core.uow import Database
from tests.conftest import Staff
from tests.conversations.client.harness import (
    SECRET,
    ClientChat,
    audit_of,
    client_row,
    outbox_to,
    scene,
    visit,
)
from tests.core.repair.helpers import session_row, to_ready
from tests.fakes import FakeClock

S = SessionStatus


async def test_where_is_my_car_gives_status_eta_and_a_timeline_link_in_english(
    db: Database, org: OrgId, staff: Staff, clock: FakeClock
) -> None:
    sc = await scene(db, org)
    v = await visit(db, staff, path=(S.DIAGNOSING, S.AWAITING_PARTS, S.IN_PROGRESS))
    async with db.unit_of_work(staff.advisor) as uow:
        await set_eta(uow, v.session_id, clock.now() + dt.timedelta(hours=8))  # 17:00 in Amman
    chat = ClientChat(sc.engine(), sc.garage, v.phone)

    [said] = await chat.say("Hi, where is my car?")

    assert said.key == "client.status"
    assert said.text.startswith(
        f"Your car {v.plate} ({v.number}) is being repaired.\nExpected ready: Sun 22 Nov, 17:00.\n"
        "Follow the repair here: https://garage.example.com/t/")
    link = said.text.rsplit(" ", 1)[1]
    assert read_token(SECRET, TIMELINE, link.rsplit("/", 1)[1], None, now=clock.now()) == v.session_id
    [row] = await outbox_to(db, v.phone)
    assert (row.channel, row.locale, row.topic) == ("whatsapp", "en", "client.status")


async def test_wein_sayyarti_in_arabic_switches_the_client_to_arabic(
    db: Database, org: OrgId, staff: Staff
) -> None:
    sc = await scene(db, org)
    v = await visit(db, staff, locale="en", path=(S.DIAGNOSING,))
    chat = ClientChat(sc.engine(), sc.garage, v.phone)

    [said] = await chat.say("وين سيارتي؟")

    assert said.key == "client.status"
    assert said.text.startswith(f"حالة سيارتك {v.plate} ({v.number}): قيد الفحص.")
    assert "لم يُحدَّد بعد" in said.text
    client = await client_row(db, org, v.phone)
    assert client.locale == "ar"
    [entry] = await audit_of(db, org, "client", "locale")
    assert (entry.actor_kind, entry.before, entry.after) == (
        "client", {"locale": "en"}, {"locale": "ar", "channel": "whatsapp"})
    [row] = await outbox_to(db, v.phone)
    assert row.locale == "ar"


async def test_the_language_can_be_changed_by_button_and_by_word(
    db: Database, org: OrgId, staff: Staff
) -> None:
    sc = await scene(db, org)
    v = await visit(db, staff, locale="en", path=(S.DIAGNOSING,))
    chat = ClientChat(sc.engine(), sc.garage, v.phone)

    [prompt] = await chat.say("language")
    assert [c[0] for c in prompt.choices] == ["lang:en", "lang:ar"]
    [done] = await chat.say(choice="lang:ar")
    assert done.text == "تم. سنراسلك باللغة العربية."
    [back] = await chat.say("english")
    assert back.text == "Done. We will write to you in English."
    client = await client_row(db, org, v.phone)
    assert client.locale == "en"
    assert [e.after["locale"] for e in await audit_of(db, org, "client", "locale")
            if e.after is not None] == ["ar", "en"]


async def test_the_pin_is_given_only_when_the_car_is_ready(db: Database, org: OrgId, staff: Staff) -> None:
    sc = await scene(db, org)
    v = await visit(db, staff, locale="ar", path=(S.DIAGNOSING,))
    chat = ClientChat(sc.engine(), sc.garage, v.phone)

    [early] = await chat.say("رمز الاستلام")
    assert early.key == "client.pin_not_ready"

    await to_ready(db, staff, v.session_id)
    pin = (await session_row(db, v.session_id)).delivery_pin
    [said] = await chat.say("رمز الاستلام")
    assert said.key == "client.pin"
    assert said.text == (f"رمز استلام سيارتك {v.plate} هو {pin}. أعطه لموظف الاستقبال عند استلام "
                         "السيارة، ولا تشاركه مع أي شخص آخر.")


async def test_hello_shows_the_menu_and_a_typed_number_picks_an_option_on_sms(
    db: Database, org: OrgId, staff: Staff
) -> None:
    sc = await scene(db, org)
    v = await visit(db, staff, path=(S.DIAGNOSING,))
    chat = ClientChat(sc.engine(), sc.garage, v.phone, channel=Channel.SMS, provider="twilio")

    [menu] = await chat.say("hello")
    assert menu.text == "Hello Rami! This is Test Garage. How can we help?"
    assert [c[1] for c in menu.choices] == ["Where is my car?", "العربية / English"]

    [status] = await chat.say("1")
    assert status.key == "client.status"
    [again] = await chat.say("1")  # the status offered no options, so "1" picks nothing now
    assert again.key == "client.forwarded_ack"


async def test_a_client_without_a_car_in_the_garage_is_told_so(
    db: Database, org: OrgId, staff: Staff
) -> None:
    sc = await scene(db, org)
    v = await visit(db, staff, path=(S.DIAGNOSING,))
    async with db.unit_of_work(staff.advisor) as uow:
        await cancel_session(uow, v.session_id, reason="went elsewhere")
    chat = ClientChat(sc.engine(), sc.garage, v.phone)

    [said] = await chat.say("status")

    assert said.key == "client.no_visit"

"""Intake as a garage would expect it: a new client's name is asked, a car
registered to another client is confirmed before anything is opened, a new
client gets the garage's language, and the session's screen speaks the
reader's language (status names, "check the car in"), never raw codes."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from garagebot.core.actor import Actor
from garagebot.core.enums import Channel, Role, SessionStatus
from garagebot.core.ids import OrgId
from garagebot.core.models import Client, RepairSession, Vehicle
from garagebot.core.repair.intake import open_session
from garagebot.core.repair.sessions import change_status
from garagebot.core.staff import create_user
from garagebot.core.uow import Database
from tests.conftest import Staff, new_garage
from tests.conversations.chat import keys, translator
from tests.conversations.client.harness import ClientChat, mobile, on_telegram, outbox_to, scene
from tests.conversations.staff.support import choice_ids, staff_chat

INTAKE = {"en": "new car", "ar": "سيارة جديدة"}


async def _sessions(db: Database, org: OrgId) -> list[tuple[RepairSession, Client]]:
    async with db.read() as s:
        rows = (await s.execute(
            select(RepairSession, Client).join(Client, Client.id == RepairSession.client_id)
            .where(RepairSession.organization_id == org).order_by(RepairSession.id))).all()
    return [(r[0], r[1]) for r in rows]


@pytest.mark.parametrize("locale", ["en", "ar"])
async def test_a_new_clients_name_is_asked_and_they_get_the_garages_language(
    db: Database, locale: str,
) -> None:
    org = await new_garage(db, default_locale="ar" if locale == "en" else "en")
    advisor = await staff_chat(db, org, Role.ADVISOR, locale)
    await advisor.say(INTAKE[locale])
    asked = await advisor.say("0791234567")
    assert keys(asked) == ["floor.intake_name"]
    assert keys(await advisor.say("Layla Azar")) == ["staff.intake_plate"]
    await advisor.say("14-38219")
    opened = await advisor.say("Brakes squeal")
    assert keys(opened) == ["staff.session_opened", "staff.intake_photos"]

    [(_, client)] = await _sessions(db, org)
    assert client.name == "Layla Azar"
    assert client.locale == ("ar" if locale == "en" else "en")  # the garage's, not the advisor's
    await advisor.say(choice="ip:done")
    card = await advisor.say(choice="it:none")
    shown = card[-1]
    assert shown.key == "staff.session_card"
    assert "Layla Azar" in shown.text
    assert "NEW" not in shown.text
    assert ("جديدة" if locale == "ar" else "New") in shown.text
    labels = dict(shown.choices)
    assert labels["sa:checkin"] == ("📥 استلام السيارة" if locale == "ar" else "📥 Check the car in")


@pytest.mark.parametrize(("locale", "whose"), [("en", "io:owner"), ("ar", "io:owner"), ("en", "io:new"),
                                               ("ar", "io:plate")])
async def test_a_car_registered_to_another_client_is_confirmed_before_a_session_opens(
    db: Database, org: OrgId, locale: str, whose: str,
) -> None:
    async with db.unit_of_work(Actor.system(org)) as uow:
        owner_id = await create_user(uow, name="Dana", role=Role.ADVISOR)
    async with db.unit_of_work(Actor.user(org, owner_id, Channel.TELEGRAM)) as uow:
        first = await open_session(uow, phone="+962795550001", plate="14-38219", complaint="Oil service",
                                   client_name="Layla Azar")
        await change_status(uow, first, SessionStatus.CANCELLED, note="came back another day")
    advisor = await staff_chat(db, org, Role.ADVISOR, locale)
    await advisor.say(INTAKE[locale])
    await advisor.say("0791112233")
    await advisor.say("Omar")
    asked = await advisor.say("14 38219")
    assert keys(asked) == ["floor.intake_plate_owner"]
    assert "Layla Azar" in asked[0].text
    assert "0001" in asked[0].text
    assert choice_ids(asked)[:3] == ["io:owner", "io:new", "io:plate"]
    assert len(await _sessions(db, org)) == 1  # nothing opened yet

    answer = await advisor.say(choice=whose)
    if whose == "io:plate":
        assert keys(answer) == ["staff.intake_plate"]
        assert keys(await advisor.say("22-33445")) == ["staff.intake_complaint"]
    else:
        assert keys(answer) == ["staff.intake_complaint"]
    await advisor.say("Noise at the back")
    sessions = await _sessions(db, org)
    assert len(sessions) == 2
    rs, client = sessions[-1]
    async with db.read() as s:
        vehicle = await s.get(Vehicle, rs.vehicle_id)
    assert vehicle is not None
    if whose == "io:owner":
        assert client.phone == "+962795550001"  # the owner's visit
        assert vehicle.plate == "14-38219"
    elif whose == "io:new":
        assert (client.phone, client.name) == ("+962791112233", "Omar")
    else:
        assert vehicle.plate == "22-33445"


async def test_staff_read_a_clients_preferred_time_in_their_own_language(
    db: Database, org: OrgId, staff: Staff,
) -> None:
    english = await on_telegram(db, staff.id(staff.advisor))  # an English advisor
    async with db.unit_of_work(Actor.system(org)) as uow:
        manager = await create_user(uow, name="Lina", role=Role.MANAGER, locale="ar")
    arabic = await on_telegram(db, manager)
    sc = await scene(db, org)
    chat = ClientChat(sc.engine(), sc.garage, mobile())
    for said in ("مرحبا بدي احجز", "رامي", "12 34567", "المكيف ما ببرد", "بكرا ١٠"):
        await chat.say(said)

    [to_english] = await outbox_to(db, str(english))
    [to_arabic] = await outbox_to(db, str(arabic))
    tr = translator()
    read_en = tr.render("en", to_english.topic, to_english.payload["params"])  # type: ignore[arg-type]
    read_ar = tr.render("ar", to_arabic.topic, to_arabic.payload["params"])  # type: ignore[arg-type]
    assert "Mon 23 Nov, 10:00" in read_en
    assert "ديسمبر" not in read_en
    assert "الاثنين" in read_ar
    assert "Mon" not in read_ar

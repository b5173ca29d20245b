"""What no flow understands is threaded to the session's advisor on Telegram
(or, failing that, to the intake staff), audited, and never dropped."""

from __future__ import annotations

from garagebot.conversations.types import MediaKind, MediaRef
from garagebot.core.enums import SessionStatus
from garagebot.core.ids import OrgId
from garagebot.core.repair.sessions import cancel_session
from garagebot.core.uow import Database
from tests.conftest import Staff
from tests.conversations.client.harness import (
    ClientChat,
    audit_of,
    on_telegram,
    outbox_to,
    scene,
    translator,
    visit,
)
from tests.conversations.client.harness import plain as plain_text

S = SessionStatus


async def test_an_unknown_question_reaches_the_advisor_in_their_language(
    db: Database, org: OrgId, staff: Staff
) -> None:
    advisor_chat = await on_telegram(db, staff.id(staff.advisor))
    sc = await scene(db, org)
    v = await visit(db, staff, locale="ar", path=(S.DIAGNOSING,))
    chat = ClientChat(sc.engine(), sc.garage, v.phone)

    [ack] = await chat.say("هل يمكنكم فحص الإطارات أيضاً؟")

    assert ack.text == "شكرًا لك، أوصلت رسالتك إلى فريق الكراج وسيردّون عليك قريبًا."
    [row] = await outbox_to(db, str(advisor_chat))
    assert (row.channel, row.locale) == ("telegram", "en")
    text = plain_text(translator().render("en", row.topic, row.payload["params"]))  # type: ignore[arg-type]
    assert text == (f"Message from Rami ({v.phone}) about {v.number} ({v.plate}), by whatsapp:\n"
                    "هل يمكنكم فحص الإطارات أيضاً؟")
    [entry] = await audit_of(db, org, "client_message", "forward")
    assert entry.actor_kind == "client"
    assert entry.after is not None
    assert entry.after["to_users"] == [staff.id(staff.advisor)]


async def test_without_a_reachable_advisor_every_intake_member_on_telegram_hears_it(
    db: Database, org: OrgId, staff: Staff
) -> None:
    manager_chat = await on_telegram(db, staff.id(staff.manager))
    tech_chat = await on_telegram(db, staff.id(staff.tech))  # not someone who handles clients
    sc = await scene(db, org)
    v = await visit(db, staff, path=(S.DIAGNOSING,))
    async with db.unit_of_work(staff.advisor) as uow:
        await cancel_session(uow, v.session_id, reason="client changed their mind")
    chat = ClientChat(sc.engine(), sc.garage, v.phone)

    await chat.say("Can I come back next month?")

    [row] = await outbox_to(db, str(manager_chat))
    assert row.topic == "client.forwarded"
    assert await outbox_to(db, str(tech_chat)) == []


async def test_with_nobody_on_telegram_the_message_is_still_on_record(
    db: Database, org: OrgId, staff: Staff
) -> None:
    sc = await scene(db, org)
    v = await visit(db, staff, path=(S.DIAGNOSING,))
    chat = ClientChat(sc.engine(), sc.garage, v.phone)

    await chat.say("Please call me")

    [entry] = await audit_of(db, org, "client_message", "forward")
    assert entry.after is not None
    assert (entry.after["text"], entry.after["to_users"]) == ("Please call me", [])


async def test_a_photo_without_a_car_in_the_garage_goes_to_staff(
    db: Database, org: OrgId, staff: Staff
) -> None:
    advisor_chat = await on_telegram(db, staff.id(staff.advisor))
    sc = await scene(db, org)
    v = await visit(db, staff, path=(S.DIAGNOSING,))
    async with db.unit_of_work(staff.advisor) as uow:
        await cancel_session(uow, v.session_id, reason="went elsewhere")
    chat = ClientChat(sc.engine(), sc.garage, v.phone)

    [said] = await chat.say("scratch", media=[MediaRef(MediaKind.PHOTO, "p1", "image/jpeg")])

    assert said.key == "client.media_no_visit"
    [row] = await outbox_to(db, str(advisor_chat))
    assert row.topic == "client.forwarded_files"


async def test_a_video_is_refused_politely(db: Database, org: OrgId, staff: Staff) -> None:
    sc = await scene(db, org)
    v = await visit(db, staff, path=(S.DIAGNOSING,))
    sc.media.files["v1"] = b"video"
    chat = ClientChat(sc.engine(), sc.garage, v.phone)

    [said] = await chat.say(media=[MediaRef(MediaKind.VIDEO, "v1", "video/mp4")])

    assert said.key == "client.media_unsupported"

"""Transcripts: after delivery the client rates the visit 1–5 and may leave a
comment, in English and Arabic; ratings are stored and audited."""

from __future__ import annotations

from sqlalchemy import select

from garagebot.core.enums import SessionStatus
from garagebot.core.ids import OrgId, SessionId
from garagebot.core.models import ClientRating
from garagebot.core.repair.delivery import confirm_delivery
from garagebot.core.uow import Database
from tests.conftest import Staff
from tests.conversations.client.harness import ClientChat, Visit, audit_of, scene, visit
from tests.core.repair.helpers import session_row, to_deliverable

S = SessionStatus


async def delivered(db: Database, staff: Staff, locale: str = "en") -> Visit:
    v = await visit(db, staff, locale=locale, path=(S.DIAGNOSING,))
    await to_deliverable(db, staff, v.session_id)
    pin = (await session_row(db, v.session_id)).delivery_pin
    async with db.unit_of_work(staff.advisor) as uow:
        await confirm_delivery(uow, v.session_id, pin=pin)
    return v


async def rating_of(db: Database, sid: SessionId) -> ClientRating | None:
    async with db.read() as s:
        return (await s.scalars(select(ClientRating).where(ClientRating.session_id == sid))).one_or_none()


async def test_a_rating_and_a_comment_after_delivery_in_english(
    db: Database, org: OrgId, staff: Staff
) -> None:
    sc = await scene(db, org)
    v = await delivered(db, staff)
    chat = ClientChat(sc.engine(), sc.garage, v.phone)

    [thanks] = await chat.say("5")
    assert thanks.text == ("Thank you for rating us 5 out of 5! Would you like to add a comment? "
                           "Just type it, or reply NO.")
    [done] = await chat.say("Quick and honest, thank you")
    assert done.text == "Thank you for your comment. The garage's manager will read it."

    rating = await rating_of(db, v.session_id)
    assert rating is not None
    assert (rating.score, rating.comment, rating.client_id, rating.channel) == (
        5, "Quick and honest, thank you", v.client_id, "whatsapp")
    assert [e.action for e in await audit_of(db, org, "client_rating")] == ["rate", "comment"]
    assert {e.actor_kind for e in await audit_of(db, org, "client_rating")} == {"client"}


async def test_stars_in_arabic_and_no_comment(db: Database, org: OrgId, staff: Staff) -> None:
    sc = await scene(db, org)
    v = await delivered(db, staff, locale="ar")
    chat = ClientChat(sc.engine(), sc.garage, v.phone)

    [question] = await chat.say("تقييم")
    assert question.text.startswith("كيف كانت خدمتنا؟")
    assert [c[0] for c in question.choices] == ["rate:1", "rate:2", "rate:3", "rate:4", "rate:5"]
    [thanks] = await chat.say("⭐⭐⭐⭐")
    assert thanks.text.startswith("شكرًا لتقييمك لنا بـ4 من 5!")
    [done] = await chat.say("لا")
    assert done.text == "شكرًا لك! نتمنى أن نراك مجددًا."

    rating = await rating_of(db, v.session_id)
    assert rating is not None
    assert (rating.score, rating.comment) == (4, None)


async def test_rating_again_replaces_the_score(db: Database, org: OrgId, staff: Staff) -> None:
    sc = await scene(db, org)
    v = await delivered(db, staff)
    chat = ClientChat(sc.engine(), sc.garage, v.phone)
    await chat.say(choice="rate:2")
    await chat.say("no")

    await chat.say(choice="rate:4")

    rating = await rating_of(db, v.session_id)
    assert rating is not None
    assert rating.score == 4
    [first, second] = await audit_of(db, org, "client_rating", "rate")
    assert (first.before, second.before) == (None, {"score": 2})


async def test_a_car_still_in_the_garage_cannot_be_rated(db: Database, org: OrgId, staff: Staff) -> None:
    sc = await scene(db, org)
    v = await visit(db, staff, path=(S.DIAGNOSING,))
    chat = ClientChat(sc.engine(), sc.garage, v.phone)

    [said] = await chat.say(choice="rate:5")

    assert said.key == "client.rating_nothing_to_rate"
    assert await rating_of(db, v.session_id) is None

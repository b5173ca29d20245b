"""Transcripts: deciding a quote from the chat by buttons, by "1,3", by
"all" / "الكل", line by line, in English and Arabic; the billing services
record every decision, and a redelivered message decides nothing twice."""

from __future__ import annotations

from sqlalchemy import select

from garagebot.core.billing.enums import LineDecision, QuoteStatus
from garagebot.core.enums import Channel, SessionStatus
from garagebot.core.ids import OrgId, QuoteId
from garagebot.core.models import Quote, QuoteDecision, QuoteLine
from garagebot.core.uow import Database
from tests.conftest import Staff
from tests.conversations.client.harness import ClientChat, scene, sent_quote, visit
from tests.core.repair.helpers import session_row

S = SessionStatus
D = LineDecision


async def decisions(db: Database, qid: QuoteId) -> list[str]:
    async with db.read() as s:
        return list((await s.scalars(
            select(QuoteLine.decision).where(QuoteLine.quote_id == qid).order_by(QuoteLine.position))).all())


async def quote_status(db: Database, qid: QuoteId) -> str:
    async with db.read() as s:
        return str((await s.scalars(select(Quote.status).where(Quote.id == qid))).one())


async def test_the_quote_is_shown_numbered_with_totals_and_a_signing_link(
    db: Database, org: OrgId, staff: Staff
) -> None:
    sc = await scene(db, org)
    v = await visit(db, staff, path=(S.DIAGNOSING,))
    await sent_quote(db, staff, v)
    chat = ClientChat(sc.engine(), sc.garage, v.phone, channel=Channel.SMS, provider="twilio")

    [said] = await chat.say("quote")

    assert said.key == "client.quote_typed"
    assert said.choices == ()  # on SMS, numbers are line numbers
    assert f"Quote for {v.plate} ({v.number}), version 1:\n" in said.text
    assert ("• 1. Brake pads — JOD 52.200\n• 2. Brake fluid — JOD 14.500\n"
            "• 3. Wiper blades — JOD 9.280") in said.text
    assert "Reply ALL to approve everything" in said.text
    assert "https://garage.example.com/a/" in said.text


async def test_replying_1_3_approves_those_lines_and_declines_the_other(
    db: Database, org: OrgId, staff: Staff
) -> None:
    sc = await scene(db, org)
    v = await visit(db, staff, path=(S.DIAGNOSING,))
    qid, lines = await sent_quote(db, staff, v)
    chat = ClientChat(sc.engine(), sc.garage, v.phone, channel=Channel.SMS, provider="twilio")

    decided, complete = await chat.say("1,3")

    assert decided.text == "Thank you. Approved: 2, declined: 1, deferred: 0. Approved total: JOD 61.480."
    assert complete.key == "client.quote_complete"
    assert await decisions(db, qid) == [D.APPROVED, D.DECLINED, D.APPROVED]
    assert await quote_status(db, qid) == QuoteStatus.PARTIALLY_APPROVED
    assert (await session_row(db, v.session_id)).status == S.IN_PROGRESS
    async with db.read() as s:
        rows = (await s.scalars(select(QuoteDecision).where(QuoteDecision.quote_id == qid))).all()
    assert {(r.line_id, r.actor_kind, r.actor_id, r.channel) for r in rows} == {
        (lines[0], "client", v.client_id, "sms"), (lines[1], "client", v.client_id, "sms"),
        (lines[2], "client", v.client_id, "sms")}
    assert len({r.decision_key for r in rows}) == 1


async def test_al_kull_approves_the_whole_quote_in_one_message(
    db: Database, org: OrgId, staff: Staff
) -> None:
    sc = await scene(db, org)
    v = await visit(db, staff, locale="ar", path=(S.DIAGNOSING,))
    qid, _ = await sent_quote(db, staff, v)
    chat = ClientChat(sc.engine(), sc.garage, v.phone)

    decided, complete = await chat.say("موافق على الكل")

    assert decided.text == ("شكرًا لك. الموافَق عليها: 3، المرفوضة: 0، المؤجلة: 0. "
                            "مجموع ما وافقت عليه: 75.980 د.أ.")
    assert complete.text.startswith("وصلنا ردّك على جميع البنود")
    assert await decisions(db, qid) == [D.APPROVED] * 3
    assert await quote_status(db, qid) == QuoteStatus.APPROVED


async def test_one_tap_on_approve_all_decides_everything_and_a_redelivery_decides_nothing_twice(
    db: Database, org: OrgId, staff: Staff
) -> None:
    sc = await scene(db, org)
    v = await visit(db, staff, path=(S.DIAGNOSING,))
    qid, _ = await sent_quote(db, staff, v)
    chat = ClientChat(sc.engine(), sc.garage, v.phone)
    tap = chat.inbound(choice=f"q:{qid}:all:a")

    first = await chat.send(tap)
    again = await chat.send(tap)

    assert [r.key for r in first.replies] == ["client.quote_decided", "client.quote_complete"]
    assert again.outcome.value == "duplicate"
    assert await decisions(db, qid) == [D.APPROVED] * 3
    async with db.read() as s:
        keys = (await s.scalars(
            select(QuoteDecision.decision_key).where(QuoteDecision.quote_id == qid))).all()
    assert set(keys) == {f"meta:{tap.event_id}"}


async def test_lines_are_decided_one_by_one_from_the_list(db: Database, org: OrgId, staff: Staff) -> None:
    sc = await scene(db, org)
    v = await visit(db, staff, path=(S.DIAGNOSING,))
    qid, lines = await sent_quote(db, staff, v)
    chat = ClientChat(sc.engine(), sc.garage, v.phone)

    [summary] = await chat.say("how much is the quote?")
    assert [c[0] for c in summary.choices] == [f"q:{qid}:all:a", f"q:{qid}:all:d", f"q:{qid}:pick"]
    [pick] = await chat.say(choice=f"q:{qid}:pick")
    assert [c[1] for c in pick.choices] == ["1. Brake pads", "2. Brake fluid", "3. Wiper blades"]
    [line] = await chat.say(choice=f"q:{qid}:l:{lines[1]}")
    assert line.text == "Line 2: Brake fluid, JOD 14.500. What would you like to do?"
    assert [c[1] for c in line.choices] == ["Approve", "Decline", "Later"]
    decided, still = await chat.say(choice=f"q:{qid}:l:{lines[1]}:f")
    assert decided.text.startswith("Thank you. Approved: 0, declined: 0, deferred: 1.")
    assert still.text == "We are still waiting for your answer on line(s) 1, 3."
    [pick] = await chat.say(choice=f"q:{qid}:pick")
    assert [c[1] for c in pick.choices] == ["1. Brake pads", "3. Wiper blades"]

    await chat.say("decline 3")
    await chat.say("approve 1")

    assert await decisions(db, qid) == [D.APPROVED, D.DEFERRED, D.DECLINED]
    assert await quote_status(db, qid) == QuoteStatus.PARTIALLY_APPROVED


async def test_wrong_line_numbers_and_decided_lines_are_refused_without_deciding(
    db: Database, org: OrgId, staff: Staff
) -> None:
    sc = await scene(db, org)
    v = await visit(db, staff, locale="ar", path=(S.DIAGNOSING,))
    qid, _ = await sent_quote(db, staff, v)
    chat = ClientChat(sc.engine(), sc.garage, v.phone, channel=Channel.SMS, provider="twilio")

    [wrong] = await chat.say("١ و ٧")
    assert wrong.text == "لا يوجد بند رقم 7: بنود هذا العرض من 1 إلى 3."
    await chat.say("تأجيل ٢")
    [twice] = await chat.say("رفض 2")
    assert twice.text == "تم البتّ في البند 2 مسبقًا."

    assert await decisions(db, qid) == [D.PENDING, D.DEFERRED, D.PENDING]


async def test_decline_all_declines_and_the_car_goes_to_the_final_check(
    db: Database, org: OrgId, staff: Staff
) -> None:
    sc = await scene(db, org)
    v = await visit(db, staff, path=(S.DIAGNOSING,))
    qid, _ = await sent_quote(db, staff, v)
    chat = ClientChat(sc.engine(), sc.garage, v.phone)

    await chat.say("none")

    assert await decisions(db, qid) == [D.DECLINED] * 3
    assert await quote_status(db, qid) == QuoteStatus.DECLINED
    assert (await session_row(db, v.session_id)).status == S.QA_CHECK


async def test_approving_without_an_open_quote_says_so(db: Database, org: OrgId, staff: Staff) -> None:
    sc = await scene(db, org)
    v = await visit(db, staff, path=(S.DIAGNOSING,))
    chat = ClientChat(sc.engine(), sc.garage, v.phone)

    [said] = await chat.say("approve")

    assert said.text == "There is no quote waiting for your answer right now."


async def test_a_button_of_a_superseded_version_is_refused(db: Database, org: OrgId, staff: Staff) -> None:
    from garagebot.core.billing.quote_flow import send_quote
    from garagebot.core.billing.quotes import revise_quote

    sc = await scene(db, org)
    v = await visit(db, staff, path=(S.DIAGNOSING,))
    old, _ = await sent_quote(db, staff, v)
    async with db.unit_of_work(staff.advisor) as uow:
        new = await revise_quote(uow, old)
        await send_quote(uow, new)
    chat = ClientChat(sc.engine(), sc.garage, v.phone)

    [said] = await chat.say(choice=f"q:{old}:all:a")

    assert said.key == "error.quote_not_open_for_decision"
    assert await decisions(db, old) == [D.PENDING] * 3
    assert await decisions(db, new) == [D.PENDING] * 3

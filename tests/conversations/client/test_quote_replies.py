"""Typed answers to a quote are never guessed (issue 10, point 2): a corpus of
real-looking replies in English, Arabic and both, each with what it must
do on a three-line quote: decided at once (an exact form), echoed for
confirmation with the decision it was read as (and, after "yes" / "نعم",
exactly that recorded), or asked again (nothing changed).

Expected decisions are one letter per line: A approved, D declined,
F deferred (later), P still pending.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from garagebot.core.enums import Channel, SessionStatus
from garagebot.core.ids import OrgId, QuoteId
from garagebot.core.models import QuoteDecision
from garagebot.core.uow import Database
from tests.conftest import Staff
from tests.conversations.client.harness import ClientChat, Scene, scene, sent_quote, visit
from tests.conversations.client.test_quote import decisions
from tests.fakes import FakeClock

S = SessionStatus
EXACT, CONFIRM, AGAIN = "decided", "confirm", "again"
_LETTER = {"APPROVED": "A", "DECLINED": "D", "DEFERRED": "F", "PENDING": "P"}
_TOTALS = (Decimal("52.200"), Decimal("14.500"), Decimal("9.280"))  # the lines with tax (harness.LINES)

ENGLISH: list[tuple[str, str, str]] = [
    ("1,3", EXACT, "ADA"), ("1 3", EXACT, "ADA"), ("2", EXACT, "DAD"), ("1, 2, 3", EXACT, "AAA"),
    ("1 and 3", EXACT, "ADA"), ("all", EXACT, "AAA"), ("ALL", EXACT, "AAA"), ("All.", EXACT, "AAA"),
    ("approve all", EXACT, "AAA"), ("accept all", EXACT, "AAA"), ("everything", EXACT, "AAA"),
    ("none", EXACT, "DDD"), ("decline all", EXACT, "DDD"), ("reject all", EXACT, "DDD"),
    ("approve 1,3", EXACT, "APA"), ("decline 2", EXACT, "PDP"), ("defer 3", EXACT, "PPF"),
    ("approve", CONFIRM, "AAA"), ("ok approve", CONFIRM, "AAA"), ("I approve", CONFIRM, "AAA"),
    ("approve everything", CONFIRM, "AAA"), ("approve all except 2", CONFIRM, "ADA"),
    ("everything except 3", CONFIRM, "AAD"), ("approve 1 only", CONFIRM, "ADD"),
    ("lines 1 and 3 please", CONFIRM, "ADA"), ("yes 1 and 3", CONFIRM, "ADA"),
    ("approve 1 decline 2", CONFIRM, "ADP"), ("decline 2 approve the rest", CONFIRM, "ADA"),
    ("do 1 and 2, later 3", CONFIRM, "AAF"), ("only 2", CONFIRM, "DAD"), ("decline", CONFIRM, "DDD"),
    ("later", CONFIRM, "FFF"), ("ok الكل", CONFIRM, "AAA"), ("yes بس ١", CONFIRM, "ADD"),
    ("approve 1-3", AGAIN, ""), ("approve all?", AGAIN, ""), ("approve the first one", AGAIN, ""),
    ("1 approve 2 decline", AGAIN, ""), ("approve 1 and decline 1", AGAIN, ""),
    ("can you do 2 cheaper?", AGAIN, ""), ("approve brake pads", AGAIN, ""), ("no 2", AGAIN, ""),
]
ARABIC: list[tuple[str, str, str]] = [
    ("١،٣", EXACT, "ADA"), ("١ ٣", EXACT, "ADA"), ("1 و 3", EXACT, "ADA"), ("٢", EXACT, "DAD"),
    ("الكل", EXACT, "AAA"), ("كل", EXACT, "AAA"), ("كلّه", EXACT, "AAA"), ("موافق على الكل", EXACT, "AAA"),
    ("رفض الكل", EXACT, "DDD"), ("ولا واحد", EXACT, "DDD"), ("رفض ٢", EXACT, "PDP"),
    ("تأجيل ٣", EXACT, "PPF"),
    ("موافق ١", EXACT, "APP"), ("approve ١ و ٣", EXACT, "APA"), ("موافق 1,3", EXACT, "APA"),
    ("موافق على ١ بس", CONFIRM, "ADD"), ("موافق", CONFIRM, "AAA"), ("أوافق", CONFIRM, "AAA"),
    ("موافق على ١ و ٣ بس", CONFIRM, "ADA"), ("الكل ما عدا ٢", CONFIRM, "ADA"), ("كله إلا ٢", CONFIRM, "ADA"),
    ("موافق على الكل إلا ٣", CONFIRM, "AAD"), ("بدي ١ و ٣", CONFIRM, "APA"),
    ("البند ١ و ٣ لو سمحت", CONFIRM, "ADA"), ("نعم ١ و ٣", CONFIRM, "ADA"), ("بس ٢", CONFIRM, "DAD"),
    ("رفض", CONFIRM, "DDD"), ("بعدين", CONFIRM, "FFF"), ("ارفض ٢ و موافق على الباقي", CONFIRM, "ADA"),
    ("موافق على البند الأول", AGAIN, ""), ("١-٣", AGAIN, ""), ("موافق؟", AGAIN, ""), ("لا ٢", AGAIN, ""),
    ("موافق بس مش على ٢", AGAIN, ""), ("كم سعر البند ٢", AGAIN, ""),
]


def _numbers(expected: str, letter: str, sep: str) -> str:
    return sep.join(str(n) for n, d in enumerate(expected, 1) if d == letter)


def _echo_parts(expected: str, locale: str) -> list[str]:
    """What the echo must say for ``expected``."""
    sep = "، " if locale == "ar" else ", "
    one = ({"A": "الموافقة على البند ", "D": "رفض البند ", "F": "تأجيل البند "} if locale == "ar"
           else {"A": "Approve line ", "D": "Decline line ", "F": "Leave line "})
    many = ({"A": "الموافقة على البنود ", "D": "رفض البنود ", "F": "تأجيل البنود "} if locale == "ar"
            else {"A": "Approve lines ", "D": "Decline lines ", "F": "Leave lines "})
    parts = [(one if expected.count(d) == 1 else many)[d] + _numbers(expected, d, sep)
             for d in "ADF" if d in expected]
    if "A" in expected:
        parts.append(f"{sum(t for t, d in zip(_TOTALS, expected, strict=True) if d == 'A'):.3f}")
    return parts


async def _letters(db: Database, qid: QuoteId) -> str:
    return "".join(_LETTER[str(d)] for d in await decisions(db, qid))


async def _one(db: Database, staff: Staff, sc: Scene, locale: str, text: str, outcome: str,
               expected: str) -> None:
    v = await visit(db, staff, locale=locale, path=(S.DIAGNOSING,))
    qid, _ = await sent_quote(db, staff, v)
    chat = ClientChat(sc.engine(), sc.garage, v.phone, channel=Channel.SMS, provider="twilio")
    said = await chat.say(text)
    keys = [s.key for s in said]
    if outcome == EXACT:
        assert keys[0] == "client.quote_decided", (text, keys)
        assert await _letters(db, qid) == expected, text
        return
    assert await _letters(db, qid) == "PPP", text  # nothing decided yet
    if outcome == AGAIN:
        assert keys == ["client.quote_ask_again"], (text, keys)
        return
    assert keys == ["client.quote_confirm"], (text, keys)
    replied_in = chat.handled[-1].locale or locale  # a first message in Arabic switches to Arabic
    for part in _echo_parts(expected, replied_in):
        assert part in said[0].text, (text, part, said[0].text)
    confirmation = chat.inbound("نعم" if replied_in == "ar" else "yes")
    yes = await chat.send(confirmation)
    assert yes.replies[0].key == "client.quote_decided", text
    assert await _letters(db, qid) == expected, text  # exactly what was echoed
    async with db.read() as s:
        keys_used = set((await s.scalars(select(QuoteDecision.decision_key)
                                         .where(QuoteDecision.quote_id == qid))).all())
    assert keys_used == {f"twilio:{confirmation.event_id}"}, text


@pytest.mark.parametrize(("locale", "corpus"), [("en", ENGLISH), ("ar", ARABIC)], ids=["english", "arabic"])
async def test_every_reply_of_the_corpus_is_decided_echoed_or_asked_again(
    db: Database, org: OrgId, staff: Staff, locale: str, corpus: list[tuple[str, str, str]]
) -> None:
    sc = await scene(db, org)
    for text, outcome, expected in corpus:
        await _one(db, staff, sc, locale, text, outcome, expected)


def test_the_corpus_has_forty_replies_and_every_outcome_in_both_languages() -> None:
    assert len(ENGLISH) + len(ARABIC) >= 40
    for corpus in (ENGLISH, ARABIC):
        assert {outcome for _, outcome, _ in corpus} == {EXACT, CONFIRM, AGAIN}


async def test_the_reported_case_approves_only_line_1_after_the_client_confirms(
    db: Database, org: OrgId, staff: Staff
) -> None:
    """Issue 10: "موافق على ١ بس" (approve only line 1) approved every line."""
    sc = await scene(db, org)
    v = await visit(db, staff, locale="ar", path=(S.DIAGNOSING,))
    qid, _ = await sent_quote(db, staff, v)
    chat = ClientChat(sc.engine(), sc.garage, v.phone, channel=Channel.SMS, provider="twilio")

    [echo] = await chat.say("موافق على ١ بس")

    assert echo.text == (f"يرجى تأكيد ردّك على عرض السعر لسيارتك {v.plate} ({v.number}):\n"
                         "✅ الموافقة على البند 1 (52.200 د.أ.)\n❌ رفض البنود 2، 3\n"
                         "أرسل «نعم» للتأكيد، أو «لا» لتعيد الإجابة.")
    assert await _letters(db, qid) == "PPP"
    decided, _ = await chat.say("نعم")
    assert decided.key == "client.quote_decided"
    assert await _letters(db, qid) == "ADD"


async def test_no_decides_nothing_and_another_message_drops_the_echo(
    db: Database, org: OrgId, staff: Staff
) -> None:
    sc = await scene(db, org)
    v = await visit(db, staff, path=(S.DIAGNOSING,))
    qid, _ = await sent_quote(db, staff, v)
    chat = ClientChat(sc.engine(), sc.garage, v.phone, channel=Channel.SMS, provider="twilio")

    await chat.say("approve all except 2")
    [cancelled] = await chat.say("no")
    assert cancelled.key == "client.quote_confirm_cancelled"
    assert [s.key for s in await chat.say("yes")] == ["client.forwarded_ack"]  # nothing left to confirm
    await chat.say("approve 1 only")
    [status] = await chat.say("where is my car?")
    assert status.key == "client.status"
    await chat.say("yes")

    assert await _letters(db, qid) == "PPP"


async def test_a_confirmation_after_the_quote_was_revised_or_too_late_decides_nothing(
    db: Database, org: OrgId, staff: Staff, clock: FakeClock
) -> None:
    from garagebot.core.billing.quote_flow import send_quote
    from garagebot.core.billing.quotes import revise_quote

    sc = await scene(db, org)
    v = await visit(db, staff, path=(S.DIAGNOSING,))
    old, _ = await sent_quote(db, staff, v)
    chat = ClientChat(sc.engine(), sc.garage, v.phone, channel=Channel.SMS, provider="twilio")

    await chat.say("approve 1 only")
    async with db.unit_of_work(staff.advisor) as uow:
        new = await revise_quote(uow, old)
        await send_quote(uow, new)
    [revised] = await chat.say("yes")
    await chat.say("approve 1 only")
    clock.advance(minutes=31)
    [late] = await chat.say("yes")

    assert revised.key == late.key == "client.quote_confirm_expired"
    assert await _letters(db, old) == await _letters(db, new) == "PPP"


async def test_on_whatsapp_the_echo_has_yes_and_no_buttons(db: Database, org: OrgId, staff: Staff) -> None:
    sc = await scene(db, org)
    v = await visit(db, staff, path=(S.DIAGNOSING,))
    qid, _ = await sent_quote(db, staff, v)
    chat = ClientChat(sc.engine(), sc.garage, v.phone)

    [echo] = await chat.say("approve all except 2")
    assert echo.choices == (("qc:yes", "Yes, confirm"), ("qc:no", "No, change it"))
    await chat.say(choice="qc:yes")

    assert await _letters(db, qid) == "ADA"

"""Everyone a reply says was told is told: each reply that promises a message
to someone is followed (once the outbox is drained, as the app does) by a
message to that person, in their language, with a button that opens the item
in their own chat. And work the client declined leaves the floor."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from garagebot.core.actor import Actor
from garagebot.core.billing.enums import LineDecision
from garagebot.core.billing.quote_flow import decide_quote_lines, send_quote
from garagebot.core.billing.quotes import create_quote
from garagebot.core.enums import Channel, JobCardStatus, Role, SessionStatus, StepStatus
from garagebot.core.ids import ClientId, QuoteId, QuoteLineId, UserId
from garagebot.core.models import JobCard, OutboxRow, QuoteLine, RepairSession, StepException
from garagebot.core.notify import set_staff_quiet_hours
from garagebot.core.uow import Database
from garagebot.core.work.assignment import assign_step
from garagebot.core.work.templates import StepSpec
from tests.conftest import Staff
from tests.conversations.chat import keys
from tests.conversations.staff.support import assigned_card, choice_ids, staff_chat
from tests.conversations.staff.told import drain, told
from tests.core.work.helpers import Card, get_step, make_card
from tests.fakes import FakeClock

PADS = StepSpec(name_en="Replace the pads", name_ar="تبديل الفحمات", estimated_minutes=30)
DISCS = StepSpec(name_en="Skim the discs", name_ar="خراطة الأقراص", estimated_minutes=40)
WORDS = {"en": {"jobs": "my jobs", "problem": "problem", "extra": "extra"},
         "ar": {"jobs": "شغلي", "problem": "مشكلة", "extra": "عمل اضافي"}}


async def _exception_of(db: Database, step_id: int) -> StepException:
    async with db.read() as s:
        return (await s.scalars(select(StepException).where(StepException.step_id == step_id))).one()


@pytest.mark.parametrize("locale", ["en", "ar"])
async def test_done_names_the_finished_step_in_the_readers_language(
    db: Database, staff: Staff, locale: str,
) -> None:
    tech = await staff_chat(db, staff.org, Role.TECHNICIAN, locale)
    card = await assigned_card(db, staff.advisor, staff.lead, tech.user_id, [PADS])
    await tech.say("start 1" if locale == "en" else "ابدأ ١")
    finished = await tech.say("done" if locale == "en" else "تم")
    assert keys(finished)[0] == "floor.step_finished"
    assert ("تبديل الفحمات" if locale == "ar" else "Replace the pads") in finished[0].text
    assert "{" not in finished[0].text
    assert (await get_step(db, card.step_ids[0])).status == StepStatus.DONE


@pytest.mark.parametrize("locale", ["en", "ar"])
async def test_a_flagged_problem_reaches_the_lead_whose_button_opens_it_then_the_technician_hears_back(
    db: Database, staff: Staff, locale: str,
) -> None:
    tech = await staff_chat(db, staff.org, Role.TECHNICIAN, locale, name="Yousef")
    lead = await staff_chat(db, staff.org, Role.LEAD_TECHNICIAN, locale, name="Omar")
    card = await assigned_card(db, staff.advisor, staff.lead, tech.user_id, [PADS])
    await tech.say(WORDS[locale]["jobs"])
    await tech.say(choice=f"tj:{card.step_ids[0]}")
    await tech.say(choice="ts:start")
    await tech.say(WORDS[locale]["problem"])
    sent = await tech.say("caliper seized")
    assert keys(sent)[0] == "staff.flag_sent"  # "the problem was reported to the lead"
    await drain(db)

    exc = await _exception_of(db, card.step_ids[0])
    to_lead = await told(db, lead)
    assert [m.key for m in to_lead] == ["floor.told_exception"]
    assert "caliper seized" in to_lead[0].text
    assert "Yousef" in to_lead[0].text
    assert to_lead[0].choices == ((f"o:exc:{exc.id}", "فتح" if locale == "ar" else "Open"),)

    await lead.chat.new_messages()
    opened = await lead.say(choice=f"o:exc:{exc.id}")  # the lead taps the button, from anywhere
    assert keys(opened) == ["staff.exception_card"]
    decided = await lead.say(choice="le:retry")
    assert keys(decided)[0] == "staff.exception_decided"  # "… the technician is told"
    await drain(db)
    to_tech = await told(db, tech, "floor.told_exception_decided")
    assert len(to_tech) == 1
    assert ("أعد المحاولة" if locale == "ar" else "try again") in to_tech[0].text
    assert to_tech[0].choices[0][0] == f"o:step:{card.step_ids[0]}"


@pytest.mark.parametrize("locale", ["en", "ar"])
async def test_reassigning_tells_the_new_technician_and_the_previous_one(
    db: Database, staff: Staff, locale: str,
) -> None:
    first = await staff_chat(db, staff.org, Role.TECHNICIAN, locale, name="Yousef")
    second = await staff_chat(db, staff.org, Role.TECHNICIAN, locale, name="Ahmad")
    lead = await staff_chat(db, staff.org, Role.LEAD_TECHNICIAN, locale)
    card = await assigned_card(db, staff.advisor, staff.lead, first.user_id, [PADS])
    await drain(db)
    assert [m.key for m in await told(db, first)] == ["floor.told_assigned"]
    await first.say(WORDS[locale]["jobs"])
    await first.say(choice=f"tj:{card.step_ids[0]}")
    await first.say(choice="ts:start")
    await first.say(WORDS[locale]["problem"] + " no lift free")
    await drain(db)
    exc = await _exception_of(db, card.step_ids[0])
    await lead.say(choice=f"o:exc:{exc.id}")
    await lead.say(choice="le:assign")
    assigned = await lead.say(choice=f"la:{second.user_id}")
    assert keys(assigned)[0] == "staff.assigned"
    await drain(db)

    new = await told(db, second)
    assert [m.key for m in new] == ["floor.told_assigned"]
    assert ("تبديل الفحمات" if locale == "ar" else "Replace the pads") in new[0].text
    assert new[0].choices[0][0] == f"o:step:{card.step_ids[0]}"
    assert [m.key for m in await told(db, first, "floor.told_unassigned")] == ["floor.told_unassigned"]
    await second.chat.new_messages()
    opened = await second.say(choice=f"o:step:{card.step_ids[0]}")
    assert keys(opened) == ["staff.step_failed"]  # waiting for the lead, now on their card


@pytest.mark.parametrize("locale", ["en", "ar"])
async def test_additional_work_and_a_card_ready_for_review_reach_the_advisor_and_the_lead(
    db: Database, staff: Staff, locale: str,
) -> None:
    tech = await staff_chat(db, staff.org, Role.TECHNICIAN, locale)
    advisor = await staff_chat(db, staff.org, Role.ADVISOR, locale)
    lead = await staff_chat(db, staff.org, Role.LEAD_TECHNICIAN, locale)
    card = await assigned_card(db, staff.advisor, staff.lead, tech.user_id, [PADS])
    await tech.say("start 1")
    reported = await tech.say(f"{WORDS[locale]['extra']} rear wiper torn 15")
    assert keys(reported)[0] == "staff.extra_reported"  # "added to the draft quote for the advisor"
    await tech.say("done")
    await drain(db)

    to_advisor = await told(db, advisor)
    assert [m.key for m in to_advisor] == ["floor.told_extra"]
    assert "rear wiper torn" in to_advisor[0].text
    assert to_advisor[0].choices[0][0] == f"o:ses:{card.session_id}"
    to_lead = await told(db, lead)
    assert [m.key for m in to_lead] == ["floor.told_review"]
    assert to_lead[0].choices[0][0] == f"o:card:{card.job_card_id}"
    await lead.chat.new_messages()
    assert keys(await lead.say(choice=f"o:card:{card.job_card_id}")) == ["staff.review_card"]
    # A technician cannot follow a lead's button.
    await tech.chat.new_messages()
    refused = await tech.say(choice=f"o:card:{card.job_card_id}")
    assert keys(refused)[0] == "floor.open_not_allowed"


async def _quote_for_two_cards(db: Database, staff: Staff, person: UserId) -> tuple[Card, Card, QuoteId]:
    """Two job cards for ``person`` on one session, quoted and sent to the client."""
    kept = await assigned_card(db, staff.advisor, staff.lead, person, [PADS], status=SessionStatus.DIAGNOSING)
    dropped = await make_card(db, staff.advisor, [DISCS], session_id=kept.session_id)
    async with db.unit_of_work(staff.lead) as uow:
        await assign_step(uow, dropped.step_ids[0], person, override=True)
    async with db.unit_of_work(staff.advisor) as uow:
        quote_id = await create_quote(uow, kept.session_id)
        await send_quote(uow, quote_id, channel=Channel.SMS)
    return kept, dropped, quote_id


async def _client_decides(db: Database, staff: Staff, kept: Card, dropped: Card, quote_id: QuoteId,
                          decision: LineDecision) -> None:
    async with db.read() as s:
        lines = {ln.job_card_id: QuoteLineId(ln.id) for ln in (await s.scalars(
            select(QuoteLine).where(QuoteLine.quote_id == quote_id))).all()}
        rs = await s.get(RepairSession, kept.session_id)
        assert rs is not None
    client = Actor.client(staff.org, ClientId(rs.client_id), Channel.SMS)
    async with db.unit_of_work(client) as uow:
        await decide_quote_lines(uow, quote_id, {
            lines[kept.job_card_id]: LineDecision.APPROVED, lines[dropped.job_card_id]: decision,
        }, key="reply-1")


WHY = {("en", LineDecision.DECLINED): "the client declined it", ("ar", LineDecision.DECLINED): "رفضه العميل",
       ("en", LineDecision.DEFERRED): "put it off"}


@pytest.mark.parametrize(("locale", "decision"), [
    ("en", LineDecision.DECLINED), ("ar", LineDecision.DECLINED), ("en", LineDecision.DEFERRED),
])
async def test_work_the_client_declined_or_put_off_leaves_the_floor_and_the_technician_and_advisor_are_told(
    db: Database, staff: Staff, locale: str, decision: LineDecision,
) -> None:
    tech = await staff_chat(db, staff.org, Role.TECHNICIAN, locale)
    advisor = await staff_chat(db, staff.org, Role.ADVISOR, locale)
    kept, dropped, quote_id = await _quote_for_two_cards(db, staff, tech.user_id)
    await _client_decides(db, staff, kept, dropped, quote_id, decision)
    await drain(db)

    step = await get_step(db, dropped.step_ids[0])
    assert step.status == StepStatus.SKIPPED
    async with db.read() as s:
        card = await s.get(JobCard, dropped.job_card_id)
        assert card is not None
        assert card.status == JobCardStatus.REJECTED.value
    await tech.chat.new_messages()
    listed = await tech.say(WORDS[locale]["jobs"])
    assert choice_ids(listed) == [f"tj:{kept.step_ids[0]}"]
    refused = await tech.say(choice=f"tj:{dropped.step_ids[0]}")
    assert "ts:start" not in choice_ids(refused)

    withdrawn = await told(db, tech, "floor.told_withdrawn")
    assert len(withdrawn) == 1
    assert WHY[(locale, decision)] in withdrawn[0].text
    assert [m.key for m in await told(db, advisor)] == ["floor.told_quote_decided"]


async def test_quiet_hours_hold_routine_staff_messages_but_not_a_problem_on_the_floor(
    db: Database, staff: Staff, clock: FakeClock,
) -> None:
    async with db.unit_of_work(staff.owner) as uow:
        await set_staff_quiet_hours(uow, "21:00", "07:00")
    clock.set(dt.datetime(2026, 11, 22, 20, 0, tzinfo=dt.UTC))  # 23:00 in Amman
    tech = await staff_chat(db, staff.org, Role.TECHNICIAN)
    advisor = await staff_chat(db, staff.org, Role.ADVISOR)
    lead = await staff_chat(db, staff.org, Role.LEAD_TECHNICIAN)
    await assigned_card(db, staff.advisor, staff.lead, tech.user_id, [PADS])
    await tech.say("start 1")
    await tech.say("extra rear wiper torn")
    await tech.say("problem caliper seized")
    await drain(db)
    assert [m.key for m in await told(db, lead)] == ["floor.told_exception"]  # urgent: now
    async with db.read() as s:
        held = (await s.scalars(select(OutboxRow).where(
            OutboxRow.recipient == advisor.chat.address, OutboxRow.topic == "floor.told_extra"))).one()
    assert held.status == "pending"
    assert held.available_at == dt.datetime(2026, 11, 23, 4, 0, tzinfo=dt.UTC)  # 07:00 in Amman
    clock.set(dt.datetime(2026, 11, 23, 4, 1, tzinfo=dt.UTC))
    await drain(db)
    async with db.read() as s:
        again = await s.get(OutboxRow, held.id)
        assert again is not None
        assert again.status == "sent"


@pytest.mark.parametrize("locale", ["en", "ar"])
async def test_a_card_sent_back_reaches_its_technician(db: Database, staff: Staff, locale: str) -> None:
    tech = await staff_chat(db, staff.org, Role.TECHNICIAN, locale)
    lead = await staff_chat(db, staff.org, Role.LEAD_TECHNICIAN, locale)
    card = await assigned_card(db, staff.advisor, staff.lead, tech.user_id, [PADS])
    await tech.say("start 1")
    await tech.say("done")
    await lead.say(choice=f"o:card:{card.job_card_id}")
    sent = await lead.say("send back pads rub on the disc" if locale == "en" else "ارجاع الفحمات تحتك بالقرص")
    assert keys(sent)[0] == "staff.review_sent_back"  # "… the technician is told"
    await drain(db)
    [back] = await told(db, tech, "floor.told_sent_back")
    assert ("pads rub" if locale == "en" else "تحتك") in back.text
    assert back.choices[0][0] == "o:jobs:0"

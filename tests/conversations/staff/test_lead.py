"""Transcripts of a lead technician: the exception queue and the review of job cards."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from garagebot.core.enums import JobCardStatus, Role, StepStatus
from garagebot.core.ids import OrgId, StepId
from garagebot.core.models import JobCard, StepException
from garagebot.core.uow import Database
from garagebot.core.work.exceptions import flag_exception
from garagebot.core.work.steps import complete_step
from garagebot.core.work.timers import start_timer
from tests.conftest import Staff
from tests.conversations.chat import keys
from tests.conversations.staff.support import assigned_card, choice_ids, staff_chat
from tests.core.work.helpers import get_step, simple_steps


async def _flagged(db: Database, staff: Staff) -> tuple[StepId, int]:
    card = await assigned_card(db, staff.advisor, staff.lead, staff.id(staff.tech), simple_steps(1))
    step = card.step_ids[0]
    async with db.unit_of_work(staff.tech) as uow:
        await start_timer(uow, step)
        exc = await flag_exception(uow, step, "Bolt seized")
    return step, exc


@pytest.mark.parametrize(("locale", "skip", "comment"), [
    ("en", "skip", "Not needed on this model"),
    ("ar", "تخطي", "غير مطلوبة لهذا الطراز"),
])
async def test_a_lead_skips_a_flagged_step_with_a_comment(
    db: Database, org: OrgId, staff: Staff, locale: str, skip: str, comment: str,
) -> None:
    step, exc = await _flagged(db, staff)
    lead = await staff_chat(db, org, Role.LEAD_TECHNICIAN, locale)
    queue = await lead.say(choice="m:lead")
    assert keys(queue) == ["staff.lead_queue"]
    assert f"lx:{exc}" in choice_ids(queue)
    shown = await lead.say(choice=f"lx:{exc}")
    assert keys(shown) == ["staff.exception_card"]
    assert "Bolt seized" in shown[0].text
    assert keys(await lead.say(skip)) == ["staff.skip_prompt"]
    decided = await lead.say(comment)
    assert keys(decided)[0] == "staff.exception_decided"
    async with db.read() as s:
        row = (await s.scalars(select(StepException).where(StepException.id == exc))).one()
    assert (row.status, row.comment) == ("SKIPPED", comment)
    assert (await get_step(db, step)).status == StepStatus.SKIPPED


async def test_a_lead_retries_or_delays_and_can_reassign(db: Database, org: OrgId, staff: Staff) -> None:
    step, exc = await _flagged(db, staff)
    lead = await staff_chat(db, org, Role.LEAD_TECHNICIAN)
    await lead.say(choice="m:lead")
    await lead.say(choice=f"lx:{exc}")
    people = await lead.say(choice="le:assign")
    assert f"la:{staff.id(staff.tech2)}" in choice_ids(people)
    assigned = await lead.say(choice=f"la:{staff.id(staff.tech2)}")
    assert keys(assigned)[0] == "staff.assigned"
    assert (await get_step(db, step)).assignee_id == staff.id(staff.tech2)
    await lead.say(choice=f"lx:{exc}")
    decided = await lead.say("delay 3")
    assert keys(decided)[0] == "staff.exception_decided"
    stored = await get_step(db, step)
    assert stored.delayed_until == db.clock.now() + dt.timedelta(hours=3)


@pytest.mark.parametrize(("locale", "send_back"), [("en", "send back"), ("ar", "ارجاع")])
async def test_a_lead_approves_one_card_and_sends_another_back_with_a_reason(
    db: Database, org: OrgId, staff: Staff, locale: str, send_back: str,
) -> None:
    cards = [await assigned_card(db, staff.advisor, staff.lead, staff.id(staff.tech), simple_steps(1))
             for _ in range(2)]
    for card in cards:
        async with db.unit_of_work(staff.tech) as uow:
            await start_timer(uow, card.step_ids[0])
            await complete_step(uow, card.step_ids[0])
    lead = await staff_chat(db, org, Role.LEAD_TECHNICIAN, locale)
    queue = await lead.say(choice="m:lead")
    assert {f"lr:{c.job_card_id}" for c in cards} <= set(choice_ids(queue))
    await lead.say(choice=f"lr:{cards[0].job_card_id}")
    approved = await lead.say(choice="lc:approve")
    assert keys(approved)[0] == "staff.review_approved"
    await lead.say(choice=f"lr:{cards[1].job_card_id}")
    assert keys(await lead.say(send_back)) == ["staff.send_back_prompt"]
    sent = await lead.say("Noise still there")
    assert keys(sent)[0] == "staff.review_sent_back"
    async with db.read() as s:
        first = await s.get(JobCard, cards[0].job_card_id)
        second = await s.get(JobCard, cards[1].job_card_id)
    assert first is not None
    assert second is not None
    assert first.status == JobCardStatus.COMPLETED
    assert (second.status, second.review_note) == (JobCardStatus.IN_PROGRESS, "Noise still there")
    assert (await get_step(db, cards[1].step_ids[0])).status == StepStatus.NOT_STARTED  # reopened for rework

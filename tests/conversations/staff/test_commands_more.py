"""The global commands inside the staff flows, in English and Arabic (help,
back, cancel, language, menu), and an idle chat put back at the menu where
typed words still work."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from garagebot.core.enums import Role
from garagebot.core.ids import OrgId, StepId
from garagebot.core.models import RepairSession, User
from garagebot.core.uow import Database
from garagebot.core.work.timers import start_timer
from tests.conftest import Staff
from tests.conversations.chat import keys, translator
from tests.conversations.staff.support import assigned_card, count, staff_chat
from tests.core.work.helpers import get_step, simple_steps
from tests.fakes import FakeClock

COMMANDS = {
    "en": {"help": "help", "back": "back", "cancel": "cancel", "menu": "menu", "language": "language",
           "jobs": "my jobs", "start": "start 1", "done": "done", "intake": "new car"},
    "ar": {"help": "مساعدة", "back": "رجوع", "cancel": "إلغاء", "menu": "القائمة", "language": "اللغة",
           "jobs": "شغلي", "start": "ابدأ ١", "done": "تم", "intake": "سيارة جديدة"},
}
LOCALES = ["en", "ar"]


@pytest.mark.parametrize("locale", LOCALES)
async def test_help_and_back_inside_a_technicians_job(
    db: Database, org: OrgId, staff: Staff, locale: str,
) -> None:
    words = COMMANDS[locale]
    tech = await staff_chat(db, org, Role.TECHNICIAN, locale)
    card = await assigned_card(db, staff.advisor, staff.lead, tech.user_id, simple_steps(1))
    await tech.say(words["jobs"])
    await tech.say("1")

    helped = await tech.say(words["help"])

    assert keys(helped) == ["staff.help_step"]
    assert helped[0].text == translator().render(locale, "staff.help_step")
    conv = await tech.chat.conversation()
    assert (conv.flow, conv.state, conv.data["d"]) == ("tech", "step", {"step": card.step_ids[0]})
    assert keys(await tech.say(words["back"])) == ["staff.my_jobs"]
    assert keys(await tech.say(words["back"])) == ["bot.menu"]
    assert (await tech.chat.conversation()).flow == "menu"


@pytest.mark.parametrize("locale", LOCALES)
async def test_cancel_in_the_middle_of_an_intake_opens_nothing(
    db: Database, org: OrgId, locale: str,
) -> None:
    words = COMMANDS[locale]
    advisor = await staff_chat(db, org, Role.ADVISOR, locale)
    await advisor.say(words["intake"])
    await advisor.say("0791234567")
    await advisor.say("12-34567")
    assert keys(await advisor.say(words["help"])) == ["staff.help_intake"]

    cancelled = await advisor.say(words["cancel"])

    assert keys(cancelled) == ["bot.cancelled", "bot.menu"]
    assert {s.locale for s in cancelled} == {locale}
    conv = await advisor.chat.conversation()
    assert (conv.flow, conv.state, conv.data["d"], conv.data["h"]) == ("menu", "main", {}, [])
    assert await count(db, RepairSession, RepairSession.organization_id == org) == 0
    assert keys(await advisor.say(words["intake"])) == ["staff.intake_phone"]  # starts afresh


@pytest.mark.parametrize(("locale", "other", "name"), [("en", "ar", "عربي"), ("ar", "en", "english")])
async def test_the_language_changes_in_the_middle_of_a_flow_and_the_staff_flows_follow(
    db: Database, org: OrgId, staff: Staff, locale: str, other: str, name: str,
) -> None:
    tech = await staff_chat(db, org, Role.TECHNICIAN, locale)
    await assigned_card(db, staff.advisor, staff.lead, tech.user_id, simple_steps(1))
    await tech.say(COMMANDS[locale]["jobs"])
    assert keys(await tech.say(COMMANDS[locale]["language"])) == ["bot.language_prompt"]

    switched = await tech.say(name)

    assert keys(switched) == ["bot.language_set", "bot.menu"]
    assert {s.locale for s in switched} == {other}
    async with db.read() as s:
        assert await s.scalar(select(User.locale).where(User.id == tech.user_id)) == other
    jobs = await tech.say(COMMANDS[other]["jobs"])
    assert keys(jobs) == ["staff.my_jobs"]
    assert jobs[0].locale == other
    assert ("الخطوة 1" if other == "ar" else "Step 1") in jobs[0].choices[0][1]


@pytest.mark.parametrize("locale", LOCALES)
async def test_menu_leaves_a_flow_from_any_state(db: Database, org: OrgId, staff: Staff, locale: str) -> None:
    words = COMMANDS[locale]
    lead = await staff_chat(db, org, Role.LEAD_TECHNICIAN, locale)
    await lead.say(choice="m:lead")
    shown = await lead.say(words["menu"])
    assert keys(shown) == ["bot.menu"]
    assert "m:lead" in [cid for cid, _ in shown[0].choices]
    conv = await lead.chat.conversation()
    assert (conv.flow, conv.state) == ("menu", "main")


@pytest.mark.parametrize("locale", LOCALES)
async def test_an_idle_technician_is_back_at_the_menu_and_my_jobs_still_works(
    db: Database, org: OrgId, staff: Staff, clock: FakeClock, locale: str,
) -> None:
    words = COMMANDS[locale]
    tech = await staff_chat(db, org, Role.TECHNICIAN, locale)
    card = await assigned_card(db, staff.advisor, staff.lead, tech.user_id, simple_steps(1))
    await tech.say(words["jobs"])
    await tech.say(words["start"])
    clock.advance(minutes=29)
    assert keys(await tech.say(words["jobs"])) == ["staff.my_jobs"]  # not idle yet: still in the flow
    await tech.say("1")
    clock.advance(minutes=31)

    unknown = await tech.say("xyz")
    assert keys(unknown) == ["bot.not_understood", "bot.menu"]
    assert (await tech.chat.conversation()).flow == "menu"
    clock.advance(minutes=31)
    jobs = await tech.say(words["jobs"])
    assert keys(jobs) == ["staff.my_jobs"]
    assert jobs[0].choices[0][1].count("⏱") == 1  # the timer kept running
    assert keys(await tech.say(words["done"])) == ["floor.step_finished", "staff.no_jobs"]
    assert (await get_step(db, card.step_ids[0])).status == "DONE"



@pytest.mark.parametrize("locale", LOCALES)
async def test_words_of_a_job_typed_at_the_menu_act_on_the_job(
    db: Database, org: OrgId, staff: Staff, locale: str,
) -> None:
    words = COMMANDS[locale]
    tech = await staff_chat(db, org, Role.TECHNICIAN, locale)
    card = await assigned_card(db, staff.advisor, staff.lead, tech.user_id, simple_steps(1))
    await tech.say(words["menu"])
    started = await tech.say(words["start"])
    assert keys(started)[0] == "staff.timer_started"
    await tech.say(words["menu"])
    done = await tech.say(words["done"])
    assert keys(done)[0] == "floor.step_finished"
    assert (await get_step(db, card.step_ids[0])).status == "DONE"


@pytest.mark.parametrize("locale", LOCALES)
async def test_job_words_at_the_menu_are_only_for_technicians_not_a_leads_running_step(
    db: Database, org: OrgId, staff: Staff, locale: str,
) -> None:
    words = COMMANDS[locale]
    lead = await staff_chat(db, org, Role.LEAD_TECHNICIAN, locale)
    card = await assigned_card(db, staff.advisor, staff.lead, lead.user_id, simple_steps(1))
    async with db.unit_of_work(lead.actor) as uow:
        await start_timer(uow, StepId(card.step_ids[0]))
    await lead.say(words["menu"])

    typed = await lead.say(words["done"])

    assert keys(typed) == ["bot.not_understood", "bot.menu"]
    assert (await get_step(db, card.step_ids[0])).status == "IN_PROGRESS"

"""More transcripts of a service advisor, in English and Arabic: intake typed
with Arabic digits and no template, a wrong phone refused at once, the lists
of sessions awaiting approval and parts (buttons and typed words), assigning
and reassigning steps, and marking a car ready once its checks are done."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from garagebot.core.actor import Actor
from garagebot.core.enums import Channel, Role, SessionStatus
from garagebot.core.ids import OrgId, SessionId
from garagebot.core.models import Client, JobCard, MediaFile, RepairSession, Step, Vehicle
from garagebot.core.repair.clients import find_or_create_client
from garagebot.core.repair.sessions import change_status
from garagebot.core.uow import Database
from garagebot.core.work.steps import complete_step
from garagebot.core.work.timers import start_timer
from tests.conftest import Staff
from tests.conversations.chat import keys
from tests.conversations.staff.support import assigned_card, choice_ids, count, staff_chat
from tests.core.repair.helpers import move, open_direct, tick_all
from tests.core.work.helpers import get_step, make_card, simple_steps

LOCALES = ["en", "ar"]
S = SessionStatus


async def _only_session(db: Database, org: OrgId) -> tuple[RepairSession, Client, Vehicle]:
    async with db.read() as s:
        rs = (await s.scalars(select(RepairSession).where(RepairSession.organization_id == org))).one()
        client = await s.get(Client, rs.client_id)
        vehicle = await s.get(Vehicle, rs.vehicle_id)
    assert client is not None
    assert vehicle is not None
    return rs, client, vehicle


@pytest.mark.parametrize(("locale", "intake", "phone", "plate", "complaint", "skip"), [
    ("en", "intake", "079 123 4567", "12 34567", "Engine light on", "skip"),
    ("ar", "استقبال", "٠٧٩١٢٣٤٥٦٧", "١٢-٣٤٥٦٧", "ضوء المحرك يعمل", "تخطي"),
])
async def test_an_intake_typed_in_either_digits_opens_a_session_without_a_template(
    db: Database, org: OrgId, locale: str, intake: str, phone: str, plate: str, complaint: str, skip: str,
) -> None:
    advisor = await staff_chat(db, org, Role.ADVISOR, locale)
    assert keys(await advisor.say(intake)) == ["staff.intake_phone"]
    assert keys(await advisor.say(phone)) == ["floor.intake_name"]
    assert keys(await advisor.say("Rami")) == ["staff.intake_plate"]
    assert keys(await advisor.say(plate)) == ["staff.intake_complaint"]
    opened = await advisor.say(complaint)
    assert keys(opened) == ["staff.session_opened", "staff.intake_photos"]
    photo = await advisor.send_photo("scratch on the door")
    assert keys(photo) == ["staff.media_attached"]
    assert keys(await advisor.say(skip)) == ["staff.intake_template"]

    shown = await advisor.say(skip)

    assert keys(shown) == ["staff.session_card"]
    rs, client, vehicle = await _only_session(db, org)
    assert (client.phone, vehicle.plate, rs.complaint, rs.status) == (
        "+962791234567", "12-34567", complaint, S.NEW)
    assert rs.number in opened[0].text
    assert await count(db, JobCard, JobCard.session_id == rs.id) == 0
    assert await count(db, MediaFile, MediaFile.session_id == rs.id, MediaFile.step_id.is_(None)) == 1
    conv = await advisor.chat.conversation()
    assert (conv.flow, conv.state, conv.data["d"]) == ("sessions", "session", {"session": rs.id})


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_wrong_phone_is_refused_at_once_and_asked_again(
    db: Database, org: OrgId, locale: str,
) -> None:
    advisor = await staff_chat(db, org, Role.ADVISOR, locale)
    await advisor.say(choice="m:intake")

    refused = await advisor.say("12")

    assert keys(refused) == ["error.invalid_phone"]
    assert (await advisor.chat.conversation()).state == "phone"
    assert keys(await advisor.say("0791234567")) == ["floor.intake_name"]
    assert (await advisor.chat.conversation()).data["d"] == {"phone": "+962791234567"}


async def _session_in(db: Database, staff: Staff, n: int, *path: SessionStatus) -> SessionId:
    sid = await open_direct(db, staff.advisor, n)
    await move(db, staff.advisor, sid, *path)
    return sid


@pytest.mark.parametrize(("locale", "approval", "parts"), [
    ("en", "awaiting approval", "awaiting parts"),
    ("ar", "بانتظار الموافقة", "بانتظار القطع"),
])
async def test_the_lists_of_sessions_awaiting_approval_and_parts(
    db: Database, org: OrgId, staff: Staff, locale: str, approval: str, parts: str,
) -> None:
    waiting_ok = await _session_in(db, staff, 41, S.AWAITING_CLIENT_APPROVAL)
    waiting_parts = await _session_in(db, staff, 42, S.AWAITING_CLIENT_APPROVAL, S.AWAITING_PARTS)
    working = await _session_in(db, staff, 43, S.IN_PROGRESS)
    advisor = await staff_chat(db, org, Role.ADVISOR, locale)
    lists = await advisor.say(choice="m:sessions")
    assert choice_ids(lists) == ["sl:approval", "sl:parts", "sl:qc", "sl:pickup", "sl:all"]

    by_button = await advisor.say(choice="sl:approval")
    assert keys(by_button) == ["staff.sessions_list"]
    assert [c for c in choice_ids(by_button) if c.startswith("ss:")] == [f"ss:{waiting_ok}"]
    await advisor.say("back")
    by_word = await advisor.say(parts)
    assert [c for c in choice_ids(by_word) if c.startswith("ss:")] == [f"ss:{waiting_parts}"]
    await advisor.say("back")
    typed = await advisor.say(approval)
    assert [c for c in choice_ids(typed) if c.startswith("ss:")] == [f"ss:{waiting_ok}"]
    await advisor.say("back")
    everything = await advisor.say(choice="sl:all")
    assert {f"ss:{waiting_ok}", f"ss:{waiting_parts}", f"ss:{working}"} <= set(choice_ids(everything))
    opened = await advisor.say(choice=f"ss:{waiting_parts}")
    assert keys(opened) == ["staff.session_card"]
    assert (await advisor.chat.conversation()).data["d"] == {"session": waiting_parts}


@pytest.mark.parametrize("locale", LOCALES)
async def test_an_advisor_assigns_a_step_and_reassigns_it_before_work_starts_but_not_after(
    db: Database, org: OrgId, staff: Staff, locale: str,
) -> None:
    sid = await open_direct(db, staff.advisor, 51)
    await move(db, staff.advisor, sid, S.IN_PROGRESS)
    card = await make_card(db, staff.advisor, simple_steps(1), session_id=sid)
    step = card.step_ids[0]
    advisor = await staff_chat(db, org, Role.ADVISOR, locale)
    await advisor.say(choice="m:sessions")
    await advisor.say(choice="sl:all")
    await advisor.say(choice=f"ss:{sid}")
    await advisor.say(choice="sa:assign")
    await advisor.say(choice=f"sp:{step}")
    first = await advisor.say(choice=f"su:{staff.id(staff.tech)}")
    assert keys(first) == ["staff.assigned", "staff.session_card"]
    assert (await get_step(db, step)).assignee_id == staff.id(staff.tech)

    await advisor.say(choice="sa:assign")
    await advisor.say(choice=f"sp:{step}")
    again = await advisor.say(choice=f"su:{staff.id(staff.tech2)}")
    assert keys(again) == ["staff.assigned", "staff.session_card"]
    assert (await get_step(db, step)).assignee_id == staff.id(staff.tech2)

    async with db.unit_of_work(staff.tech2) as uow:
        await start_timer(uow, step)
    await advisor.say(choice="sa:assign")
    await advisor.say(choice=f"sp:{step}")
    refused = await advisor.say(choice=f"su:{staff.id(staff.tech)}")
    assert keys(refused)[0] == "error.reassign_needs_lead"
    assert (await get_step(db, step)).assignee_id == staff.id(staff.tech2)


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_car_is_marked_ready_only_once_its_checks_are_done(
    db: Database, org: OrgId, staff: Staff, locale: str,
) -> None:
    card = await assigned_card(db, staff.advisor, staff.lead, staff.id(staff.tech), simple_steps(1))
    sid = card.session_id
    async with db.unit_of_work(staff.tech) as uow:
        await start_timer(uow, card.step_ids[0])
        await complete_step(uow, card.step_ids[0])
    await move(db, staff.advisor, sid, S.QA_CHECK)
    advisor = await staff_chat(db, org, Role.ADVISOR, locale)
    async with db.read() as s:
        number = (await s.get(RepairSession, sid)).number  # type: ignore[union-attr]
    await advisor.say(choice="m:sessions")
    shown = await advisor.say(number)
    assert "sa:qc" in choice_ids(shown)
    assert "sa:ready" not in choice_ids(shown)

    refused = await advisor.say(choice="sa:ready")
    assert keys(refused)[0] == "error.session_qc_incomplete"
    assert (await _status(db, sid)) == S.QA_CHECK

    await tick_all(db, staff.lead, org, sid)
    ready = await advisor.say(choice="sa:ready")
    assert keys(ready) == ["staff.marked_ready", "staff.session_card"]
    assert (await _status(db, sid)) == S.READY_FOR_PICKUP
    assert "sa:ready" not in choice_ids(ready)
    assert await count(db, Step, Step.session_id == sid) == 1


async def _status(db: Database, sid: SessionId) -> str:
    async with db.read() as s:
        rs = await s.get(RepairSession, sid)
        assert rs is not None
        return rs.status


@pytest.mark.parametrize(("locale", "intake", "yes", "no"), [
    ("en", "intake", "yes", "no"),
    ("ar", "استقبال", "نعم", "لا"),
])
async def test_a_second_session_for_a_car_is_opened_only_when_the_advisor_confirms(
    db: Database, org: OrgId, locale: str, intake: str, yes: str, no: str,
) -> None:
    advisor = await staff_chat(db, org, Role.ADVISOR, locale)
    async with db.unit_of_work(Actor.user(org, advisor.user_id, Channel.TELEGRAM)) as uow:
        await find_or_create_client(uow, phone="+962791234567", name="Rami")  # a known client: no name asked

    async def take_in(complaint: str) -> list[str]:
        await advisor.say(choice="g:menu")
        await advisor.say(intake)
        await advisor.say("0791234567")
        await advisor.say("12 34567")
        return keys(await advisor.say(complaint))

    assert await take_in("Engine light on") == ["staff.session_opened", "staff.intake_photos"]
    [first] = await _sessions(db, org)

    await advisor.say(choice="g:menu")
    await advisor.say(intake)
    await advisor.say("0791234567")
    await advisor.say("12 34567")
    asked = await advisor.say("Also the brakes squeal")
    assert keys(asked) == ["staff.intake_second_session"]
    assert first.number in asked[0].text
    assert [label for _, label in asked[0].choices] == (
        ["Open a second session", "Keep the one it has"] if locale == "en"
        else ["افتح جلسة ثانية", "أبقِ الجلسة الحالية"])
    kept = await advisor.say(no)
    assert keys(kept) == ["staff.intake_kept_one", "staff.session_card"]
    assert [rs.id for rs in await _sessions(db, org)] == [first.id]  # nothing opened, no number taken
    conv = await advisor.chat.conversation()
    assert (conv.flow, conv.data["d"]) == ("sessions", {"session": first.id})

    assert await take_in("Also the brakes squeal") == ["staff.intake_second_session"]
    opened = await advisor.say(yes)
    assert keys(opened) == ["staff.session_opened", "staff.intake_photos"]
    _, second = await _sessions(db, org)
    assert second.second_active_confirmed
    assert (second.complaint, second.vehicle_id) == ("Also the brakes squeal", first.vehicle_id)
    assert (first.number[:-3], int(second.number[-3:])) == (second.number[:-3], int(first.number[-3:]) + 1)


async def _sessions(db: Database, org: OrgId) -> list[RepairSession]:
    async with db.read() as s:
        return list((await s.scalars(select(RepairSession).where(
            RepairSession.organization_id == org).order_by(RepairSession.id))).all())


@pytest.mark.parametrize(("locale", "no"), [("en", "no"), ("ar", "لا")])
async def test_keeping_one_when_the_open_session_closed_meanwhile_opens_nothing(
    db: Database, org: OrgId, staff: Staff, locale: str, no: str,
) -> None:
    advisor = await staff_chat(db, org, Role.ADVISOR, locale)
    await advisor.say(choice="m:intake")
    await advisor.say("0791234567")
    await advisor.say("Rami")
    await advisor.say("12 34567")
    await advisor.say("Engine light on")
    [first] = await _sessions(db, org)
    await advisor.say(choice="g:menu")
    await advisor.say(choice="m:intake")
    await advisor.say("0791234567")
    await advisor.say("12 34567")
    assert keys(await advisor.say("Brakes squeal")) == ["staff.intake_second_session"]
    async with db.unit_of_work(staff.advisor) as uow:  # meanwhile the first visit is cancelled
        await change_status(uow, SessionId(first.id), S.CANCELLED, note="Client changed their mind")

    answer = await advisor.say(no)

    assert keys(answer) == ["staff.intake_other_closed", "bot.menu"]
    assert [rs.id for rs in await _sessions(db, org)] == [first.id]

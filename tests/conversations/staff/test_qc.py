"""The quality check in chat, in English and Arabic, for a lead and an
advisor: the QC list of a car in QA_CHECK, one tap to tick or untick an
item, "all OK" only after a confirmation, then ready for pickup. Before,
"QC items still to check: 6" was a dead end."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from garagebot.core.enums import Role
from garagebot.core.ids import OrgId, SessionId
from garagebot.core.models import RepairSession, SessionQcItem
from garagebot.core.uow import Database
from tests.conftest import Staff
from tests.conversations.chat import Sent, keys
from tests.conversations.staff.support import choice_ids, staff_chat
from tests.core.notify.harness import dispatcher, sent_to
from tests.core.repair.helpers import S, move, open_direct, qc_item_ids

RAW = re.compile(r"\{[a-z_]+\}|QA_CHECK|READY_FOR_PICKUP|IN_PROGRESS")


def plain(text: str) -> str:
    """Without the FSI/PDI marks that isolate parameters in Arabic."""
    return text.replace("\u2068", "").replace("\u2069", "")


def readable(sent: list[Sent]) -> bool:
    """No unfilled placeholder, no raw status code, in the texts or the buttons."""
    return not any(RAW.search(s.text) or any(RAW.search(label) for _, label in s.choices) for s in sent)


async def _done(db: Database, sid: SessionId) -> list[bool]:
    async with db.read() as s:
        return list((await s.scalars(select(SessionQcItem.done).where(
            SessionQcItem.session_id == sid).order_by(SessionQcItem.position))).all())


async def _status(db: Database, sid: SessionId) -> str:
    async with db.read() as s:
        return (await s.execute(select(RepairSession.status).where(RepairSession.id == sid))).scalar_one()


@pytest.mark.parametrize(("locale", "role", "ticked", "ready_word"), [
    ("en", Role.LEAD_TECHNICIAN, "✅ Road test done", "Ready for pick-up"),
    ("ar", Role.LEAD_TECHNICIAN, "✅ تمت تجربة السيارة", "جاهزة للاستلام"),
    ("en", Role.ADVISOR, "✅ Road test done", "Ready for pick-up"),
    ("ar", Role.ADVISOR, "✅ تمت تجربة السيارة", "جاهزة للاستلام"),
])
async def test_the_qc_items_are_ticked_in_chat_and_the_car_is_marked_ready(
    db: Database, org: OrgId, staff: Staff, locale: str, role: Role, ticked: str, ready_word: str,
) -> None:
    sid = await open_direct(db, staff.advisor, 61)
    await move(db, staff.advisor, sid, S.IN_PROGRESS, S.QA_CHECK)
    items = await qc_item_ids(db, org, sid)
    person = await staff_chat(db, org, role, locale)
    await person.say(choice="m:sessions")
    listed = await person.say(choice="sl:qc")
    assert f"ss:{sid}" in choice_ids(listed)
    shown = await person.say(choice=f"ss:{sid}")
    assert "sa:qc" in choice_ids(shown)
    assert "sa:ready" not in choice_ids(shown)

    checklist = await person.say(choice="sa:qc")
    assert keys(checklist) == ["qc.checklist"]
    assert choice_ids(checklist)[:len(items)] == [f"qc:{i}" for i in items]
    assert "qc:all" in choice_ids(checklist)
    assert "qc:ready" not in choice_ids(checklist)

    one = await person.say(choice=f"qc:{items[0]}")  # one tap ticks …
    assert keys(one) == ["qc.checklist"]
    assert plain(one[0].choices[0][1]).startswith(ticked)
    assert await _done(db, sid) == [True] + [False] * (len(items) - 1)
    await person.say(choice=f"qc:{items[0]}")  # … a second untick
    assert await _done(db, sid) == [False] * len(items)
    await person.say(choice=f"qc:{items[0]}")

    asked = await person.say(choice="qc:all")
    assert keys(asked) == ["qc.confirm_all"]
    assert str(len(items) - 1) in asked[0].text
    assert keys(await person.say(choice="qc:no")) == ["qc.checklist"]
    assert await _done(db, sid) == [True] + [False] * (len(items) - 1)
    await person.say(choice="qc:all")
    confirmed = await person.say(choice="qc:yes")
    assert keys(confirmed) == ["qc.all_ticked", "qc.checklist"]
    assert await _done(db, sid) == [True] * len(items)
    assert "qc:ready" in choice_ids(confirmed)
    assert any(label == f"🏁 {ready_word}" for _, label in confirmed[-1].choices)

    ready = await person.say(choice="qc:ready")

    assert keys(ready) == ["staff.marked_ready", "staff.session_card"]
    assert await _status(db, sid) == S.READY_FOR_PICKUP
    assert ready_word in plain(ready[-1].text)  # the status by its name, never READY_FOR_PICKUP
    assert readable(listed + shown + checklist + one + asked + confirmed + ready)
    await dispatcher(db).drain()  # "… and the client told": the notification rules' message
    async with db.read() as s:
        client_id = (await s.execute(select(RepairSession.client_id).where(
            RepairSession.id == sid))).scalar_one()
    assert [m.key for m in await sent_to(db, org, client_id)][-1] == "notify.ready_for_pickup"


@pytest.mark.parametrize("locale", ["en", "ar"])
async def test_an_item_of_another_session_is_not_ticked(
    db: Database, org: OrgId, staff: Staff, locale: str,
) -> None:
    mine = await open_direct(db, staff.advisor, 62)
    other = await open_direct(db, staff.advisor, 63)
    for sid in (mine, other):
        await move(db, staff.advisor, sid, S.IN_PROGRESS, S.QA_CHECK)
    foreign = (await qc_item_ids(db, org, other))[0]
    lead = await staff_chat(db, org, Role.LEAD_TECHNICIAN, locale)
    await lead.say(choice="m:sessions")
    await lead.say(choice=f"ss:{mine}")
    await lead.say(choice="sa:qc")

    refused = await lead.say(choice=f"qc:{foreign}")

    assert keys(refused) == ["qc.pick_an_item", "qc.checklist"]
    assert await _done(db, other) == [False] * len(await qc_item_ids(db, org, other))
    assert readable(refused)


@pytest.mark.parametrize("locale", ["en", "ar"])
async def test_a_technician_cannot_tick_qc_items(db: Database, org: OrgId, staff: Staff, locale: str) -> None:
    sid = await open_direct(db, staff.advisor, 64)
    await move(db, staff.advisor, sid, S.IN_PROGRESS, S.QA_CHECK)
    tech = await staff_chat(db, org, Role.TECHNICIAN, locale)
    await tech.say("menu")
    said = await tech.say(choice=f"qc:{(await qc_item_ids(db, org, sid))[0]}")
    assert "qc.checklist" not in keys(said)
    assert await _done(db, sid) == [False] * len(await qc_item_ids(db, org, sid))

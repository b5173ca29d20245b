"""A chat group's plain "my jobs" read in one statement (the technician's read
ahead), and only where nothing changes before the list is read."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from garagebot.conversations.engine import Engine
from garagebot.conversations.flows import default_registry
from garagebot.conversations.router import MENU_FLOW, MENU_STATE, StaffMember, Waiting
from garagebot.conversations.staff.technician import FLOW, TechState, lists_only
from garagebot.conversations.types import Inbound, MediaKind, MediaRef, Outcome
from garagebot.core.enums import Channel, Role, StepStatus
from garagebot.core.ids import OrgId, UserId
from garagebot.core.uow import Database
from garagebot.core.work.templates import StepSpec
from tests.conftest import Staff
from tests.conversations.chat import Chat, linked_user
from tests.conversations.staff.support import assigned_card, choice_ids
from tests.core.work.helpers import get_step

STEPS = [StepSpec(name_en="Inspect brakes", name_ar="فحص الفرامل"),
         StepSpec(name_en="Road test", name_ar="تجربة على الطريق")]
ME = StaffMember(OrgId(1), UserId(2), "Sami", Role.TECHNICIAN, "en")


def waiting(text: str, at: tuple[str, str] = (MENU_FLOW, MENU_STATE), *, media: bool = False,
            choice: str | None = None) -> Waiting:
    refs = (MediaRef(MediaKind.PHOTO, "f", "image/jpeg", None),) if media else ()
    msg = Inbound(channel=Channel.TELEGRAM, provider="telegram", event_id="1", sender="7",
                  received_at=dt.datetime(2026, 11, 23, tzinfo=dt.UTC), text=text, choice=choice,
                  media=refs, chat="7")
    return Waiting(ME, msg, *at)


def test_only_a_plain_my_jobs_at_the_menu_or_on_the_list_is_read_ahead() -> None:
    on_the_list = (FLOW, TechState.JOBS.value)
    assert lists_only(waiting("my jobs"))
    assert lists_only(waiting("شغلي"))
    assert lists_only(waiting("My Jobs", on_the_list))
    assert not lists_only(waiting("start 1", on_the_list))  # starts a timer first
    assert not lists_only(waiting("my jobs", (FLOW, TechState.STEP.value)))  # leaves a step card
    assert not lists_only(waiting("my jobs", media=True))  # attaches first
    assert not lists_only(waiting("", choice="tj:5"))
    assert not lists_only(waiting("parts"))


async def test_technicians_asking_at_once_see_their_own_lists_and_a_start_still_starts(
    db: Database, org: OrgId, staff: Staff
) -> None:
    if db.dialect != "postgresql":
        pytest.skip("group commit and its read ahead are PostgreSQL only")
    engine = Engine(db, default_registry())
    people = [await linked_user(db, org, role=Role.TECHNICIAN) for _ in range(6)]
    cards = [await assigned_card(db, staff.advisor, staff.lead, uid, STEPS) for uid, _ in people]
    chats = [Chat(engine, db, tg) for _, tg in people]
    await chats[0].say("my jobs")  # on the list already; the others at the menu
    await chats[1].say("my jobs")

    texts = ["my jobs", "start 1", "my jobs", "my jobs", "my jobs", "my jobs"]
    results = await asyncio.gather(*(c.send(c.inbound(t)) for c, t in zip(chats, texts, strict=True)))

    assert [r.outcome for r in results] == [Outcome.HANDLED] * 6
    assert engine.groups is not None
    assert engine.groups.largest >= 4
    for i, (chat, card) in enumerate(zip(chats, cards, strict=True)):
        sent = await chat.new_messages()
        if i == 1:
            assert (await get_step(db, card.step_ids[0])).status == StepStatus.IN_PROGRESS
            continue
        assert choice_ids(sent[-1:])[:2] == [f"tj:{s}" for s in card.step_ids]

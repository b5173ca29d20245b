"""Long choice lists are paginated; page buttons edit the same message."""

from __future__ import annotations

from garagebot.core.ids import OrgId
from garagebot.core.uow import Database
from tests.conversations.chat import Chat, keys, linked_user
from tests.conversations.sample_flows import sample_engine


async def test_a_long_list_is_shown_a_page_at_a_time(db: Database, org: OrgId) -> None:
    _, tg = await linked_user(db, org)
    chat = Chat(sample_engine(db), db, tg)

    first = await chat.say("list")

    ids = [c[0] for c in first[0].choices]
    assert ids == [f"item:{i}" for i in range(1, 9)] + ["g:page:1"]
    assert first[0].choices[-1][1] == "More ›"

    second = await chat.say(choice="g:page:1", origin_message_id=f"{tg}:77")

    assert keys(second) == ["test.pick"]
    assert second[0].recipient == f"edit:{tg}:77"
    assert [c[0] for c in second[0].choices] == (
        [f"item:{i}" for i in range(9, 17)] + ["g:page:0", "g:page:2"]
    )
    third = await chat.say(choice="g:page:2", origin_message_id=f"{tg}:77")
    assert [c[0] for c in third[0].choices] == [f"item:{i}" for i in range(17, 21)] + ["g:page:1"]
    assert (await chat.conversation()).state == "pick"
    picked = await chat.say(choice="item:18")
    assert keys(picked) == ["test.picked"]


async def test_a_page_button_with_nothing_paginated_shows_the_screen_again(
    db: Database, org: OrgId
) -> None:
    _, tg = await linked_user(db, org)
    chat = Chat(sample_engine(db), db, tg)
    await chat.say("count")

    assert keys(await chat.say(choice="g:page:3")) == ["test.counting"]

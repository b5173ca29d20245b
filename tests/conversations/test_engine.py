"""The engine's processing of one delivery: dedupe, sender, one step, state, outbox."""

from __future__ import annotations

import asyncio
import logging

import pytest
from sqlalchemy import ColumnElement, func, select

from garagebot.conversations.engine import ConversationBusy, Engine, EngineConfig
from garagebot.conversations.router import Flow, MenuEntry, StateSpec, Step, StepContext, stay
from garagebot.conversations.types import Choice, Handled, Outcome, Reply
from garagebot.core.db import Base
from garagebot.core.enums import Role
from garagebot.core.ids import OrgId
from garagebot.core.models import AuditEntry, Conversation, InboundEvent, OutboxRow, User
from garagebot.core.uow import Database
from tests.conversations.chat import Chat, keys, linked_user, telegram_id
from tests.conversations.sample_flows import Hooks, race, sample_engine, sample_registry


async def count_rows(db: Database, model: type[Base], *where: ColumnElement[bool]) -> int:
    async with db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def test_a_message_runs_one_step_and_its_replies_commit_with_the_state(
    db: Database, org: OrgId
) -> None:
    _, tg = await linked_user(db, org, name="Sami")
    chat = Chat(sample_engine(db), db, tg)

    sent = await chat.say("count")
    assert keys(sent) == ["test.counting"]
    assert [s.recipient for s in sent] == [str(tg)]
    sent = await chat.say("anything")
    assert keys(sent) == ["test.count"]

    conv = await chat.conversation()
    assert (conv.organization_id, conv.flow, conv.state) == (org, "counter", "counting")
    assert conv.data["d"] == {"n": 1}
    assert conv.version == 2
    async with db.read() as session:
        events = (await session.scalars(
            select(InboundEvent).where(InboundEvent.organization_id == org)
        )).all()
    assert len(events) == 2
    assert all(e.processed_at == db.clock.now() for e in events)


async def test_a_redelivered_event_is_processed_once(db: Database, org: OrgId) -> None:
    _, tg = await linked_user(db, org)
    chat = Chat(sample_engine(db), db, tg)
    msg = chat.inbound("menu", event_id=f"dup-{tg}")

    first = await chat.send(msg)
    second = await chat.send(msg)

    assert (first.outcome, second.outcome) == (Outcome.HANDLED, Outcome.DUPLICATE)
    assert keys(await chat.new_messages()) == ["bot.menu"]
    assert await count_rows(db, InboundEvent, InboundEvent.event_id == f"dup-{tg}") == 1
    assert (await chat.conversation()).version == 1


async def test_concurrent_redeliveries_of_one_event_are_processed_once(db: Database, org: OrgId) -> None:
    _, tg = await linked_user(db, org)
    chat = Chat(sample_engine(db), db, tg)
    msg = chat.inbound("menu", event_id=f"race-{tg}")

    results = await asyncio.gather(*(chat.send(msg) for _ in range(4)))

    assert sorted(r.outcome for r in results) == sorted([Outcome.HANDLED] + [Outcome.DUPLICATE] * 3)
    assert keys(await chat.new_messages()) == ["bot.menu"]


async def test_an_edited_message_is_recorded_and_ignored(db: Database, org: OrgId) -> None:
    _, tg = await linked_user(db, org)
    chat = Chat(sample_engine(db), db, tg)

    handled = await chat.send(chat.inbound("count", edited=True))

    assert handled.outcome is Outcome.IGNORED
    assert await chat.new_messages() == []
    assert await count_rows(db, InboundEvent, InboundEvent.organization_id == org) == 1
    assert await count_rows(db, Conversation, Conversation.organization_id == org) == 0


async def test_an_unknown_sender_is_refused_and_nothing_else_happens(db: Database) -> None:
    stranger = telegram_id()
    chat = Chat(sample_engine(db), db, stranger)

    handled = await chat.send(chat.inbound("menu", event_id=f"s1-{stranger}"))
    again = await chat.send(chat.inbound("help", event_id=f"s2-{stranger}"))
    repeated = await chat.send(chat.inbound("help", event_id=f"s2-{stranger}"))

    assert handled.outcome is again.outcome is Outcome.REFUSED
    assert repeated.outcome is Outcome.DUPLICATE
    assert [r.key for r in handled.replies] == ["bot.unknown_user"]
    async with db.read() as session:
        orgs = (await session.scalars(
            select(InboundEvent.organization_id)
            .where(InboundEvent.event_id.in_([f"s1-{stranger}", f"s2-{stranger}"]))
        )).all()
    assert orgs == [None, None]
    assert await count_rows(db, Conversation, Conversation.address == str(stranger)) == 0
    assert await count_rows(db, OutboxRow, OutboxRow.recipient == str(stranger)) == 0


async def test_an_inactive_member_of_staff_is_refused(db: Database, org: OrgId) -> None:
    uid, tg = await linked_user(db, org)
    async with db.raw_transaction() as session:
        user = await session.get(User, uid)
        assert user is not None
        user.active = False
    chat = Chat(sample_engine(db), db, tg)
    handled = await chat.send(chat.inbound("menu"))
    assert handled.outcome is Outcome.REFUSED
    assert await chat.new_messages() == []


async def test_a_refused_step_rolls_its_writes_back_and_replies_the_reason(
    db: Database, org: OrgId
) -> None:
    _, tg = await linked_user(db, org)
    chat = Chat(sample_engine(db), db, tg)
    await chat.say("fail")

    sent = await chat.say("refuse")

    assert keys(sent) == ["error.link_code_invalid"]
    assert (await chat.conversation()).state == "ready"
    assert await count_rows(db, AuditEntry, AuditEntry.organization_id == org,
                            AuditEntry.action == "half_done") == 0


async def test_a_bug_in_a_step_is_logged_and_the_chat_goes_back_to_the_menu(
    db: Database, org: OrgId, caplog: pytest.LogCaptureFixture
) -> None:
    _, tg = await linked_user(db, org)
    chat = Chat(sample_engine(db), db, tg)
    await chat.say("fail")

    with caplog.at_level(logging.ERROR, logger="garagebot.conversations.engine"):
        sent = await chat.say("crash")

    assert keys(sent) == ["bot.error_unexpected"]
    assert "conversation step failed" in caplog.text
    conv = await chat.conversation()
    assert (conv.flow, conv.state) == ("menu", "main")
    assert await count_rows(db, AuditEntry, AuditEntry.organization_id == org,
                            AuditEntry.action == "half_done") == 0


async def test_messages_of_one_chat_processed_at_once_never_corrupt_its_state(
    db: Database, org: OrgId
) -> None:
    _, tg = await linked_user(db, org)
    chat = Chat(sample_engine(db), db, tg)
    await chat.say("count")

    results = await asyncio.gather(*(chat.send(chat.inbound(f"tick {i}")) for i in range(6)))

    assert all(r.outcome is Outcome.HANDLED for r in results)
    conv = await chat.conversation()
    assert conv.data["d"] == {"n": 6}
    assert conv.version == 7
    counts = sorted(int(str(r.replies[0].params["n"])) for r in results)
    assert counts == list(range(1, 7))
    assert keys(await chat.new_messages()) == ["test.count"] * 6


async def test_a_chat_that_stays_contended_is_refused_for_redelivery_without_losing_a_count(
    db: Database, org: OrgId
) -> None:
    _, tg = await linked_user(db, org)
    chat = Chat(sample_engine(db, config=EngineConfig(max_attempts=1)), db, tg)
    await chat.say("count")

    results = await asyncio.gather(*(chat.send(chat.inbound(f"tick {i}")) for i in range(6)),
                                   return_exceptions=True)

    handled = [r for r in results if isinstance(r, Handled)]
    busy = [r for r in results if isinstance(r, ConversationBusy)]
    assert len(handled) + len(busy) == 6
    assert handled
    conv = await chat.conversation()
    assert conv.data["d"] == {"n": len(handled)}
    assert conv.version == 1 + len(handled)
    # A refused delivery left no trace, so the provider's redelivery is processed normally.
    assert await count_rows(db, InboundEvent, InboundEvent.organization_id == org) == 1 + len(handled)


async def test_a_step_that_lost_the_race_runs_again_on_the_fresh_state(db: Database, org: OrgId) -> None:
    if db.dialect == "sqlite":
        pytest.skip("SQLite serialises writers (BEGIN IMMEDIATE): two steps of a chat cannot interleave")
    _, tg = await linked_user(db, org)
    hooks = Hooks()
    # A transaction per message: with group commit one process never runs two
    # messages of a chat at once (tests/conversations/test_groups.py races two).
    chat = Chat(sample_engine(db, hooks, EngineConfig(groups=None)), db, tg)
    await chat.say("count")

    first_result = await race(chat, chat, hooks)

    assert hooks.runs == [0, 0, 1]  # the first step ran on n=0, lost, and ran again on n=1
    assert first_result.replies[0].params["n"] == 2
    conv = await chat.conversation()
    assert conv.data["d"] == {"n": 2}
    assert conv.version == 3


async def test_the_menu_shows_only_what_the_role_may_use(db: Database, org: OrgId) -> None:
    _, tech = await linked_user(db, org, role=Role.TECHNICIAN)
    _, store = await linked_user(db, org, role=Role.INVENTORY)

    tech_chat = Chat(sample_engine(db), db, tech)
    tech_menu = (await tech_chat.say("menu"))[0]
    store_menu = (await Chat(sample_engine(db), db, store).say("menu"))[0]

    assert "m:stock" not in [c[0] for c in tech_menu.choices]
    assert "m:stock" in [c[0] for c in store_menu.choices]
    typed = await tech_chat.say("stock")
    assert keys(typed) == ["bot.not_understood", "bot.menu"]


async def test_a_choice_id_too_long_for_telegram_is_caught_where_it_is_made(
    db: Database, org: OrgId, caplog: pytest.LogCaptureFixture
) -> None:
    _, tg = await linked_user(db, org)
    registry = sample_registry(Hooks())

    async def prompt(ctx: StepContext) -> tuple[Reply, ...]:
        return (Reply("test.wide", {}, (Choice("x" * 65, "test.wide_choice"),)),)

    async def handle(ctx: StepContext) -> Step:
        return stay()

    registry.add_flow(Flow("wide", "only", {"only": StateSpec(prompt, handle)}))
    registry.add_menu_entry(MenuEntry("wide", "test.menu_wide", "wide", phrases=("wide",)))
    chat = Chat(Engine(db, registry), db, tg)

    with caplog.at_level(logging.ERROR, logger="garagebot.conversations.engine"):
        sent = await chat.say("wide")

    assert keys(sent) == ["bot.error_unexpected"]
    assert "choice id must be 1-64 bytes" in caplog.text
    assert (await chat.conversation()).flow == "menu"

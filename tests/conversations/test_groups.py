"""Group commit: the chat messages waiting at one moment run in one transaction
(``conversations.groups``; the staff engine uses it on PostgreSQL)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest
from sqlalchemy import func, select

from garagebot.conversations.engine import Engine, EngineConfig
from garagebot.conversations.groups import (
    GroupCommit,
    GroupConfig,
    GroupConflict,
    TurnRerun,
    commit_or_split,
)
from garagebot.conversations.types import Outcome
from garagebot.core.ids import OrgId
from garagebot.core.models import AuditEntry, InboundEvent
from garagebot.core.uow import Database
from tests.conversations.chat import Chat, keys, linked_user, telegram_id
from tests.conversations.sample_flows import Hooks, race, sample_engine

# --- the mechanism, without a database -------------------------------------------------


class Recorder:
    """A ``run`` for GroupCommit that records its groups; ``gate`` holds them."""

    def __init__(self) -> None:
        self.groups: list[list[str]] = []
        self.gate = asyncio.Event()
        self.gate.set()
        self.fail_group: str | None = None  # an item whose group fails as a whole

    async def run(self, items: Sequence[str]) -> list[str | BaseException]:
        self.groups.append(list(items))
        await self.gate.wait()
        if self.fail_group in items:
            raise ConnectionError("database away")
        return [ValueError(i) if i.startswith("bad") else i.upper() for i in items]


async def settle() -> None:
    """Let the tasks just started run up to where they wait."""
    for _ in range(5):
        await asyncio.sleep(0)


def chat_of(item: str) -> str:
    return item.split(":")[0]


async def running(config: GroupConfig, first: str
                  ) -> tuple[Recorder, GroupCommit[str, str], asyncio.Future[str]]:
    """A GroupCommit whose first group (``first`` alone) is running, held at the gate."""
    rec = Recorder()
    rec.gate.clear()
    groups: GroupCommit[str, str] = GroupCommit(rec.run, chat_of, config)
    future = asyncio.ensure_future(groups.submit(first))
    await settle()
    return rec, groups, future


async def test_one_message_at_a_time_runs_at_once_as_a_group_of_one() -> None:
    rec = Recorder()
    groups: GroupCommit[str, str] = GroupCommit(rec.run, chat_of)

    assert await groups.submit("a:1") == "A:1"
    assert await groups.submit("b:1") == "B:1"

    assert rec.groups == [["a:1"], ["b:1"]]


async def test_messages_that_wait_run_together_one_per_chat_at_most_max_size() -> None:
    rec, groups, first = await running(GroupConfig(max_size=3, max_running=1), "a:1")
    rest = [asyncio.ensure_future(groups.submit(i)) for i in ("a:2", "b:1", "c:1", "d:1", "e:1")]
    await settle()
    assert rec.groups == [["a:1"]]  # the others wait while the first group runs

    rec.gate.set()
    results = await asyncio.gather(first, *rest)

    assert results == ["A:1", "A:2", "B:1", "C:1", "D:1", "E:1"]
    # a:2 waited for its chat's group; each group holds three at most, oldest first
    assert rec.groups == [["a:1"], ["a:2", "b:1", "c:1"], ["d:1", "e:1"]]
    assert (groups.groups_run, groups.items_run, groups.largest) == (3, 6, 3)


async def test_a_chat_is_never_in_two_running_groups() -> None:
    rec, groups, first = await running(GroupConfig(max_running=2), "a:1")
    second = asyncio.ensure_future(groups.submit("a:2"))
    other = asyncio.ensure_future(groups.submit("b:1"))
    await settle()

    assert rec.groups == [["a:1"], ["b:1"]]  # a free slot, but a:2's chat is running
    rec.gate.set()
    assert list(await asyncio.gather(first, second, other)) == ["A:1", "A:2", "B:1"]
    assert rec.groups[-1] == ["a:2"]


async def test_an_item_failure_is_its_own_and_a_group_failure_is_everyones() -> None:
    rec, groups, first = await running(GroupConfig(max_running=1), "z:1")
    good, bad = asyncio.ensure_future(groups.submit("a:1")), asyncio.ensure_future(groups.submit("bad:1"))
    rec.gate.set()
    await first
    assert await good == "A:1"
    with pytest.raises(ValueError, match="bad:1"):
        await bad

    rec.fail_group = "c:1"
    rec.gate.clear()
    first = asyncio.ensure_future(groups.submit("y:1"))
    await settle()
    both = [asyncio.ensure_future(groups.submit(i)) for i in ("c:1", "d:1")]
    rec.gate.set()
    await first
    for future in both:
        with pytest.raises(ConnectionError):
            await future


async def test_a_message_whose_caller_gave_up_before_its_group_is_not_run() -> None:
    rec, groups, first = await running(GroupConfig(max_running=1), "a:1")
    gone = asyncio.ensure_future(groups.submit("b:1"))
    kept = asyncio.ensure_future(groups.submit("c:1"))
    await settle()
    gone.cancel()
    rec.gate.set()

    assert list(await asyncio.gather(first, kept)) == ["A:1", "C:1"]
    assert rec.groups == [["a:1"], ["c:1"]]


async def test_a_group_that_lost_some_chats_to_another_process_commits_the_others_together() -> None:
    attempts: list[list[int]] = []
    alone: list[tuple[int, object]] = []

    async def attempt(positions: list[int]) -> tuple[dict[int, str], list[int]]:
        attempts.append(list(positions))
        if 1 in positions:
            raise GroupConflict([1])
        if 3 in positions:
            raise TurnRerun(3, "refused")
        return {p: f"group {p}" for p in positions if p != 4}, [4]

    async def run_alone(p: int, replay: object) -> str:
        alone.append((p, replay))
        return f"alone {p}"

    results = await commit_or_split(range(5), attempt, run_alone)

    assert attempts == [[0, 1, 2, 3, 4], [0, 2, 3, 4], [0, 2, 4]]
    assert sorted(alone, key=lambda a: a[0]) == [(1, None), (3, "refused"), (4, None)]
    assert results == {0: "group 0", 1: "alone 1", 2: "group 2", 3: "alone 3", 4: "alone 4"}


# --- the staff engine's groups, on PostgreSQL -----------------------------------------------


def grouping_engine(db: Database, hooks: Hooks | None = None) -> Engine:
    if db.dialect != "postgresql":
        pytest.skip("group commit is PostgreSQL only; SQLite runs a transaction per message")
    return sample_engine(db, hooks)


async def count_events(db: Database, org: OrgId) -> int:
    async with db.read() as session:
        return int(await session.scalar(
            select(func.count()).select_from(InboundEvent).where(
                InboundEvent.organization_id == org, InboundEvent.processed_at.is_not(None))) or 0)


async def chats(db: Database, org: OrgId, engine: Engine, n: int) -> list[Chat]:
    return [Chat(engine, db, (await linked_user(db, org))[1]) for _ in range(n)]


async def test_messages_of_distinct_chats_at_once_commit_as_one_group(db: Database, org: OrgId) -> None:
    engine = grouping_engine(db)
    people = await chats(db, org, engine, 8)
    for chat in people:
        await chat.say("count")
    assert engine.groups is not None
    before = engine.groups.groups_run

    results = await asyncio.gather(*(chat.send(chat.inbound("tick")) for chat in people))

    assert [r.outcome for r in results] == [Outcome.HANDLED] * 8
    assert [r.replies[0].params["n"] for r in results] == [1] * 8
    # two groups start at once (one message each); the six that waited run as one
    assert engine.groups.groups_run - before == 3
    assert engine.groups.largest == 6
    for chat in people:
        assert keys(await chat.new_messages()) == ["test.count"]
        conv = await chat.conversation()
        assert (conv.data["d"], conv.version) == ({"n": 1}, 2)
    assert await count_events(db, org) == 16


async def test_a_refused_step_in_a_group_is_answered_alone_and_the_others_commit(
    db: Database, org: OrgId
) -> None:
    engine = grouping_engine(db)
    people = await chats(db, org, engine, 6)
    for chat in people:
        await chat.say("count")
    refusing, = await chats(db, org, engine, 1)
    await refusing.say("fail")
    stranger = Chat(engine, db, telegram_id())
    assert engine.groups is not None

    # the first two run at once, alone; the refusal and the stranger wait with four others
    senders = [*people[:2], refusing, stranger, *people[2:]]
    texts = ["tick", "tick", "refuse", "menu", "tick", "tick", "tick", "tick"]
    results = await asyncio.gather(*(c.send(c.inbound(t)) for c, t in zip(senders, texts, strict=True)))

    assert engine.groups.largest == 6
    assert [r.outcome for r in results] == [Outcome.HANDLED] * 3 + [Outcome.REFUSED] + [Outcome.HANDLED] * 4
    assert keys(await refusing.new_messages()) == ["error.link_code_invalid"]
    assert (await refusing.conversation()).state == "ready"
    async with db.read() as session:
        half_done = await session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.organization_id == org, AuditEntry.action == "half_done"))
    assert half_done == 0  # the refused step's write went with the group's rollback
    for chat in people:
        assert keys(await chat.new_messages())[-1] == "test.count"
        assert (await chat.conversation()).data["d"] == {"n": 1}
    assert [r.key for r in results[3].replies] == ["bot.unknown_user"]


async def test_a_group_that_loses_a_race_to_another_process_reruns_each_message(
    db: Database, org: OrgId
) -> None:
    _, tg = await linked_user(db, org)
    hooks = Hooks()
    here, there = grouping_engine(db, hooks), grouping_engine(db, hooks)  # two web processes
    chat_here, chat_there = Chat(here, db, tg), Chat(there, db, tg)
    await chat_here.say("count")

    first_result = await race(chat_here, chat_there, hooks)

    assert hooks.runs == [0, 0, 1]  # the group ran the step on n=0, lost, and it ran again on n=1
    assert first_result.replies[0].params["n"] == 2
    conv = await chat_here.conversation()
    assert (conv.data["d"], conv.version) == ({"n": 2}, 3)
    assert keys(await chat_here.new_messages()) == ["test.count", "test.count"]
    assert await count_events(db, org) == 3


async def test_sqlite_runs_a_transaction_per_message(db: Database) -> None:
    engine = sample_engine(db)
    assert (engine.groups is None) == (db.dialect == "sqlite")
    assert sample_engine(db, config=EngineConfig(groups=None)).groups is None

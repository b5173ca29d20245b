"""The client engine's group commit (PostgreSQL): deliveries of distinct
clients at once are recorded in one statement, then processed in one
transaction; a failed turn is answered alone, a redelivery stays a duplicate."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from sqlalchemy import func, select

from garagebot.conversations.client import dialog as client_dialog
from garagebot.conversations.client import engine as client_engine
from garagebot.conversations.client.engine import ClientEngine
from garagebot.conversations.client.types import ClientCtx, ClientStep
from garagebot.conversations.types import Outcome
from garagebot.core import pgraw
from garagebot.core.clientlookup import NumberField, current_visit, current_visits
from garagebot.core.enums import SessionStatus
from garagebot.core.ids import ClientId, OrgId
from garagebot.core.models import ChannelContact, InboundEvent
from garagebot.core.uow import Database
from garagebot.webhooks.common import GarageLookup
from tests.conftest import Staff
from tests.conversations.client.harness import (
    ClientChat,
    Scene,
    mobile,
    outbox_to,
    scene,
    sent_quote,
    visit,
)
from tests.conversations.client.test_feedback import delivered

S = SessionStatus


def grouping(sc: Scene) -> ClientEngine:
    if sc.db.dialect != "postgresql":
        pytest.skip("group commit is PostgreSQL only; SQLite runs a transaction per message")
    engine = sc.engine()
    assert engine.groups is not None
    return engine


async def clients_in_the_garage(sc: Scene, staff: Staff, engine: ClientEngine, n: int) -> list[ClientChat]:
    return [ClientChat(engine, sc.garage, (await visit(sc.db, staff, path=(S.DIAGNOSING,))).phone)
            for _ in range(n)]


async def test_clients_writing_at_once_are_processed_as_one_group(
    db: Database, org: OrgId, staff: Staff
) -> None:
    sc = await scene(db, org)
    engine = grouping(sc)
    chats = await clients_in_the_garage(sc, staff, engine, 8)
    assert engine.groups is not None

    results = await asyncio.gather(*(c.send(c.inbound("where is my car?")) for c in chats))

    assert [r.outcome for r in results] == [Outcome.HANDLED] * 8
    assert engine.groups.largest == 6  # two ran at once, alone; the six that waited, together
    for chat in chats:
        assert [r.topic for r in await outbox_to(db, chat.phone)] == ["client.status"]
    async with db.read() as s:
        touched = await s.scalar(select(func.count()).select_from(ChannelContact).where(
            ChannelContact.organization_id == org, ChannelContact.address.in_([c.phone for c in chats])))
        processed = await s.scalar(select(func.count()).select_from(InboundEvent).where(
            InboundEvent.organization_id == org, InboundEvent.processed_at.is_not(None)))
    assert (touched, processed) == (8, 8)


async def test_a_redelivery_in_a_group_stays_a_duplicate(db: Database, org: OrgId, staff: Staff) -> None:
    sc = await scene(db, org)
    engine = grouping(sc)
    chats = await clients_in_the_garage(sc, staff, engine, 6)
    first = chats[3].inbound("status")
    assert (await chats[3].send(first)).outcome is Outcome.HANDLED

    msgs = [c.inbound("status") for c in chats]
    msgs[3] = first  # delivered again, with others waiting
    results = await asyncio.gather(*(c.send(m) for c, m in zip(chats, msgs, strict=True)))

    assert [r.outcome for r in results] == [Outcome.HANDLED] * 3 + [Outcome.DUPLICATE] + [Outcome.HANDLED] * 2
    assert [r.topic for r in await outbox_to(db, chats[3].phone)] == ["client.status"]


async def test_a_turn_that_fails_in_a_group_is_answered_alone_and_not_run_again(
    db: Database, org: OrgId, staff: Staff, monkeypatch: pytest.MonkeyPatch
) -> None:
    sc = await scene(db, org)
    engine = grouping(sc)
    chats = await clients_in_the_garage(sc, staff, engine, 6)
    broken = chats[3].phone
    runs: list[str] = []
    real_run_turn = client_dialog.run_turn

    async def run_turn(ctx: ClientCtx) -> ClientStep:
        runs.append(ctx.msg.sender)
        if ctx.msg.sender == broken:
            raise RuntimeError("a bug in a client step")
        return await real_run_turn(ctx)

    monkeypatch.setattr(client_engine, "run_turn", run_turn)

    results = await asyncio.gather(*(c.send(c.inbound("status")) for c in chats))

    assert [r.outcome for r in results] == [Outcome.HANDLED] * 6
    assert runs.count(broken) == 1  # its rerun answered with what the group's attempt learned
    assert [r.topic for r in await outbox_to(db, broken)] == ["client.error_unexpected"]
    for chat in chats[:3] + chats[4:]:
        assert [r.topic for r in await outbox_to(db, chat.phone)] == ["client.status"]
    # Groups [0], [1], then [2, 3, 4, 5]: 2 ran, 3 failed (the group rolled back before 4
    # and 5), 3 was answered alone, and [2, 4, 5] committed as the next attempt.
    assert engine.groups is not None
    assert engine.groups.largest == 4
    assert Counter(runs) == Counter([c.phone for c in chats] + [chats[2].phone])


async def test_garages_asked_for_at_once_are_looked_up_in_one_statement(db: Database, org: OrgId) -> None:
    sc = await scene(db, org)
    lookup = GarageLookup(db)

    found = await asyncio.gather(
        lookup.find(NumberField.WHATSAPP, sc.whatsapp), lookup.find(NumberField.SMS, sc.sms),
        lookup.find(NumberField.WHATSAPP, mobile()), lookup.find(NumberField.WHATSAPP, sc.whatsapp))

    assert list(found) == [sc.garage, sc.garage, None, sc.garage]
    assert await lookup.find(NumberField.SMS, sc.whatsapp) is None  # a number is looked up in its own column


async def test_a_group_reads_every_clients_visit_as_each_would_alone(
    db: Database, org: OrgId, staff: Staff
) -> None:
    if db.dialect != "postgresql":
        pytest.skip("the group's reads are PostgreSQL only")
    active = await visit(db, staff, path=(S.DIAGNOSING,))
    qid, _ = await sent_quote(db, staff, active)
    done = await delivered(db, staff)
    back = await delivered(db, staff)
    again = await visit(db, staff, path=(S.DIAGNOSING,), phone=back.phone)  # delivered, and back again
    assert again.client_id == back.client_id
    wanted = [(int(org), int(c)) for c in (active.client_id, done.client_id, 10**12, back.client_id)]

    async with db.read() as s:
        raw = await pgraw.driver(s)
        together = await current_visits(raw, wanted)
        alone = [await current_visit(s, OrgId(o), ClientId(c)) for o, c in wanted]

    assert together == alone
    assert [v.status if v else None for v in together] == [S.AWAITING_CLIENT_APPROVAL, S.DELIVERED, None,
                                                           S.DIAGNOSING]
    assert together[3] is not None
    assert together[3].session_id == again.session_id
    assert [v.pending_quote if v else None for v in together] == [qid, None, None, None]

"""The client engine's guarantees: a delivery is recorded before it is
processed and processed once; a failed attempt leaves it for the redelivery;
two messages of one chat at once never corrupt the conversation."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from garagebot.conversations.client.engine import ClientEngine, _Read, _Replay, _Turn
from garagebot.conversations.store import ConversationState
from garagebot.conversations.types import Inbound, Outcome
from garagebot.core.clientlookup import ClientContact, Garage
from garagebot.core.enums import Channel, SessionStatus
from garagebot.core.ids import OrgId
from garagebot.core.models import Conversation, InboundEvent
from garagebot.core.uow import Database, UnitOfWork
from tests.conftest import Staff
from tests.conversations.client.harness import ClientChat, mobile, outbox_to, scene, visit
from tests.fakes import FakeClock

S = SessionStatus


async def event_row(db: Database, event_id: str) -> InboundEvent:
    async with db.read() as s:
        return (await s.scalars(select(InboundEvent).where(InboundEvent.event_id == event_id))).one()


async def conversation(db: Database, org: OrgId, phone: str) -> Conversation:
    async with db.read() as s:
        return (await s.scalars(select(Conversation).where(
            Conversation.organization_id == org, Conversation.address == phone))).one()


class Crashing(ClientEngine):
    """An engine whose attempts die after recording (a crash, a lost connection)
    until ``broken`` is cleared."""

    broken = True

    async def _turn(self, uow: UnitOfWork, garage: Garage, client: ClientContact | None,
                    msg: Inbound, conv: ConversationState, replay: _Replay | None,
                    read: _Read | None = None) -> _Turn:
        if self.broken:
            raise RuntimeError("connection lost")
        return await super()._turn(uow, garage, client, msg, conv, replay, read)


async def test_a_failed_attempt_is_kept_unprocessed_and_the_redelivery_runs_it(
    db: Database, org: OrgId, staff: Staff
) -> None:
    sc = await scene(db, org)
    v = await visit(db, staff, path=(S.DIAGNOSING,))
    plain = sc.engine()
    engine = Crashing(db, plain.services, plain.config)
    chat = ClientChat(engine, sc.garage, v.phone)
    msg = chat.inbound("status")

    with pytest.raises(RuntimeError):
        await chat.send(msg)
    recorded = await event_row(db, msg.event_id)
    assert recorded.processed_at is None
    assert await outbox_to(db, v.phone) == []

    engine.broken = False
    handled = await chat.send(msg)
    again = await chat.send(msg)

    assert (handled.outcome, again.outcome) == (Outcome.HANDLED, Outcome.DUPLICATE)
    assert (await event_row(db, msg.event_id)).processed_at is not None
    assert [r.topic for r in await outbox_to(db, v.phone)] == ["client.status"]


async def test_the_same_delivery_twice_at_once_is_processed_once(
    db: Database, org: OrgId, staff: Staff
) -> None:
    sc = await scene(db, org)
    v = await visit(db, staff, path=(S.DIAGNOSING,))
    chat = ClientChat(sc.engine(), sc.garage, v.phone)
    msg = chat.inbound("status")

    outcomes = await asyncio.gather(chat.send(msg), chat.send(msg), chat.send(msg))

    assert sorted(o.outcome.value for o in outcomes) == ["duplicate", "duplicate", "handled"]
    assert [r.topic for r in await outbox_to(db, v.phone)] == ["client.status"]


async def test_messages_of_one_chat_at_once_keep_the_conversation_consistent(
    db: Database, org: OrgId, staff: Staff
) -> None:
    sc = await scene(db, org)
    phone = mobile()
    chat = ClientChat(sc.engine(), sc.garage, phone)
    await chat.say("hi")

    outcomes = await asyncio.gather(*(chat.send(chat.inbound(f"Name {n}")) for n in range(4)))

    assert {o.outcome for o in outcomes} == {Outcome.HANDLED}
    conv = await conversation(db, org, phone)
    assert conv.version == 5  # one save per message, none lost
    keys = [r.topic for r in await outbox_to(db, phone)]
    assert keys.count("client.intake_welcome") == 1
    assert keys.count("client.intake_plate") == 1  # the first answer moved on; the others were read as plates
    assert len(keys) == 5


async def test_typed_numbers_pick_options_only_for_a_while(
    db: Database, org: OrgId, staff: Staff, clock: FakeClock
) -> None:
    sc = await scene(db, org)
    v = await visit(db, staff, path=(S.DIAGNOSING,))
    chat = ClientChat(sc.engine(), sc.garage, v.phone, channel=Channel.SMS, provider="twilio")
    await chat.say("menu")
    clock.advance(minutes=31)

    [said] = await chat.say("1")

    assert said.key == "client.forwarded_ack"

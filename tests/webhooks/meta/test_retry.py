"""Deliveries recorded but never processed (the process died, the database
went away mid-turn) are processed later from what was recorded, once."""

from __future__ import annotations

from garagebot.core.clientlookup import Garage
from garagebot.core.enums import SessionStatus
from garagebot.webhooks.common import retry_unprocessed
from garagebot.webhooks.meta import parse as meta_parse
from garagebot.webhooks.meta.webhook import META_ROOM
from tests.conftest import Staff
from tests.conversations.client.harness import outbox_to, visit
from tests.fakes import FakeClock
from tests.webhooks.meta.conftest import MetaHarness, payload

S = SessionStatus


async def test_a_recorded_meta_message_is_processed_by_the_retry_once(
    meta: MetaHarness, staff: Staff, clock: FakeClock
) -> None:
    room = meta.client.app[META_ROOM]
    v = await visit(meta.db, staff, path=(S.DIAGNOSING,))
    raw = payload("text", meta.phone_number_id, v.phone)
    [message] = meta_parse.parse_delivery(raw, clock.now()).messages
    garage = Garage(meta.org, "Test Garage", "كراج التجربة", "en", "Asia/Amman")
    assert await room.engine.record(garage, message.inbound) is not None
    clock.advance(minutes=2)

    assert await retry_unprocessed(room.engine, "meta", meta_parse.inbound_from_payload) == 1
    assert await meta.post(raw) == 200

    assert [r.topic for r in await outbox_to(meta.db, v.phone)] == ["client.status"]

"""Deliveries recorded but never processed (the process died, the database
went away mid-turn) are processed later from what was recorded, once."""

from __future__ import annotations

from garagebot.core.clientlookup import Garage
from garagebot.core.enums import Channel, SessionStatus
from garagebot.webhooks.common import retry_unprocessed
from garagebot.webhooks.twilio import parse as twilio_parse
from garagebot.webhooks.twilio.webhook import TWILIO_ROOM
from tests.conftest import Staff
from tests.conversations.client.harness import outbox_to, visit
from tests.fakes import FakeClock
from tests.webhooks.twilio.conftest import TwilioHarness, form

S = SessionStatus


async def test_a_recorded_twilio_message_is_processed_by_the_retry_once(
    twilio: TwilioHarness, staff: Staff, clock: FakeClock
) -> None:
    room = twilio.client.app[TWILIO_ROOM]
    v = await visit(twilio.db, staff, path=(S.DIAGNOSING,))
    params = form("whatsapp_text", From=f"whatsapp:{v.phone}", To=f"whatsapp:{twilio.scene.whatsapp}")
    inbound = twilio_parse.parse_message(params, Channel.WHATSAPP, clock.now()).inbound
    garage = Garage(twilio.org, "Test Garage", "كراج التجربة", "en", "Asia/Amman")
    assert await room.engine.record(garage, inbound) is not None  # persisted, then the process died

    assert await retry_unprocessed(room.engine, "twilio", twilio_parse.inbound_from_payload) == 0  # too fresh
    clock.advance(minutes=2)
    assert await retry_unprocessed(room.engine, "twilio", twilio_parse.inbound_from_payload) == 1
    assert await retry_unprocessed(room.engine, "twilio", twilio_parse.inbound_from_payload) == 0
    assert await twilio.post("/webhooks/twilio/whatsapp", params) == 200  # a late redelivery: nothing

    [row] = await outbox_to(twilio.db, v.phone)
    assert (row.topic, row.channel, row.locale) == ("client.status", "whatsapp", "ar")

"""The Twilio sender against the fake Messages API: numbered options on SMS,
long texts split, WhatsApp templates outside the 24-hour window, and
Twilio's refusals as transient or permanent send errors."""

from __future__ import annotations

import json

import aiohttp

from garagebot.core.actor import Actor
from garagebot.core.dispatch import Dispatcher, Subscribers, Transports
from garagebot.core.enums import Channel, SessionStatus
from garagebot.core.messaging import set_whatsapp_template
from garagebot.core.models import OutboxRow
from garagebot.core.ports import Choice
from garagebot.webhooks.common import ClientTransport
from garagebot.webhooks.sms import plain_punctuation, segments
from garagebot.webhooks.twilio.api import TwilioApi
from garagebot.webhooks.twilio.sender import TwilioSender
from tests.conftest import Staff
from tests.conversations.client.harness import PUBLIC_URL, outbox_to, translator, visit
from tests.webhooks.twilio.conftest import OtherChannels, TwilioHarness
from tests.webhooks.twilio.fake_api import ACCOUNT_SID, AUTH_TOKEN

S = SessionStatus


async def _queue(twilio: TwilioHarness, channel: Channel, to: str, key: str,
                 params: dict[str, object] | None = None, choices: tuple[Choice, ...] = ()) -> int:
    async with twilio.db.unit_of_work(Actor.system(twilio.org)) as uow:
        row = uow.send(channel, to, "en", key, params or {}, choices)
        await uow.session.flush()
        return row.id


APPROVAL = "notify.approval_requested"


def _approval(number: str) -> dict[str, object]:
    return {"garage": "Test Garage", "number": number, "version": 1, "total": "JOD 63.800",
            "link": "https://garage.example.com/a/x", "hours": 72}


async def _row(twilio: TwilioHarness, row_id: int) -> OutboxRow:
    async with twilio.db.read() as s:
        row = await s.get(OutboxRow, row_id)
        assert row is not None
        return row


async def test_sms_choices_are_numbered_options(twilio: TwilioHarness, staff: Staff) -> None:
    v = await visit(twilio.db, staff, path=(S.DIAGNOSING,))

    await twilio.sms(v.phone, "hello")
    await twilio.deliver()

    [sent] = twilio.fake.to(v.phone)
    assert sent["Body"] == ("Hello Rami! This is Test Garage. How can we help?\n\nReply with a number:\n"
                            "1. Where is my car?\n2. العربية / English")


async def test_a_text_longer_than_the_segment_limit_goes_as_several_messages(
    twilio: TwilioHarness, staff: Staff, http: aiohttp.ClientSession
) -> None:
    v = await visit(twilio.db, staff, path=(S.DIAGNOSING,))
    sender = TwilioSender(TwilioApi(http, ACCOUNT_SID, AUTH_TOKEN, twilio.api_url), translator(),
                          twilio.db.clock, public_url=PUBLIC_URL, max_segments=1)
    transports = Transports(OtherChannels())
    transports.set(Channel.SMS, ClientTransport(twilio.db, twilio.db.clock, twilio=sender))
    params = {"car": v.plate, "number": v.number, "version": 1, "lines": "1. Brake pads — JOD 45.000",
              "total": "JOD 45.000", "link": "https://x.io/a"}
    row_id = await _queue(twilio, Channel.SMS, v.phone, "client.quote_typed", params)

    await Dispatcher(twilio.db, translator(), transports, Subscribers()).drain()

    sent = twilio.fake.to(v.phone)
    assert len(sent) == 3
    assert all(segments(m["Body"]).count == 1 for m in sent)
    whole = plain_punctuation(translator().render("en", "client.quote_typed", params))
    assert [w for m in sent for w in m["Body"].split()] == whole.split()
    row = await _row(twilio, row_id)
    assert row.status == "sent"
    assert row.provider_message_id == sent[-1]["Sid"]  # the last part's


async def test_outside_the_whatsapp_window_only_an_approved_template_is_sent(
    twilio: TwilioHarness, staff: Staff
) -> None:
    v = await visit(twilio.db, staff, path=(S.DIAGNOSING,))
    await twilio.deliver()
    # What the notification rules queue when a quote is sent; the client never wrote.
    await _queue(twilio, Channel.WHATSAPP, v.phone, APPROVAL, _approval(v.number))
    await twilio.deliver()
    [refused] = await outbox_to(twilio.db, v.phone)
    assert refused.status == "failed"
    assert refused.error == (
        "outside the WhatsApp 24-hour window and no approved template for notify.approval_requested")
    assert twilio.fake.to(f"whatsapp:{v.phone}") == []

    async with twilio.db.unit_of_work(staff.owner) as uow:
        await set_whatsapp_template(uow, APPROVAL, "en", name="HX" + "a" * 32,
                                    language="en", params=["number", "total"])
    v2 = await visit(twilio.db, staff, path=(S.DIAGNOSING,))
    await _queue(twilio, Channel.WHATSAPP, v2.phone, APPROVAL, _approval(v2.number))
    await twilio.deliver()

    [sent] = twilio.fake.to(f"whatsapp:{v2.phone}")
    assert sent["ContentSid"] == "HX" + "a" * 32
    assert "Body" not in sent
    variables = json.loads(sent["ContentVariables"])
    assert variables["1"] == v2.number
    assert variables["2"].startswith("JOD")
    [row] = await outbox_to(twilio.db, v2.phone)
    assert row.status == "sent"


async def test_rate_limits_and_server_errors_are_retried_and_refusals_fail_with_the_code(
    twilio: TwilioHarness, staff: Staff
) -> None:
    v = await visit(twilio.db, staff, path=(S.DIAGNOSING,))
    await twilio.deliver()  # nothing else is due now, so the refusals below meet our rows
    first = await _queue(twilio, Channel.SMS, v.phone, "client.forwarded_ack")
    twilio.fake.refuse(429, 20429, "Too Many Requests")
    await twilio.dispatcher.drain_batch()
    row = await _row(twilio, first)
    assert (row.status, row.attempts) == ("pending", 1)
    assert "20429" in str(row.error)

    twilio.fake.refuse(503, 20500, "Service Unavailable")
    second = await _queue(twilio, Channel.SMS, v.phone, "client.forwarded_ack")
    await twilio.dispatcher.drain_batch()
    assert (await _row(twilio, second)).status == "pending"

    twilio.fake.refuse(400, 21211, "The 'To' number is not a valid phone number.")
    third = await _queue(twilio, Channel.SMS, v.phone, "client.forwarded_ack")
    await twilio.dispatcher.drain_batch()
    row = await _row(twilio, third)
    assert row.status == "failed"
    assert row.error == "twilio error 21211: The 'To' number is not a valid phone number."


async def test_a_garage_without_an_sms_number_cannot_send_sms(twilio: TwilioHarness, staff: Staff) -> None:
    from garagebot.core.garage import set_garage_settings

    v = await visit(twilio.db, staff, path=(S.DIAGNOSING,))
    async with twilio.db.unit_of_work(staff.owner) as uow:
        await set_garage_settings(uow, numbers={"sms_number": ""})
    row_id = await _queue(twilio, Channel.SMS, v.phone, "client.forwarded_ack")

    await twilio.deliver()

    row = await _row(twilio, row_id)
    assert (row.status, row.error) == ("failed", "the garage has no sms number with a configured provider")

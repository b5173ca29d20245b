"""STOP / توقف / إلغاء opt a client out and START / ابدأ back in, by SMS and
WhatsApp; an opted-out client receives nothing but that confirmation, even
when something else was already queued for them."""

from __future__ import annotations

import pytest

from garagebot.core.actor import Actor
from garagebot.core.enums import Channel, SessionStatus
from garagebot.core.models import OutboxRow
from tests.conftest import Staff
from tests.conversations.client.harness import audit_of, client_row, on_telegram, outbox_to, visit
from tests.webhooks.twilio.conftest import TwilioHarness

S = SessionStatus


@pytest.mark.parametrize("word", ["STOP", "stop", "Unsubscribe", "توقف", "إلغاء", "الغاء"])
async def test_a_stop_word_opts_the_client_out_and_only_the_confirmation_is_sent(
    twilio: TwilioHarness, staff: Staff, word: str
) -> None:
    v = await visit(twilio.db, staff, locale="en", path=(S.DIAGNOSING,))

    assert (await twilio.sms(v.phone, word))[0] == 200
    async with twilio.db.unit_of_work(Actor.system(twilio.org)) as uow:  # a notification queued later
        uow.send(Channel.SMS, v.phone, "en", "client.menu", {"name": "Rami", "garage": "Test Garage"})
    await twilio.deliver()

    assert (await client_row(twilio.db, twilio.org, v.phone)).messaging_consent is False
    [entry] = await audit_of(twilio.db, twilio.org, "client", "messaging_opt_out")
    assert (entry.actor_kind, entry.after) == (
        "client", {"messaging_consent": False, "keyword": word, "channel": "sms"})
    [confirmation] = twilio.fake.to(v.phone)
    assert confirmation["Body"].startswith(("You will no longer receive messages", "لن تصلك رسائل منا"))
    rows = await outbox_to(twilio.db, v.phone)
    assert [(r.topic, r.status) for r in rows] == [
        ("client.consent_opted_out", "sent"), ("client.menu", "failed")]
    assert rows[1].error == "client opted out of messages (STOP)"


async def test_an_opted_out_client_gets_no_answer_but_staff_still_read_them(
    twilio: TwilioHarness, staff: Staff
) -> None:
    advisor_chat = await on_telegram(twilio.db, staff.id(staff.advisor))
    v = await visit(twilio.db, staff, path=(S.DIAGNOSING,))
    await twilio.sms(v.phone, "STOP")

    await twilio.sms(v.phone, "where is my car?")
    await twilio.deliver()

    assert [r.topic for r in await outbox_to(twilio.db, v.phone)] == ["client.consent_opted_out"]
    [forwarded] = await outbox_to(twilio.db, str(advisor_chat))
    assert forwarded.topic == "client.forwarded_about_visit"
    assert forwarded.payload["params"]["text"] == "where is my car?"  # type: ignore[index]


async def test_start_opts_back_in_and_messages_flow_again(twilio: TwilioHarness, staff: Staff) -> None:
    v = await visit(twilio.db, staff, locale="ar", path=(S.DIAGNOSING,))
    await twilio.whatsapp("whatsapp_text", v.phone, Body="توقف")

    await twilio.whatsapp("whatsapp_text", v.phone, Body="ابدأ")
    await twilio.whatsapp("whatsapp_text", v.phone, Body="وين سيارتي")
    await twilio.deliver()

    assert (await client_row(twilio.db, twilio.org, v.phone)).messaging_consent is True
    assert [e.action for e in await audit_of(twilio.db, twilio.org, "client")
            if e.action.startswith("messaging")] == ["messaging_opt_out", "messaging_opt_in"]
    bodies = [m["Body"] for m in twilio.fake.to(f"whatsapp:{v.phone}")]
    assert len(bodies) == 3
    assert bodies[0].startswith("لن تصلك رسائل منا")
    assert bodies[1].startswith("أهلًا بعودتك")
    assert bodies[2].startswith("حالة سيارتك")


async def test_yes_opts_back_in_only_when_the_client_is_opted_out(
    twilio: TwilioHarness, staff: Staff
) -> None:
    v = await visit(twilio.db, staff, path=(S.DIAGNOSING,))
    await twilio.sms(v.phone, "yes")
    assert [e.action for e in await audit_of(twilio.db, twilio.org, "client")
            if e.action.startswith("messaging")] == []

    await twilio.sms(v.phone, "STOP")
    await twilio.sms(v.phone, "YES")

    assert (await client_row(twilio.db, twilio.org, v.phone)).messaging_consent is True
    topics = [r.topic for r in await outbox_to(twilio.db, v.phone)]
    assert topics[-2:] == ["client.consent_opted_out", "client.consent_opted_in"]


async def test_stop_inside_a_sentence_is_not_an_opt_out(twilio: TwilioHarness, staff: Staff) -> None:
    v = await visit(twilio.db, staff, path=(S.DIAGNOSING,))
    await twilio.sms(v.phone, "please stop the noise in my brakes")
    assert (await client_row(twilio.db, twilio.org, v.phone)).messaging_consent is True
    rows: list[OutboxRow] = await outbox_to(twilio.db, v.phone)
    assert [r.topic for r in rows] == ["client.forwarded_ack"]

"""POST /webhooks/twilio/sms and /whatsapp through the real aiohttp app, with
captured forms signed as Twilio signs them, the client engine on both
databases, and the fake Twilio API receiving the replies."""

from __future__ import annotations

import json

from sqlalchemy import select

from garagebot.core.enums import SessionStatus
from garagebot.core.models import InboundEvent, MediaFile
from garagebot.core.uow import Database
from tests.conftest import Staff
from tests.conversations.client.harness import audit_of, mobile, on_telegram, outbox_to, visit
from tests.webhooks.twilio.conftest import TwilioHarness, form, twilio_signature

S = SessionStatus


async def test_an_sms_is_answered_through_the_messages_api_from_the_garage_number(
    twilio: TwilioHarness, staff: Staff
) -> None:
    v = await visit(twilio.db, staff, path=(S.DIAGNOSING,))

    status, params = await twilio.sms(v.phone, "Where is my car?")
    assert status == 200
    await twilio.deliver()

    [sent] = twilio.fake.to(v.phone)
    assert sent["From"] == twilio.scene.sms
    assert sent["StatusCallback"] == "https://garage.example.com/webhooks/twilio/status"
    assert sent["Body"].startswith(f"Your car {v.plate} ({v.number}) is being inspected.")
    assert "https://garage.example.com/s/" in sent["Body"]  # the long timeline link, shortened
    [row] = await outbox_to(twilio.db, v.phone)
    assert (row.channel, row.status) == ("sms", "sent")
    assert row.provider_message_id is not None
    assert row.provider_message_id.startswith("SM")
    assert await twilio.inbound_count(params["MessageSid"]) == 1


async def test_the_short_link_redirects_to_the_timeline(twilio: TwilioHarness, staff: Staff) -> None:
    v = await visit(twilio.db, staff, path=(S.DIAGNOSING,))
    await twilio.sms(v.phone, "status")
    await twilio.deliver()
    [sent] = twilio.fake.to(v.phone)
    short = next(w for w in sent["Body"].split() if "/s/" in w)

    resp = await twilio.client.get(short.replace("https://garage.example.com", ""), allow_redirects=False)

    assert resp.status == 302
    assert resp.headers["Location"].startswith("https://garage.example.com/t/")
    missing = await twilio.client.get("/s/nope", allow_redirects=False)
    assert missing.status == 404


async def test_a_whatsapp_message_in_arabic_gets_an_arabic_reply_on_whatsapp(
    twilio: TwilioHarness, staff: Staff
) -> None:
    v = await visit(twilio.db, staff, locale="en", path=(S.DIAGNOSING,))

    status, _ = await twilio.whatsapp("whatsapp_text", v.phone)
    assert status == 200
    await twilio.deliver()

    [sent] = twilio.fake.to(f"whatsapp:{v.phone}")
    assert sent["From"] == f"whatsapp:{twilio.scene.whatsapp}"
    assert "حالة سيارتك" in sent["Body"]
    assert "ContentSid" not in sent  # the client just wrote: inside the 24-hour window


async def test_a_redelivered_message_is_processed_once(twilio: TwilioHarness, staff: Staff) -> None:
    v = await visit(twilio.db, staff, path=(S.DIAGNOSING,))
    params = form("sms_text", From=v.phone, To=twilio.scene.sms, Body="status")

    assert [await twilio.post("/webhooks/twilio/sms", params) for _ in range(3)] == [200, 200, 200]

    assert await twilio.inbound_count(params["MessageSid"]) == 1
    assert [r.topic for r in await outbox_to(twilio.db, v.phone)] == ["client.status"]


async def test_forged_unsigned_and_tampered_requests_are_refused_and_change_nothing(
    twilio: TwilioHarness, staff: Staff
) -> None:
    v = await visit(twilio.db, staff, path=(S.DIAGNOSING,))
    params = form("sms_text", From=v.phone, To=twilio.scene.sms, Body="status")
    path = "/webhooks/twilio/sms"
    good = twilio_signature("twilio-auth-token-for-tests", f"https://garage.example.com{path}", params)
    tampered = {**params, "Body": "approve all"}

    assert await twilio.post(path, params, signature=None) == 403
    assert await twilio.post(path, params, signature="") == 403
    assert await twilio.post(path, params, signature=twilio_signature("wrong-token", "x", params)) == 403
    assert await twilio.post(path, params, signed_url=f"https://evil.example.com{path}") == 403
    assert await twilio.post(path, tampered, signature=good) == 403
    assert await twilio.post("/webhooks/twilio/whatsapp", params, signature=good) == 403

    assert await twilio.inbound_count(params["MessageSid"]) == 0
    assert await outbox_to(twilio.db, v.phone) == []


async def test_another_accounts_message_is_refused(twilio: TwilioHarness, staff: Staff) -> None:
    v = await visit(twilio.db, staff, path=(S.DIAGNOSING,))
    params = form("sms_text", From=v.phone, To=twilio.scene.sms, AccountSid="AC" + "f" * 32)

    assert await twilio.post("/webhooks/twilio/sms", params) == 403
    assert await twilio.inbound_count(params["MessageSid"]) == 0


async def test_a_message_to_a_number_no_garage_has_is_acknowledged_and_ignored(
    twilio: TwilioHarness, db: Database
) -> None:
    params = form("sms_text", From=mobile(), To=mobile())

    assert await twilio.post("/webhooks/twilio/sms", params) == 200
    assert await twilio.inbound_count(params["MessageSid"]) == 0


async def test_a_malformed_form_is_a_bad_request(twilio: TwilioHarness) -> None:
    params = form("sms_text", From="not a number", To=twilio.scene.sms)
    assert await twilio.post("/webhooks/twilio/sms", params) == 400
    assert await twilio.post("/webhooks/twilio/sms", {"Body": "hi"}) == 400


async def test_a_whatsapp_photo_is_fetched_and_attached_to_the_open_session(
    twilio: TwilioHarness, staff: Staff
) -> None:
    advisor_chat = await on_telegram(twilio.db, staff.id(staff.advisor))
    v = await visit(twilio.db, staff, path=(S.DIAGNOSING,))
    twilio.fake.media["ME1"] = (b"\xff\xd8\xff jpeg bytes", "image/jpeg")

    status, params = await twilio.whatsapp("whatsapp_image", v.phone, MediaUrl0=f"{twilio.api_url}/media/ME1")
    assert status == 200

    assert twilio.fake.media_requests == ["ME1"]
    async with twilio.db.read() as s:
        [media] = (await s.scalars(select(MediaFile).where(MediaFile.session_id == v.session_id))).all()
    assert (media.kind, media.content_type) == ("photo", "image/jpeg")
    assert media.caption == "the noise comes from here"
    assert twilio.scene.storage.files[media.storage_key][0] == b"\xff\xd8\xff jpeg bytes"
    [upload] = await audit_of(twilio.db, twilio.org, "media_file", "client_upload")
    assert (upload.actor_kind, upload.channel) == ("client", "whatsapp")
    [to_advisor] = await outbox_to(twilio.db, str(advisor_chat))
    assert to_advisor.topic == "client.forwarded_files"
    assert [r.topic for r in await outbox_to(twilio.db, v.phone)] == ["client.media_attached"]
    async with twilio.db.read() as s:
        event = (await s.scalars(select(InboundEvent).where(
            InboundEvent.event_id == params["MessageSid"]))).one()
    assert event.processed_at is not None
    assert event.payload["MediaUrl0"] == f"{twilio.api_url}/media/ME1"


async def test_a_template_quick_reply_button_is_a_choice(twilio: TwilioHarness, staff: Staff) -> None:
    v = await visit(twilio.db, staff, path=(S.DIAGNOSING,))

    status, _ = await twilio.whatsapp("whatsapp_button", v.phone)

    assert status == 200
    assert [r.topic for r in await outbox_to(twilio.db, v.phone)] == ["client.status"]


async def test_a_shared_location_is_forwarded_to_the_advisor(twilio: TwilioHarness, staff: Staff) -> None:
    advisor_chat = await on_telegram(twilio.db, staff.id(staff.advisor))
    v = await visit(twilio.db, staff, path=(S.DIAGNOSING,))

    status, _ = await twilio.whatsapp("whatsapp_location", v.phone)

    assert status == 200
    [to_advisor] = await outbox_to(twilio.db, str(advisor_chat))
    assert to_advisor.topic == "client.forwarded_about_visit"
    assert json.dumps(to_advisor.payload["params"]).count("31.95390,35.91060") == 1

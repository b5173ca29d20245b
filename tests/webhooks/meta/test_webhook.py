"""GET/POST /webhooks/meta/whatsapp through the real aiohttp app: the
verification handshake, X-Hub-Signature-256, every message kind from
captured payloads, and duplicates; the client engine on both databases."""

from __future__ import annotations

import json

from sqlalchemy import select

from garagebot.core.enums import SessionStatus
from garagebot.core.models import MediaFile
from tests.conftest import Staff
from tests.conversations.client.harness import mobile, on_telegram, outbox_to, visit
from tests.webhooks.meta.conftest import (
    APP_SECRET,
    VERIFY_TOKEN,
    MetaHarness,
    first_message_id,
    meta_signature,
    payload,
)

S = SessionStatus


async def test_the_verification_handshake_echoes_the_challenge_only_for_our_token(meta: MetaHarness) -> None:
    ok = await meta.client.get("/webhooks/meta/whatsapp", params={
        "hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"})
    assert (ok.status, await ok.text()) == (200, "1158201444")
    for params in ({"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
                   {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
                   {"hub.challenge": "1"}):
        resp = await meta.client.get("/webhooks/meta/whatsapp", params=params)
        assert resp.status == 403


async def test_forged_unsigned_and_tampered_deliveries_are_refused_and_change_nothing(
    meta: MetaHarness, staff: Staff
) -> None:
    v = await visit(meta.db, staff, path=(S.DIAGNOSING,))
    raw = payload("text", meta.phone_number_id, v.phone)
    body = json.dumps(raw).encode()
    tampered = body.replace(b"Where is my car?", b"approve all")

    assert await meta.post_raw(body, None) == 403
    assert await meta.post_raw(body, "") == 403
    assert await meta.post_raw(body, meta_signature("another-secret", body)) == 403
    assert await meta.post_raw(body, meta_signature(APP_SECRET, body)[len("sha256="):]) == 403
    assert await meta.post_raw(tampered, meta_signature(APP_SECRET, body)) == 403

    assert await meta.inbound_count(first_message_id(raw)) == 0
    assert await outbox_to(meta.db, v.phone) == []


async def test_a_text_is_answered_on_the_cloud_api_and_a_redelivery_changes_nothing(
    meta: MetaHarness, staff: Staff
) -> None:
    v = await visit(meta.db, staff, path=(S.DIAGNOSING,))
    raw = payload("text", meta.phone_number_id, v.phone)

    assert [await meta.post(raw), await meta.post(raw)] == [200, 200]
    await meta.deliver()

    assert await meta.inbound_count(first_message_id(raw)) == 1
    [sent] = meta.fake.to(v.phone)
    assert sent.phone_number_id == meta.phone_number_id
    assert sent.payload["type"] == "text"
    assert sent.payload["to"] == v.phone.lstrip("+")
    text = sent.payload["text"]
    assert isinstance(text, dict)
    assert str(text["body"]).startswith(f"Your car {v.plate} ({v.number}) is being inspected.")
    assert text["preview_url"] is True
    [row] = await outbox_to(meta.db, v.phone)
    assert (row.status, row.provider_message_id) == ("sent", sent.wamid)


async def test_a_malformed_delivery_is_a_bad_request(meta: MetaHarness) -> None:
    for raw in ({"object": "page", "entry": []}, {"object": "whatsapp_business_account", "entry": [
            {"changes": [{"field": "messages", "value": {"messages": [{"type": "text"}]}}]}]}):
        assert await meta.post(raw) == 400
    body = b"not json"
    assert await meta.post_raw(body, meta_signature(APP_SECRET, body)) == 400


async def test_a_message_to_an_unknown_number_and_a_reaction_are_acknowledged_and_ignored(
    meta: MetaHarness, staff: Staff
) -> None:
    v = await visit(meta.db, staff, path=(S.DIAGNOSING,))
    elsewhere = payload("text", "999999999999", mobile())
    reaction = payload("reaction", meta.phone_number_id, v.phone)

    assert await meta.post(elsewhere) == 200
    assert await meta.post(reaction) == 200

    assert await meta.inbound_count(first_message_id(elsewhere)) == 0
    assert await meta.inbound_count(first_message_id(reaction)) == 0
    assert await outbox_to(meta.db, v.phone) == []


async def test_photos_documents_and_voice_notes_attach_to_the_open_session(
    meta: MetaHarness, staff: Staff
) -> None:
    v = await visit(meta.db, staff, path=(S.DIAGNOSING,))
    meta.fake.media.update({
        "1479537139650973": (b"\xff\xd8 photo", "image/jpeg"),
        "2479537139650974": (b"%PDF-1.7 insurance", "application/pdf"),
        "3479537139650975": (b"OggS voice", "audio/ogg; codecs=opus"),
    })

    for name in ("image", "document", "audio"):
        assert (await meta.send(name, v.phone))[0] == 200

    assert meta.fake.media_requests == ["1479537139650973", "2479537139650974", "3479537139650975"]
    async with meta.db.read() as s:
        media = (await s.scalars(select(MediaFile).where(MediaFile.session_id == v.session_id)
                                 .order_by(MediaFile.id))).all()
    assert [(m.kind, m.content_type, m.caption) for m in media] == [
        ("photo", "image/jpeg", "the noise comes from here"),
        ("document", "application/pdf", "my insurance"),
        ("voice", "audio/ogg", None),
    ]
    assert [meta.scene.storage.files[m.storage_key][0] for m in media] == [
        b"\xff\xd8 photo", b"%PDF-1.7 insurance", b"OggS voice"]
    assert [r.topic for r in await outbox_to(meta.db, v.phone)] == ["client.media_attached"] * 3


async def test_a_photo_that_cannot_be_fetched_is_refused_politely(meta: MetaHarness, staff: Staff) -> None:
    v = await visit(meta.db, staff, path=(S.DIAGNOSING,))

    assert (await meta.send("image", v.phone))[0] == 200

    [row] = await outbox_to(meta.db, v.phone)
    assert row.topic == "error.media_unavailable"
    async with meta.db.read() as s:
        assert (await s.scalars(select(MediaFile).where(MediaFile.session_id == v.session_id))).all() == []


async def test_reply_buttons_list_rows_and_template_buttons_are_choices(
    meta: MetaHarness, staff: Staff
) -> None:
    v = await visit(meta.db, staff, path=(S.DIAGNOSING,))

    await meta.send("button_reply", v.phone)
    await meta.send("template_button", v.phone)
    await meta.send("list_reply", v.phone)  # rate:5, but the car is not delivered yet

    assert [r.topic for r in await outbox_to(meta.db, v.phone)] == [
        "client.status", "client.status", "client.rating_nothing_to_rate"]


async def test_a_shared_location_reaches_the_advisor(meta: MetaHarness, staff: Staff) -> None:
    advisor_chat = await on_telegram(meta.db, staff.id(staff.advisor))
    v = await visit(meta.db, staff, path=(S.DIAGNOSING,))

    assert (await meta.send("location", v.phone))[0] == 200

    [forwarded] = await outbox_to(meta.db, str(advisor_chat))
    assert forwarded.payload["params"]["text"] == "📍 31.95390,35.91060"  # type: ignore[index]
    assert [r.topic for r in await outbox_to(meta.db, v.phone)] == ["client.forwarded_ack"]

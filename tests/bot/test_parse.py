"""Captured Telegram updates → typed Inbound messages."""

from __future__ import annotations

import datetime as dt

import pytest

from garagebot.bot.parse import parse_update
from garagebot.conversations.types import Inbound, Location, MediaKind, MediaRef
from garagebot.core.enums import Channel
from tests.bot.conftest import update

NOW = dt.datetime(2026, 11, 22, 6, 0, tzinfo=dt.UTC)
USER = 424242


def inbound(name: str, **changes: object) -> Inbound:
    parsed = parse_update(update(name, USER, update_id=5001, **changes), NOW)
    assert parsed is not None
    assert parsed.inbound is not None
    return parsed.inbound


def test_a_text_message() -> None:
    msg = inbound("text", text="start 2")
    assert (msg.channel, msg.provider, msg.event_id) == (Channel.TELEGRAM, "telegram", "5001")
    assert (msg.sender, msg.chat, msg.text, msg.choice) == (str(USER), str(USER), "start 2", None)
    assert (msg.origin_message_id, msg.received_at, msg.edited) == (f"{USER}:41", NOW, False)
    assert msg.language_hint == "en"
    assert msg.payload["update_id"] == 5001


def test_a_photo_keeps_its_largest_size_and_caption() -> None:
    msg = inbound("photo")
    assert msg.text == "brake pads worn"
    assert msg.media == (MediaRef(MediaKind.PHOTO, "AgACAgQAAxkBAAIBsmZ0large", "image/jpeg", None, 101823),)


def test_a_document_and_a_voice_note() -> None:
    assert inbound("document").media == (
        MediaRef(MediaKind.DOCUMENT, "BQACAgQAAxkBAAIBs2Z0doc", "application/pdf", "obd-scan.pdf", 48213),
    )
    assert inbound("voice").media == (
        MediaRef(MediaKind.VOICE, "AwACAgQAAxkBAAIBtGZ0voice", "audio/ogg", None, 21504),
    )


def test_a_location() -> None:
    assert inbound("location").location == Location(31.953949, 35.910635)


def test_a_button_press() -> None:
    parsed = parse_update(update("callback_query", USER, update_id=5002), NOW)
    assert parsed is not None
    assert parsed.callback_query_id == "4382917465019283746"
    assert parsed.inbound is not None
    assert (parsed.inbound.choice, parsed.inbound.text) == ("lang:ar", "")
    assert parsed.inbound.origin_message_id == f"{USER}:45"


def test_an_edited_message_is_marked() -> None:
    msg = inbound("edited_message")
    assert (msg.edited, msg.text) == (True, "help")


@pytest.mark.parametrize("name", ["unknown_kind", "group_text"])
def test_updates_we_do_not_serve_are_none(name: str) -> None:
    assert parse_update(update(name, USER), NOW) is None


def test_a_future_update_kind_is_none_and_garbage_is_an_error() -> None:
    assert parse_update({"update_id": 7, "some_future_kind": {"x": 1}}, NOW) is None
    with pytest.raises(ValueError, match="update_id"):
        parse_update({"message": {}}, NOW)
    with pytest.raises(ValueError, match="malformed"):
        parse_update({"update_id": 8, "message": {"text": "no chat"}}, NOW)

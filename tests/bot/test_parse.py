"""Captured Telegram updates → typed Inbound messages."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from garagebot.bot.parse import _library, _plain, parse_update
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


FIXTURE_NAMES = sorted(p.stem for p in (Path(__file__).parents[1] / "fixtures" / "telegram").glob("*.json"))


def variants() -> list[tuple[str, dict[str, Any]]]:
    """Every captured update, and the plain shapes bent the ways the Bot API allows."""
    out = [(name, update(name, USER, update_id=7001)) for name in FIXTURE_NAMES]
    bot = update("text", USER, update_id=7002)
    bot["message"]["from"]["is_bot"] = True
    group = update("group_text", USER, update_id=7003)
    no_lang = update("text", USER, update_id=7004)
    del no_lang["message"]["from"]["language_code"]
    sticker = update("text", USER, update_id=7005)
    del sticker["message"]["text"]
    sticker["message"]["sticker"] = {"file_id": "CAAC", "file_unique_id": "u", "width": 512, "height": 512,
                                     "is_animated": False, "is_video": False, "type": "regular"}
    empty_press = update("callback_query", USER, update_id=7006, data="")
    inline_press = update("callback_query", USER, update_id=7007)
    del inline_press["callback_query"]["message"]
    inline_press["callback_query"]["inline_message_id"] = "AAAA"
    out += [("bot", bot), ("group", group), ("no_lang", no_lang), ("sticker", sticker),
            ("empty_press", empty_press), ("inline_press", inline_press)]
    return out


@pytest.mark.parametrize(("name", "raw"), variants(), ids=[n for n, _ in variants()])
def test_the_fast_path_reads_every_update_as_the_library_does(name: str, raw: dict[str, Any]) -> None:
    fast = _plain(raw, NOW)
    assert parse_update(raw, NOW) == (fast if fast is not None else _library(raw, NOW))
    if fast is not None:
        assert fast == _library(raw, NOW)


def test_plain_text_and_button_presses_take_the_fast_path() -> None:
    for name in ("text", "edited_message", "callback_query"):
        assert _plain(update(name, USER, update_id=7100), NOW) is not None, name
    for name in ("photo", "document", "voice", "location", "group_text", "unknown_kind"):
        assert _plain(update(name, USER, update_id=7101), NOW) is None, name

"""Telegram Update JSON → ``Inbound`` (python-telegram-bot parses; we map).

Handled kinds: a message (text, or a caption with a photo, document, voice,
audio or video; a location), an edited message (marked ``edited``; the engine
records and ignores it) and a callback query (a pressed button). Anything
else (chat member changes, polls, channel posts, kinds newer than the
library) and anything outside a private chat is not ours: ``None``.

The two shapes that make up most of the traffic, a plain text message and a
button press, are read straight from the JSON (``_plain``): the library's
``Update.de_json`` builds frozen objects of some ninety attributes and was
a quarter of the server's CPU per message under load. Anything else, and
anything of those shapes that is not exactly as the Bot API documents it,
goes to the library; ``tests/bot/test_parse.py`` checks that both read every
captured update the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from telegram import Message, Update

from garagebot.conversations.types import Inbound, Location, MediaKind, MediaRef
from garagebot.core.enums import Channel
from garagebot.core.normalize import storable

PROVIDER = "telegram"


@dataclass(frozen=True, slots=True)
class ParsedUpdate:
    """The inbound message (None: nothing for the engine), and the callback
    query to answer if it was a button (every one is answered)."""

    inbound: Inbound | None
    callback_query_id: str | None = None


def _media(message: Message) -> tuple[MediaRef, ...]:
    found: list[MediaRef] = []
    if message.photo:
        biggest = max(message.photo, key=lambda p: p.width * p.height)
        found.append(MediaRef(MediaKind.PHOTO, biggest.file_id, "image/jpeg", None, biggest.file_size))
    if message.document:
        d = message.document
        found.append(MediaRef(MediaKind.DOCUMENT, d.file_id, d.mime_type, d.file_name, d.file_size))
    if message.voice:
        v = message.voice
        found.append(MediaRef(MediaKind.VOICE, v.file_id, v.mime_type or "audio/ogg", None, v.file_size))
    if message.audio:
        a = message.audio
        found.append(MediaRef(MediaKind.AUDIO, a.file_id, a.mime_type, a.file_name, a.file_size))
    if message.video:
        m = message.video
        found.append(MediaRef(MediaKind.VIDEO, m.file_id, m.mime_type, m.file_name, m.file_size))
    return tuple(found)


def _from_message(update: Update, message: Message, now: dt.datetime, raw: Mapping[str, object],
                  *, edited: bool) -> ParsedUpdate | None:
    user = message.from_user
    if user is None or user.is_bot or message.chat.type != "private":
        return None
    location = None
    if message.location is not None:
        location = Location(message.location.latitude, message.location.longitude)
    inbound = Inbound(
        channel=Channel.TELEGRAM, provider=PROVIDER, event_id=str(update.update_id),
        sender=str(user.id), received_at=now, text=message.text or message.caption or "",
        media=_media(message), location=location, chat=str(message.chat.id),
        origin_message_id=f"{message.chat.id}:{message.message_id}", edited=edited,
        language_hint=user.language_code, payload=raw,
    )
    return ParsedUpdate(inbound)


def _from_callback(update: Update, now: dt.datetime, raw: Mapping[str, object]) -> ParsedUpdate | None:
    query = update.callback_query
    assert query is not None
    message = query.message
    if query.from_user.is_bot or message is None or message.chat.type != "private":
        return ParsedUpdate(None, query.id)
    inbound = Inbound(
        channel=Channel.TELEGRAM, provider=PROVIDER, event_id=str(update.update_id),
        sender=str(query.from_user.id), received_at=now, choice=query.data or None,
        chat=str(message.chat.id), origin_message_id=f"{message.chat.id}:{message.message_id}",
        language_hint=query.from_user.language_code, payload=raw,
    )
    return ParsedUpdate(inbound, query.id)


_PLAIN_KINDS = {"message": False, "edited_message": True}
# Message fields that make it more than plain text: those go to the library.
_NOT_PLAIN = frozenset({"photo", "document", "voice", "audio", "video", "location", "caption"})


def _user(value: object) -> tuple[int, str | None] | None:
    """(id, language code) of a Bot API User that is not a bot, else None."""
    if not isinstance(value, dict) or value.get("is_bot") is not False:
        return None
    uid, lang = value.get("id"), value.get("language_code")
    if type(uid) is not int or not (lang is None or isinstance(lang, str)):
        return None
    return uid, lang


def _private_chat(message: object) -> tuple[int, int] | None:
    """(chat id, message id) of a message in a private chat, else None."""
    if not isinstance(message, dict):
        return None
    chat, message_id = message.get("chat"), message.get("message_id")
    if not isinstance(chat, dict) or chat.get("type") != "private" or type(message_id) is not int:
        return None
    chat_id = chat.get("id")
    return (chat_id, message_id) if type(chat_id) is int and type(message.get("date")) is int else None


def _plain(raw: Mapping[str, Any], now: dt.datetime) -> ParsedUpdate | None:
    """A plain text message or a button press from a person in a private chat,
    read from the JSON; None for anything else (the library parses it)."""
    if len(raw) != 2:
        return None
    kind = next(k for k in raw if k != "update_id")
    body = raw[kind]
    if not isinstance(body, dict):
        return None
    if kind in _PLAIN_KINDS:
        user, where, text = _user(body.get("from")), _private_chat(body), body.get("text")
        if user is None or where is None or not isinstance(text, str) or _NOT_PLAIN & body.keys():
            return None
        return ParsedUpdate(Inbound(
            channel=Channel.TELEGRAM, provider=PROVIDER, event_id=str(raw["update_id"]),
            sender=str(user[0]), received_at=now, text=text, chat=str(where[0]),
            origin_message_id=f"{where[0]}:{where[1]}", edited=_PLAIN_KINDS[kind],
            language_hint=user[1], payload=raw))
    if kind == "callback_query":
        user, where, data, query_id = (_user(body.get("from")), _private_chat(body.get("message")),
                                       body.get("data"), body.get("id"))
        if user is None or where is None or not isinstance(data, str) or not isinstance(query_id, str):
            return None
        return ParsedUpdate(Inbound(
            channel=Channel.TELEGRAM, provider=PROVIDER, event_id=str(raw["update_id"]),
            sender=str(user[0]), received_at=now, choice=data or None, chat=str(where[0]),
            origin_message_id=f"{where[0]}:{where[1]}", language_hint=user[1], payload=raw), query_id)
    return None


_INT64 = range(-(2**63), 2**63)


def _integers_fit(value: object) -> bool:
    """Whether every integer in the update fits in 64 bits (the database's BIGINT; Telegram's ids do)."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, int) and item not in _INT64:
            return False
        if isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return True


def parse_update(raw: Mapping[str, Any], now: dt.datetime) -> ParsedUpdate | None:
    """The update as an inbound message, or None when it is not one we handle.
    ValueError when the JSON is not a Telegram update at all."""
    if not isinstance(raw.get("update_id"), int):
        raise ValueError("not a Telegram update: no integer update_id")
    if not _integers_fit(dict(raw)):
        raise ValueError("not a Telegram update: an integer beyond 64 bits")
    raw = cast(dict[str, Any], storable(dict(raw)))  # any text is recorded: NUL, lone surrogates replaced
    return _plain(raw, now) or _library(raw, now)


def _library(raw: Mapping[str, Any], now: dt.datetime) -> ParsedUpdate | None:
    """``parse_update`` by python-telegram-bot's ``Update.de_json``."""
    try:
        update = Update.de_json(dict(raw), None)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ValueError(f"malformed Telegram update: {exc}") from exc
    if update.message is not None:
        return _from_message(update, update.message, now, raw, edited=False)
    if update.edited_message is not None:
        return _from_message(update, update.edited_message, now, raw, edited=True)
    if update.callback_query is not None:
        return _from_callback(update, now, raw)
    return None

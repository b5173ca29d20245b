"""Telegram Update JSON → ``Inbound`` (python-telegram-bot parses; we map).

Handled kinds: a message (text, or a caption with a photo, document, voice,
audio or video; a location), an edited message (marked ``edited``; the engine
records and ignores it) and a callback query (a pressed button). Anything
else (chat member changes, polls, channel posts, kinds newer than the
library) and anything outside a private chat is not ours: ``None``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from telegram import Message, Update

from garagebot.conversations.types import Inbound, Location, MediaKind, MediaRef
from garagebot.core.enums import Channel

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


def parse_update(raw: Mapping[str, Any], now: dt.datetime) -> ParsedUpdate | None:
    """The update as an inbound message, or None when it is not one we handle.
    ValueError when the JSON is not a Telegram update at all."""
    if not isinstance(raw.get("update_id"), int):
        raise ValueError("not a Telegram update: no integer update_id")
    try:
        update = Update.de_json(dict(raw), None)
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"malformed Telegram update: {exc}") from exc
    if update.message is not None:
        return _from_message(update, update.message, now, raw, edited=False)
    if update.edited_message is not None:
        return _from_message(update, update.edited_message, now, raw, edited=True)
    if update.callback_query is not None:
        return _from_callback(update, now, raw)
    return None

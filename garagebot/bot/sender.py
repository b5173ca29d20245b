"""The MessageTransport for channel ``telegram``: outbox messages to the Bot API.

Recipients are chat ids; ``edit:<chat id>:<message id>`` (the engine's edit
form, see ``conversations.engine``) edits that message instead, falling back
to a new message when Telegram cannot edit it. Provider message ids are
``<chat id>:<message id>`` (message ids are only unique within a chat).
Texts are split below 4,096 characters; the buttons ride on the last piece.
Media keys are read from the file storage and sent as photo, voice or document.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import aiohttp

from garagebot.bot.api import TelegramApi, TelegramApiError
from garagebot.bot.limits import RateLimiter
from garagebot.bot.render import MAX_TEXT, Keyboard, inline_keyboard, split_text
from garagebot.conversations.engine import EDIT_PREFIX
from garagebot.core.ports import (
    FileStorage,
    OutboundMessage,
    PermanentSendError,
    SendResult,
    TransientSendError,
)
from garagebot.core.telemetry import NULL_TELEMETRY, Telemetry, observed_send

log = logging.getLogger(__name__)

_PHOTO = (".jpg", ".jpeg", ".png", ".webp")
_VOICE = (".ogg", ".oga", ".opus")


def _target(recipient: str) -> tuple[str, str | None]:
    """(chat id, message id to edit or None)."""
    if recipient.startswith(EDIT_PREFIX):
        chat, _, message = recipient[len(EDIT_PREFIX):].rpartition(":")
        if chat and message.isdigit():
            return chat, message
        raise PermanentSendError(f"bad edit recipient {recipient!r}")
    return recipient, None


def _message_id(result: object) -> str:
    if isinstance(result, dict) and "message_id" in result:
        return str(result["message_id"])
    raise TransientSendError("Bot API answered without a message id")


def _keyboard(choices: Sequence[tuple[str, str]]) -> Keyboard | None:
    """The inline keyboard; a choice id over 64 bytes can never be sent: permanent."""
    if not choices:
        return None
    try:
        return inline_keyboard(choices)
    except ValueError as exc:
        raise PermanentSendError(str(exc)) from exc


class TelegramTransport:
    """Sends rendered outbox messages to Telegram, paced by a RateLimiter."""

    def __init__(self, api: TelegramApi, limiter: RateLimiter | None = None,
                 storage: FileStorage | None = None, telemetry: Telemetry = NULL_TELEMETRY) -> None:
        self.api = api
        self.limiter = limiter or RateLimiter()
        self.storage = storage
        self.telemetry = telemetry

    async def send(self, message: OutboundMessage) -> SendResult:
        return await observed_send(self.telemetry, "telegram", self._send(message))

    async def _send(self, message: OutboundMessage) -> SendResult:
        chat, edit = _target(message.recipient)
        if edit is not None and not message.media_keys:
            edited = await self._edit(chat, edit, message.text, message.choices)
            if edited:
                return SendResult(f"{chat}:{edit}")
        for key in message.media_keys:
            await self._send_media(chat, key)
        last = await self.send_text(chat, message.text, message.choices)
        return SendResult(f"{chat}:{last}")

    async def send_text(self, chat: str, text: str, choices: Sequence[tuple[str, str]] = ()) -> str:
        """Send ``text`` (split as needed) with buttons on the last piece; its message id."""
        pieces = split_text(text or "…")
        markup = _keyboard(choices)
        message_id = ""
        for index, piece in enumerate(pieces):
            payload: dict[str, object] = {"chat_id": chat, "text": piece}
            if markup is not None and index == len(pieces) - 1:
                payload["reply_markup"] = markup
            message_id = _message_id(await self._call(chat, "sendMessage", payload))
        return message_id

    async def _edit(self, chat: str, message_id: str, text: str,
                    choices: Sequence[tuple[str, str]]) -> bool:
        """Edit in place; False when Telegram cannot (too old, deleted, too long)."""
        if len(text) > MAX_TEXT:
            return False
        payload: dict[str, object] = {"chat_id": chat, "message_id": int(message_id), "text": text}
        markup = _keyboard(choices)
        if markup is not None:
            payload["reply_markup"] = markup
        try:
            await self._call(chat, "editMessageText", payload)
        except PermanentSendError as exc:
            if "not modified" in str(exc):
                return True  # the same text and buttons: nothing to change
            log.info("cannot edit %s:%s (%s); sending a new message", chat, message_id, exc)
            return False
        return True

    async def _send_media(self, chat: str, key: str) -> None:
        if self.storage is None:
            raise PermanentSendError("media to send but no file storage configured")
        data = await self.storage.get(key)
        name = key.rsplit("/", 1)[-1]
        lower = name.lower()
        method, field = (("sendPhoto", "photo") if lower.endswith(_PHOTO)
                         else ("sendVoice", "voice") if lower.endswith(_VOICE)
                         else ("sendDocument", "document"))
        form = aiohttp.FormData()
        form.add_field("chat_id", chat)
        form.add_field(field, data, filename=name)
        await self._call(chat, method, None, form=form)

    async def _call(self, chat: str, method: str, payload: Mapping[str, object] | None, *,
                    form: aiohttp.FormData | None = None) -> object:
        """One paced call; Telegram's refusals as the dispatcher's send errors."""
        await self.limiter.acquire(chat)
        try:
            return await self.api.call(method, payload, form=form)
        except TelegramApiError as exc:
            if exc.status == 429:
                wait = exc.retry_after or 1.0
                self.limiter.block(chat, wait)
                raise TransientSendError(str(exc), retry_after_seconds=wait) from exc
            if exc.transient:
                raise TransientSendError(str(exc)) from exc
            raise PermanentSendError(str(exc)) from exc

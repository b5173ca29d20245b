"""Meta webhook JSON → typed objects.

One delivery can carry several messages and statuses, for several of our
phone numbers (``metadata.phone_number_id`` says which garage). Message
kinds: text; image, document, audio (voice notes), video and sticker as media
(caption as text); location; interactive ``button_reply`` and ``list_reply``
and a template's quick-reply ``button`` as choices. Other kinds (reactions,
"unsupported", system notices) are skipped. Statuses (sent, delivered, read,
failed with the error code) may arrive out of order; applying them is
forward-only. Anything that is not a WhatsApp webhook is a ValueError.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from garagebot.conversations.types import Inbound, Location, MediaKind, MediaRef
from garagebot.core.clientlookup import NumberField
from garagebot.core.enums import Channel, OutboxStatus
from garagebot.webhooks.common import StatusUpdate

log = logging.getLogger(__name__)

PROVIDER = "meta"

STATUSES: Mapping[str, OutboxStatus | None] = {
    "sent": OutboxStatus.SENT, "delivered": OutboxStatus.DELIVERED, "read": OutboxStatus.READ,
    "failed": OutboxStatus.FAILED, "deleted": None, "warning": None,
}
_MEDIA_KINDS = {"image": MediaKind.PHOTO, "document": MediaKind.DOCUMENT, "audio": MediaKind.VOICE,
                "video": MediaKind.VIDEO, "sticker": MediaKind.PHOTO}


@dataclass(frozen=True, slots=True)
class MetaMessage:
    """A client's message and the phone-number id it was sent to."""

    phone_number_id: str
    inbound: Inbound


@dataclass(frozen=True, slots=True)
class MetaDelivery:
    messages: list[MetaMessage] = field(default_factory=list)
    statuses: list[StatusUpdate] = field(default_factory=list)


def _values(raw: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    if raw.get("object") != "whatsapp_business_account" or not isinstance(raw.get("entry"), list):
        raise ValueError("not a WhatsApp Business webhook")
    for entry in raw["entry"]:
        for change in entry.get("changes") or []:
            value = change.get("value")
            if change.get("field") == "messages" and isinstance(value, dict):
                yield value


def _media(message: Mapping[str, Any], kind: str) -> tuple[tuple[MediaRef, ...], str]:
    body = message.get(kind) or {}
    if not isinstance(body, dict) or not isinstance(body.get("id"), str):
        raise ValueError(f"{kind} without an id")
    media_kind = _MEDIA_KINDS[kind]
    if kind == "audio" and not body.get("voice"):
        media_kind = MediaKind.AUDIO
    ref = MediaRef(media_kind, body["id"], body.get("mime_type"), body.get("filename"))
    return (ref,), str(body.get("caption") or "")


def _content(message: Mapping[str, Any]) -> dict[str, Any] | None:
    """Text, choice, media and location of one message; None for kinds we skip."""
    kind = message.get("type")
    if kind == "text":
        return {"text": str((message.get("text") or {}).get("body") or "")}
    if kind in _MEDIA_KINDS:
        media, caption = _media(message, str(kind))
        return {"media": media, "text": caption}
    if kind == "location":
        loc = message.get("location") or {}
        return {"location": Location(float(loc["latitude"]), float(loc["longitude"]))}
    if kind == "interactive":
        interactive = message.get("interactive") or {}
        reply = interactive.get(str(interactive.get("type")))
        if interactive.get("type") in ("button_reply", "list_reply") and isinstance(reply, dict):
            return {"choice": str(reply["id"])}
        return None
    if kind == "button":
        button = message.get("button") or {}
        payload = str(button.get("payload") or "")
        return {"choice": payload} if payload else {"text": str(button.get("text") or "")}
    return None


def _message(value: Mapping[str, Any], message: Mapping[str, Any], now: dt.datetime) -> MetaMessage | None:
    content = _content(message)
    if content is None:
        log.info("meta message %s of kind %s skipped", message.get("id"), message.get("type"))
        return None
    sender, wamid = str(message.get("from") or ""), str(message.get("id") or "")
    if not sender.isdigit() or not wamid:
        raise ValueError("message without a sender or an id")
    contacts = value.get("contacts") or []
    payload = {"metadata": value.get("metadata"), "contact": contacts[0] if contacts else None,
               "message": dict(message)}
    inbound = Inbound(channel=Channel.WHATSAPP, provider=PROVIDER, event_id=wamid, sender=f"+{sender}",
                      received_at=now, origin_message_id=(message.get("context") or {}).get("id"),
                      payload=payload, **content)
    return MetaMessage(str(value["metadata"]["phone_number_id"]), inbound)


def _status(status: Mapping[str, Any]) -> StatusUpdate:
    raw = str(status.get("status") or "")
    if raw not in STATUSES or not isinstance(status.get("id"), str):
        raise ValueError(f"unknown status {raw!r}")
    errors = status.get("errors") or []
    code = str(errors[0].get("code")) if errors and isinstance(errors[0], dict) else None
    return StatusUpdate(status["id"], STATUSES[raw], code)


def parse_delivery(raw: Mapping[str, Any], now: dt.datetime) -> MetaDelivery:
    """Every message and status in one webhook delivery."""
    delivery = MetaDelivery()
    try:
        for value in _values(raw):
            for message in value.get("messages") or []:
                parsed = _message(value, message, now)
                if parsed is not None:
                    delivery.messages.append(parsed)
            delivery.statuses.extend(_status(s) for s in value.get("statuses") or [])
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"malformed WhatsApp webhook: {exc!r}") from exc
    return delivery


def garage_number(payload: Mapping[str, Any]) -> tuple[NumberField, str] | None:
    """The phone-number id a recorded message was sent to (for a delivery
    recorded before its garage was known)."""
    metadata = payload.get("metadata")
    phone_id = metadata.get("phone_number_id") if isinstance(metadata, Mapping) else None
    return (NumberField.META, str(phone_id)) if phone_id else None


def inbound_from_payload(payload: Mapping[str, Any], now: dt.datetime) -> Inbound | None:
    """The message recorded with an inbound event, to process it again."""
    contact = payload.get("contact")
    value = {"metadata": payload.get("metadata"), "contacts": [contact] if contact else []}
    try:
        parsed = _message(value, payload["message"], now)
    except (KeyError, TypeError, AttributeError, ValueError):
        return None
    return None if parsed is None else parsed.inbound

"""Twilio webhook forms → typed objects.

An incoming message (``/webhooks/twilio/sms`` or ``/whatsapp``) becomes an
``Inbound``: the sender's number (``whatsapp:`` prefix removed), the body,
media (MediaUrlN / MediaContentTypeN), a shared location, and the payload of
a template's quick-reply button as the choice. A status callback becomes a
``StatusUpdate``. A form that is not what Twilio sends is a ValueError.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

from garagebot.conversations.types import Inbound, Location, MediaKind, MediaRef
from garagebot.core.clientlookup import NumberField
from garagebot.core.enums import Channel, OutboxStatus
from garagebot.webhooks.common import StatusUpdate

PROVIDER = "twilio"
WHATSAPP_PREFIX = "whatsapp:"
MAX_MEDIA = 10

_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
_SID = re.compile(r"^[A-Z]{2}[0-9a-f]{32}$")

# Twilio's MessageStatus → ours; statuses on the way (queued, sending …) change nothing.
STATUSES: Mapping[str, OutboxStatus | None] = {
    "accepted": None, "scheduled": None, "queued": None, "sending": None,
    "sent": OutboxStatus.SENT, "delivered": OutboxStatus.DELIVERED, "read": OutboxStatus.READ,
    "undelivered": OutboxStatus.FAILED, "failed": OutboxStatus.FAILED, "canceled": OutboxStatus.FAILED,
    "receiving": None, "received": None,
}


@dataclass(frozen=True, slots=True)
class TwilioMessage:
    """An incoming message and the garage number it was sent to (E.164)."""

    inbound: Inbound
    to: str
    account_sid: str


def number(raw: str, channel: Channel) -> str:
    """The E.164 number in a From/To field ("whatsapp:+9627…" on WhatsApp)."""
    value = raw.strip()
    if channel is Channel.WHATSAPP:
        if not value.startswith(WHATSAPP_PREFIX):
            raise ValueError(f"not a WhatsApp address: {raw!r}")
        value = value[len(WHATSAPP_PREFIX):]
    if not _E164.match(value):
        raise ValueError(f"not an E.164 number: {raw!r}")
    return value


def _kind(content_type: str) -> MediaKind:
    main = content_type.split("/", 1)[0].lower()
    return {"image": MediaKind.PHOTO, "audio": MediaKind.VOICE, "video": MediaKind.VIDEO}.get(
        main, MediaKind.DOCUMENT)


def _media(form: Mapping[str, str]) -> tuple[MediaRef, ...]:
    raw = form.get("NumMedia", "0") or "0"
    if not raw.isdigit():
        raise ValueError("NumMedia is not a number")
    found: list[MediaRef] = []
    for i in range(min(int(raw), MAX_MEDIA)):
        url = form.get(f"MediaUrl{i}")
        if not url:
            raise ValueError(f"MediaUrl{i} missing")
        content_type = form.get(f"MediaContentType{i}") or "application/octet-stream"
        found.append(MediaRef(_kind(content_type), url, content_type))
    return tuple(found)


def _location(form: Mapping[str, str]) -> Location | None:
    lat, lon = form.get("Latitude"), form.get("Longitude")
    if not lat or not lon:
        return None
    try:
        return Location(float(lat), float(lon))
    except ValueError as exc:
        raise ValueError("bad Latitude/Longitude") from exc


def parse_message(form: Mapping[str, str], channel: Channel, now: dt.datetime) -> TwilioMessage:
    """An incoming SMS / WhatsApp message."""
    sid = form.get("MessageSid") or form.get("SmsSid") or ""
    if not _SID.match(sid):
        raise ValueError("no MessageSid")
    payload = form.get("ButtonPayload") or None
    inbound = Inbound(
        channel=channel, provider=PROVIDER, event_id=sid, sender=number(form.get("From", ""), channel),
        received_at=now, text=form.get("Body", "") if payload is None else "", choice=payload,
        media=_media(form), location=_location(form), payload=dict(form),
    )
    return TwilioMessage(inbound, number(form.get("To", ""), channel), form.get("AccountSid", ""))


def parse_status(form: Mapping[str, str]) -> StatusUpdate:
    """A status callback (MessageStatus, with ErrorCode when it failed)."""
    sid = form.get("MessageSid") or form.get("SmsSid") or ""
    raw = (form.get("MessageStatus") or form.get("SmsStatus") or "").lower()
    if not _SID.match(sid) or raw not in STATUSES:
        raise ValueError("not a Twilio status callback")
    return StatusUpdate(sid, STATUSES[raw], form.get("ErrorCode") or None)


def garage_number(payload: Mapping[str, object]) -> tuple[NumberField, str] | None:
    """The garage number a recorded form was sent to (for a delivery recorded before its garage was known)."""
    to = str(payload.get("To") or "")
    channel = Channel.WHATSAPP if to.startswith(WHATSAPP_PREFIX) else Channel.SMS
    try:
        return (NumberField.WHATSAPP if channel is Channel.WHATSAPP else NumberField.SMS), number(to, channel)
    except ValueError:
        return None


def inbound_from_payload(payload: Mapping[str, object], now: dt.datetime) -> Inbound | None:
    """The message recorded with an inbound event (its form), to process it again."""
    form = {str(k): str(v) for k, v in payload.items()}
    channel = Channel.WHATSAPP if form.get("From", "").startswith(WHATSAPP_PREFIX) else Channel.SMS
    try:
        return parse_message(form, channel, now).inbound
    except ValueError:
        return None

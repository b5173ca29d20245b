"""Client messages through Twilio's Messages API (SMS and WhatsApp).

- SMS: From the garage's SMS number; choices as numbered options; English
  kept in GSM-7 where only punctuation prevents it; long links shortened to
  PUBLIC_URL/s/<code>; a text over ``max_segments`` segments goes as several
  messages (the provider id stored is the last one's).
- WhatsApp: From ``whatsapp:`` + the garage's WhatsApp number; within 24
  hours of the client's last message a free-form text (choices as numbered
  options: Twilio sends buttons only from pre-registered content templates);
  afterwards the garage's approved template (Content SID and variables) or
  nothing (PermanentSendError).
- Every message asks for status callbacks at PUBLIC_URL/webhooks/twilio/status.
- 429 and 5xx are transient (the dispatcher retries); other refusals are
  permanent, with Twilio's error code in the reason.
- Paced per sending number (``Pacer.turn``: one call at a time, answered before
  the next starts): Twilio releases a long code's SMS at 1 segment a
  second (toll-free 3, short codes 30+; WhatsApp senders 10 messages a second
  by default). A garage with a faster sender sets ``twilio_sms_per_second`` /
  ``twilio_whatsapp_per_second`` in its settings. The Messages API has no
  idempotency key (a create retried after a lost answer may send twice), so
  the dispatcher stores the returned sid at once and never re-sends a row
  that has one.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

from garagebot.core.clientlookup import DeliveryContext
from garagebot.core.dispatch import Pacer
from garagebot.core.enums import Channel
from garagebot.core.messaging import template_for
from garagebot.core.ports import (
    Clock,
    OutboundMessage,
    PermanentSendError,
    SendResult,
    TransientSendError,
)
from garagebot.webhooks import sms
from garagebot.webhooks.common import Texts, numbered, window_open
from garagebot.webhooks.twilio.api import TwilioApi, TwilioApiError
from garagebot.webhooks.twilio.parse import WHATSAPP_PREFIX

STATUS_PATH = "/webhooks/twilio/status"
SMS_PER_SECOND, WHATSAPP_PER_SECOND = 1.0, 10.0

# Shortens a link for a garage: (organization id, long URL) → short URL.
Shortener = Callable[[int, str], Awaitable[str]]


class TwilioSender:
    def __init__(self, api: TwilioApi, texts: Texts, clock: Clock, *, public_url: str | None,
                 shortener: Shortener | None = None, max_segments: int = sms.MAX_SEGMENTS,
                 pacer: Pacer | None = None) -> None:
        self.api = api
        self.pacer = pacer or Pacer()
        self.texts = texts
        self.clock = clock
        self.public_url = public_url.rstrip("/") if public_url else None
        self.shortener = shortener
        self.max_segments = max_segments

    async def deliver(self, ctx: DeliveryContext, message: OutboundMessage) -> SendResult:
        if message.channel is Channel.SMS:
            return await self._sms(ctx, message)
        return await self._whatsapp(ctx, message)

    def _base(self, sender: str, to: str) -> dict[str, str]:
        form = {"From": sender, "To": to}
        if self.public_url:
            form["StatusCallback"] = f"{self.public_url}{STATUS_PATH}"
        return form

    def _text(self, message: OutboundMessage) -> str:
        intro = self.texts.render(message.locale, "client.numbered_options")
        return numbered(message.text, message.choices, intro)

    async def _sms(self, ctx: DeliveryContext, message: OutboundMessage) -> SendResult:
        assert ctx.sms_number is not None
        text = self._text(message)
        if self.shortener is not None:
            shortener = self.shortener
            text = await sms.shorten_links(text, lambda url: shortener(ctx.organization_id, url))
        sid = ""
        rate = _rate(ctx, "twilio_sms_per_second", SMS_PER_SECOND)
        for index, part in enumerate(sms.split(sms.plain_punctuation(text), self.max_segments)):
            form = {**self._base(ctx.sms_number, message.recipient), "Body": part}
            sid = await self._create(form, rate, defer=index == 0, priority=message.priority)
        return SendResult(sid)

    async def _whatsapp(self, ctx: DeliveryContext, message: OutboundMessage) -> SendResult:
        assert ctx.whatsapp_number is not None
        form = self._base(f"{WHATSAPP_PREFIX}{ctx.whatsapp_number}", f"{WHATSAPP_PREFIX}{message.recipient}")
        if window_open(ctx, self.clock.now()):
            form["Body"] = self._text(message)
        else:
            template = template_for(ctx.settings, ctx.key, message.locale)
            if template is None:
                raise PermanentSendError(
                    f"outside the WhatsApp 24-hour window and no approved template for {ctx.key}")
            form["ContentSid"] = template.name
            form["ContentVariables"] = json.dumps(
                {str(n): str(ctx.params.get(p, "")) for n, p in enumerate(template.params, 1)},
                ensure_ascii=False)
        return SendResult(await self._create(
            form, _rate(ctx, "twilio_whatsapp_per_second", WHATSAPP_PER_SECOND),
            priority=message.priority))

    async def _create(self, form: dict[str, str], rate: float, *, defer: bool = True,
                      priority: int = 0) -> str:
        try:
            # One call at a time per sending number, answered before the next starts.
            async with self.pacer.turn(f"twilio:{form['From']}", rate, defer=defer, priority=priority):
                created = await self.api.create_message(form)
        except TwilioApiError as exc:
            if exc.transient:
                raise TransientSendError(str(exc), retry_after_seconds=exc.retry_after) from exc
            raise PermanentSendError(f"twilio error {exc.code}: {exc.message}") from exc
        return str(created["sid"])


def _rate(ctx: DeliveryContext, setting: str, default: float) -> float:
    """The garage's messages a second for this sender (its setting, else Twilio's default)."""
    value = ctx.settings.get(setting)
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return float(value)
    return default

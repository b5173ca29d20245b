"""Client messages through the Meta Cloud API (POST /{phone-number-id}/messages).

Within 24 hours of the client's last message: a text, or with choices
interactive reply buttons (at most 3, titles cut to 20 characters) or a list
(at most 10 rows, titles cut to 24); more choices, or a body too long for an
interactive message, go as text with numbered options. Outside the window:
the garage's approved template for the message (name, language, body
parameters) or nothing (PermanentSendError). Throttling and server errors
are transient; other refusals permanent, with Meta's error code.

Paced per phone-number id: Cloud API takes 80 messages a second per business
number by default (error 130429 beyond); a garage upgraded by Meta sets
``meta_messages_per_second``. Sending has no idempotency key, so the
dispatcher stores the returned wamid at once and never re-sends a row that has one.
"""

from __future__ import annotations

from collections.abc import Sequence

from garagebot.core.clientlookup import DeliveryContext
from garagebot.core.dispatch import Pacer
from garagebot.core.messaging import template_for
from garagebot.core.ports import (
    Clock,
    OutboundMessage,
    PermanentSendError,
    SendResult,
    TransientSendError,
)
from garagebot.webhooks.common import Texts, numbered, window_open
from garagebot.webhooks.meta.api import MetaApi, MetaApiError

MAX_BUTTONS, BUTTON_TITLE = 3, 20
MAX_ROWS, ROW_TITLE, LIST_BUTTON = 10, 24, 20
INTERACTIVE_BODY, TEXT_BODY = 1024, 4096
PER_SECOND = 80.0
THROUGHPUT_CODE = 130429


def fit(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def buttons(body: str, choices: Sequence[tuple[str, str]]) -> dict[str, object]:
    return {"type": "interactive", "interactive": {
        "type": "button", "body": {"text": body},
        "action": {"buttons": [{"type": "reply", "reply": {"id": cid, "title": fit(label, BUTTON_TITLE)}}
                               for cid, label in choices]},
    }}


def listing(body: str, choices: Sequence[tuple[str, str]], button: str) -> dict[str, object]:
    return {"type": "interactive", "interactive": {
        "type": "list", "body": {"text": body},
        "action": {"button": fit(button, LIST_BUTTON), "sections": [{"rows": [
            {"id": cid, "title": fit(label, ROW_TITLE)} for cid, label in choices]}]},
    }}


class MetaSender:
    def __init__(self, api: MetaApi, texts: Texts, clock: Clock, pacer: Pacer | None = None) -> None:
        self.api = api
        self.pacer = pacer or Pacer()
        self.texts = texts
        self.clock = clock

    async def deliver(self, ctx: DeliveryContext, message: OutboundMessage) -> SendResult:
        assert ctx.meta_phone_number_id is not None
        if window_open(ctx, self.clock.now()):
            content = self._session_message(message)
        else:
            content = self._template(ctx, message)
        payload = {"messaging_product": "whatsapp", "recipient_type": "individual",
                   "to": message.recipient.lstrip("+"), **content}
        lane = f"meta:{ctx.meta_phone_number_id}"
        rate = _rate(ctx.settings.get("meta_messages_per_second"))
        await self.pacer.acquire(lane, rate, burst=rate, priority=message.priority)
        try:
            return SendResult(await self.api.send(ctx.meta_phone_number_id, payload))
        except MetaApiError as exc:
            if exc.code == THROUGHPUT_CODE or exc.status == 429:
                self.pacer.block(lane, 1.0)
            if exc.transient:
                raise TransientSendError(str(exc)) from exc
            raise PermanentSendError(f"meta error {exc.code}: {exc.message}") from exc

    def _session_message(self, message: OutboundMessage) -> dict[str, object]:
        choices, text = message.choices, message.text
        if choices and len(text) <= INTERACTIVE_BODY:
            if len(choices) <= MAX_BUTTONS:
                return buttons(text, choices)
            if len(choices) <= MAX_ROWS:
                return listing(text, choices, self.texts.render(message.locale, "client.list_button"))
        if choices:
            text = numbered(text, choices, self.texts.render(message.locale, "client.numbered_options"))
        return {"type": "text", "text": {"body": fit(text, TEXT_BODY), "preview_url": "http" in text}}

    @staticmethod
    def _template(ctx: DeliveryContext, message: OutboundMessage) -> dict[str, object]:
        template = template_for(ctx.settings, ctx.key, message.locale)
        if template is None:
            raise PermanentSendError(
                f"outside the WhatsApp 24-hour window and no approved template for {ctx.key}")
        body: dict[str, object] = {"name": template.name, "language": {"code": template.language}}
        if template.params:
            body["components"] = [{"type": "body", "parameters": [
                {"type": "text", "text": str(ctx.params.get(p, ""))} for p in template.params]}]
        return {"type": "template", "template": body}


def _rate(value: object) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return float(value)
    return PER_SECOND

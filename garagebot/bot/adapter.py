"""One Telegram update through the engine: parse → ``Engine.handle`` → the
few things only the transport can do (answer the button press, deliver a
refusal to someone with no garage). Webhook and long polling both call
``TelegramAdapter.process``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from garagebot.bot.api import TelegramApi, TelegramApiError
from garagebot.bot.parse import ParsedUpdate, parse_update
from garagebot.bot.sender import TelegramTransport
from garagebot.conversations.engine import Engine
from garagebot.conversations.types import Handled, Inbound, Outcome, Reply
from garagebot.core import logcontext
from garagebot.core.errors import DomainError
from garagebot.core.i18n import Translator
from garagebot.core.ports import Clock, PermanentSendError, TransientSendError

log = logging.getLogger(__name__)

REFUSAL_LANGUAGES = ("en", "ar")


class TelegramAdapter:
    def __init__(self, engine: Engine, transport: TelegramTransport, api: TelegramApi,
                 translator: Translator, clock: Clock) -> None:
        self.engine = engine
        self.transport = transport
        self.api = api
        self.translator = translator
        self.clock = clock

    async def process(self, raw: Mapping[str, object]) -> Handled | None:
        """Handle one update; None for kinds we do not handle. ValueError for a
        body that is not an update; other exceptions mean "not processed, redeliver"."""
        parsed = parse_update(raw, self.clock.now())
        if parsed is None:
            return None
        try:
            handled = await self._handle(parsed)
        finally:
            if parsed.callback_query_id is not None:
                await self._answer(parsed.callback_query_id)
        if handled is not None and handled.outcome is Outcome.REFUSED and parsed.inbound is not None:
            await self._refuse(parsed.inbound, handled.replies)
        return handled

    async def _handle(self, parsed: ParsedUpdate) -> Handled | None:
        if parsed.inbound is None:
            return None
        logcontext.bind(message_id=parsed.inbound.event_id, chat_id=parsed.inbound.chat)
        return await self.engine.handle(parsed.inbound)

    async def _answer(self, callback_query_id: str) -> None:
        """Stop the button's spinner. Best effort: an old query cannot be answered."""
        try:
            await self.api.call("answerCallbackQuery", {"callback_query_id": callback_query_id},
                                timeout_seconds=10)
        except TelegramApiError as exc:
            log.info("could not answer callback query %s: %s", callback_query_id, exc)

    def refusal_text(self, inbound: Inbound, replies: Sequence[Reply]) -> str:
        """The replies in both languages, the sender's own (as Telegram reports it) first."""
        languages = list(REFUSAL_LANGUAGES)
        if inbound.language_hint and inbound.language_hint.lower().startswith("ar"):
            languages.reverse()
        return "\n\n".join(
            self.translator.render(lang, r.key, r.params) for lang in languages for r in replies
        )

    async def _refuse(self, inbound: Inbound, replies: Sequence[Reply]) -> None:
        """Deliver a refusal directly (there is no garage whose outbox could hold it)."""
        try:
            await self.transport.send_text(inbound.reply_to, self.refusal_text(inbound, replies))
        except (TransientSendError, PermanentSendError, DomainError) as exc:
            log.warning("could not deliver a refusal to %s: %s", inbound.reply_to, exc)

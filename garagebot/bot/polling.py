"""Long polling for development (``garagebot serve --telegram-polling``):
``getUpdates`` in a loop, each update through the same ``process`` as the
webhook. The offset moves past an update only once it was processed, so an
update whose processing failed (the database was away) is fetched again,
as Telegram would redeliver it to a webhook.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping

from garagebot.bot.api import TelegramApi, TelegramApiError

log = logging.getLogger(__name__)

POLL_UPDATES = ("message", "edited_message", "callback_query")

Process = Callable[[Mapping[str, object]], Awaitable[object]]


async def _fetch(api: TelegramApi, offset: int | None, poll_seconds: int) -> list[Mapping[str, object]]:
    payload: dict[str, object] = {"timeout": poll_seconds, "allowed_updates": list(POLL_UPDATES)}
    if offset is not None:
        payload["offset"] = offset
    result = await api.call("getUpdates", payload, timeout_seconds=poll_seconds + 10)
    if not isinstance(result, list):
        raise TelegramApiError("getUpdates", 502, "result is not a list")
    return [u for u in result if isinstance(u, dict) and isinstance(u.get("update_id"), int)]


async def run_polling(
    api: TelegramApi,
    process: Process,
    *,
    poll_seconds: int = 25,
    pause_seconds: float = 5.0,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> None:
    """Poll until cancelled. Removes any webhook first (Telegram allows one or the other)."""
    await api.call("deleteWebhook", {"drop_pending_updates": False})
    offset: int | None = None
    while True:
        try:
            updates = await _fetch(api, offset, poll_seconds)
        except TelegramApiError as exc:
            log.warning("getUpdates failed: %s", exc)
            await sleep(exc.retry_after or pause_seconds)
            continue
        for update in updates:
            try:
                await process(update)
            except Exception:  # the poller's one logged catch-all: fetch the update again later
                log.exception("telegram update %s was not processed", update.get("update_id"))
                await sleep(pause_seconds)
                break
            offset = int(str(update["update_id"])) + 1

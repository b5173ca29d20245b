"""Files staff send in Telegram, fetched on demand (getFile, then the file URL).
The Bot API hands out files of up to 20 MB."""

from __future__ import annotations

import logging

from garagebot.bot.api import TelegramApi, TelegramApiError
from garagebot.conversations.types import MediaRef
from garagebot.core.errors import InvalidInput

log = logging.getLogger(__name__)

MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024


class TelegramMedia:
    """The MediaSource of channel telegram."""

    def __init__(self, api: TelegramApi) -> None:
        self.api = api

    async def fetch(self, ref: MediaRef) -> bytes:
        if ref.size is not None and ref.size > MAX_DOWNLOAD_BYTES:
            raise InvalidInput("error.media_unavailable", kind=ref.kind.value)
        try:
            return await self.api.download(ref.provider_file_id)
        except TelegramApiError as exc:
            log.warning("could not fetch telegram file %s: %s", ref.provider_file_id, exc)
            raise InvalidInput("error.media_unavailable", kind=ref.kind.value) from exc

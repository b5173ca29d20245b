"""Files clients send by SMS (MMS) or WhatsApp through Twilio, fetched from MediaUrlN."""

from __future__ import annotations

import logging

from garagebot.conversations.types import MediaRef
from garagebot.core.errors import InvalidInput
from garagebot.core.work.media import MAX_MEDIA_BYTES
from garagebot.webhooks.twilio.api import TwilioApi, TwilioApiError

log = logging.getLogger(__name__)


class TwilioMedia:
    """The media source of provider ``twilio``: ``provider_file_id`` is the MediaUrl."""

    def __init__(self, api: TwilioApi) -> None:
        self.api = api

    async def fetch(self, ref: MediaRef) -> bytes:
        try:
            data, _ = await self.api.download(ref.provider_file_id, max_bytes=MAX_MEDIA_BYTES)
        except TwilioApiError as exc:
            log.warning("could not fetch twilio media %s: %s", ref.provider_file_id, exc)
            raise InvalidInput("error.media_unavailable", kind=ref.kind.value) from exc
        return data

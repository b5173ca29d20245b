"""Files clients send on WhatsApp through Meta, fetched by media id."""

from __future__ import annotations

import logging

from garagebot.conversations.types import MediaRef
from garagebot.core.errors import InvalidInput
from garagebot.core.work.media import MAX_MEDIA_BYTES
from garagebot.webhooks.meta.api import MetaApi, MetaApiError

log = logging.getLogger(__name__)


class MetaMedia:
    """The media source of provider ``meta``: ``provider_file_id`` is the media id."""

    def __init__(self, api: MetaApi) -> None:
        self.api = api

    async def fetch(self, ref: MediaRef) -> bytes:
        try:
            return await self.api.download(ref.provider_file_id, max_bytes=MAX_MEDIA_BYTES)
        except MetaApiError as exc:
            log.warning("could not fetch meta media %s: %s", ref.provider_file_id, exc)
            raise InvalidInput("error.media_unavailable", kind=ref.kind.value) from exc

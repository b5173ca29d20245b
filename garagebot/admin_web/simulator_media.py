"""Photos attached in the console's chat simulator: stored through the
storage port under ``simulator/<garage>/…`` and fetched back by the engines
as the "console" provider's files (only under that prefix)."""

from __future__ import annotations

import uuid

from garagebot.conversations.types import MediaKind, MediaRef
from garagebot.core.errors import InvalidInput
from garagebot.core.ports import FileStorage

PREFIX = "simulator/"
PHOTO_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
MAX_PHOTO_BYTES = 10 * 1024 * 1024


class StoredMedia:
    """A ``MediaSource`` reading the simulator's uploads back from storage."""

    def __init__(self, storage: FileStorage) -> None:
        self.storage = storage

    async def fetch(self, ref: MediaRef) -> bytes:
        if not ref.provider_file_id.startswith(PREFIX):
            raise InvalidInput("error.media_unavailable", kind=ref.kind.value)
        return await self.storage.get(ref.provider_file_id)


async def store_photo(storage: FileStorage, org_id: int, data: bytes, content_type: str) -> MediaRef:
    """Keep an uploaded photo; the reference an inbound message carries."""
    if content_type not in PHOTO_TYPES:
        raise InvalidInput("console_floor.sim.photo_kind")
    if len(data) > MAX_PHOTO_BYTES:
        raise InvalidInput("console_floor.sim.photo_too_big")
    key = f"{PREFIX}{org_id}/{uuid.uuid4().hex}"
    await storage.put(key, data, content_type)
    return MediaRef(MediaKind.PHOTO, key, mime_type=content_type, size=len(data))

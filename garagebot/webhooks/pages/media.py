"""GET /m/{token}: a photo the garage marked visible to the client, behind a
signed, expiring path (the pages embed these; nothing else is served)."""

from __future__ import annotations

from aiohttp import web

from garagebot.core.client_pages import client_file
from garagebot.core.errors import NotFound
from garagebot.core.ids import MediaId
from garagebot.core.links import read_token
from garagebot.webhooks.pages.room import MEDIA, PagesRoom


class MediaHandlers:
    def __init__(self, room: PagesRoom) -> None:
        self.room = room

    async def show(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        self.room.limit(request, token)
        max_age = self.room.config.media_link_hours * 3600
        media_id = read_token(self.room.config.secret, MEDIA, token, max_age, now=self.room.now(request))
        deps = self.room.deps(request)
        async with deps.db.read() as session:
            found = await client_file(session, MediaId(media_id))
        if found is None:
            raise NotFound("error.link_invalid")
        try:
            body = await deps.storage.get(found.storage_key)
        except (FileNotFoundError, KeyError) as exc:
            raise NotFound("error.link_invalid") from exc
        return web.Response(body=body, content_type=found.content_type, headers={
            "Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'", "Referrer-Policy": "no-referrer",
        })

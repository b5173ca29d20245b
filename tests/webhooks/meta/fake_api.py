"""A local fake of the Graph API's WhatsApp endpoints that records every call.

``POST /v21.0/{phone-number-id}/messages`` checks the bearer token and answers
like Meta (``messages[0].id`` a wamid), or with the refusal queued by
``refuse`` (Meta's error JSON). ``GET /v21.0/{media-id}`` answers the media
URL, and ``GET /media-files/{media-id}`` serves the bytes put in ``media``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from aiohttp import web

ACCESS_TOKEN = "meta-access-token-for-tests"  # noqa: S105 (a test value)


@dataclass(frozen=True)
class Sent:
    phone_number_id: str
    payload: dict[str, object]
    wamid: str | None


@dataclass(frozen=True)
class Refusal:
    status: int
    code: int
    message: str


class FakeGraphApi:
    def __init__(self) -> None:
        self.sent: list[Sent] = []
        self.media: dict[str, tuple[bytes, str]] = {}
        self.media_requests: list[str] = []
        self.refusals: list[Refusal] = []
        self._ids = itertools.count(1)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v21.0/{phone_number_id}/messages", self._send)
        app.router.add_get("/v21.0/{media_id}", self._media_info)
        app.router.add_get("/media-files/{media_id}", self._media_file)
        return app

    def refuse(self, status: int, code: int, message: str) -> None:
        self.refusals.append(Refusal(status, code, message))

    def to(self, wa_id: str) -> list[Sent]:
        return [s for s in self.sent if s.payload.get("to") == wa_id.lstrip("+")]

    def _authorized(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == f"Bearer {ACCESS_TOKEN}"

    @staticmethod
    def _error(status: int, code: int, message: str) -> web.Response:
        return web.json_response({"error": {"message": message, "type": "OAuthException", "code": code,
                                            "fbtrace_id": "AbCdEfGhIjK"}}, status=status)

    async def _send(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return self._error(401, 190, "Invalid OAuth access token.")
        payload = await request.json()
        if self.refusals:
            r = self.refusals.pop(0)
            self.sent.append(Sent(request.match_info["phone_number_id"], payload, None))
            return self._error(r.status, r.code, r.message)
        wamid = f"wamid.FAKE{next(self._ids):08d}"
        self.sent.append(Sent(request.match_info["phone_number_id"], payload, wamid))
        return web.json_response({"messaging_product": "whatsapp",
                                  "contacts": [{"input": payload.get("to"), "wa_id": payload.get("to")}],
                                  "messages": [{"id": wamid}]})

    async def _media_info(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return self._error(401, 190, "Invalid OAuth access token.")
        media_id = request.match_info["media_id"]
        if media_id not in self.media:
            return self._error(400, 100, "Invalid media id")
        data, mime = self.media[media_id]
        base = f"{request.scheme}://{request.host}"
        return web.json_response({"messaging_product": "whatsapp", "url": f"{base}/media-files/{media_id}",
                                  "mime_type": mime, "file_size": len(data), "id": media_id})

    async def _media_file(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return web.Response(status=401)
        media_id = request.match_info["media_id"]
        self.media_requests.append(media_id)
        data, mime = self.media[media_id]
        return web.Response(body=data, content_type=mime.split(";")[0])

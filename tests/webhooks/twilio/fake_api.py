"""A local fake of Twilio's REST API that records every call.

``POST /2010-04-01/Accounts/{sid}/Messages.json`` checks basic auth and
answers 201 with a message resource (``sid`` SM…), or the refusal queued with
``refuse`` (Twilio's error JSON: code, message, status). ``GET /media/{name}``
serves files put in ``media`` (behind the same basic auth), like MediaUrlN.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from aiohttp import web

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "twilio-auth-token-for-tests"  # noqa: S105 (a test value)


@dataclass(frozen=True)
class Refusal:
    status: int
    code: int
    message: str


class FakeTwilioApi:
    def __init__(self) -> None:
        self.messages: list[dict[str, str]] = []
        self.media: dict[str, tuple[bytes, str]] = {}
        self.media_requests: list[str] = []
        self.refusals: list[Refusal] = []
        self._ids = itertools.count(1)
        self._created = asyncio.Condition()  # notified at every message the API is asked to send

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", self._create)
        app.router.add_get("/media/{name}", self._media)
        return app

    def refuse(self, status: int, code: int, message: str, times: int = 1) -> None:
        self.refusals.extend([Refusal(status, code, message)] * times)

    def to(self, address: str) -> list[dict[str, str]]:
        """Messages sent to ``address`` (other tests' recipients share the fake)."""
        return [m for m in self.messages if m.get("To") == address]

    async def wait_until(self, predicate: Callable[[], bool], what: str, seconds: float = 20.0) -> None:
        """Until ``predicate`` holds over the messages received (woken by each one)."""
        async with self._created:
            try:
                await asyncio.wait_for(self._created.wait_for(predicate), seconds)
            except TimeoutError:
                raise AssertionError(f"never happened: {what}") from None

    async def _received(self, form: dict[str, str]) -> None:
        async with self._created:
            self.messages.append(form)
            self._created.notify_all()

    def _authorized(self, request: web.Request) -> bool:
        expected = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
        return request.headers.get("Authorization") == f"Basic {expected}"

    async def _create(self, request: web.Request) -> web.Response:
        if not self._authorized(request) or request.match_info["sid"] != ACCOUNT_SID:
            return web.json_response({"code": 20003, "message": "Authenticate", "status": 401}, status=401)
        form = {k: str(v) for k, v in (await request.post()).items()}
        if self.refusals:
            await self._received(form)
            r = self.refusals.pop(0)
            return web.json_response({"code": r.code, "message": r.message, "status": r.status,
                                      "more_info": f"https://www.twilio.com/docs/errors/{r.code}"},
                                     status=r.status)
        sid = f"SM{next(self._ids):032x}"
        await self._received({**form, "Sid": sid})  # "Sid": what we answered, for the tests
        return web.json_response(_resource(sid, form), status=201)

    async def _media(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return web.Response(status=401)
        name = request.match_info["name"]
        self.media_requests.append(name)
        if name not in self.media:
            return web.Response(status=404)
        data, content_type = self.media[name]
        return web.Response(body=data, content_type=content_type)


def _resource(sid: str, form: Mapping[str, str]) -> dict[str, object]:
    return {"sid": sid, "account_sid": ACCOUNT_SID, "status": "queued", "to": form.get("To"),
            "from": form.get("From"), "body": form.get("Body"), "num_segments": "1",
            "api_version": "2010-04-01", "error_code": None, "error_message": None}

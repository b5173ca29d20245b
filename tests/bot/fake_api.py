"""A local fake of the Telegram Bot API that records every call.

It answers like Telegram (``{"ok": true, "result": …}``), numbers sent
messages per chat, serves files for ``getFile``, and can be told to refuse
the next calls of a method (a 429 with ``retry_after``, a 403, a 400 …).
``getUpdates`` hands out queued updates and otherwise waits for more.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import cast

from aiohttp import BodyPartReader, web

TOKEN = "123456:TEST-token"  # noqa: S105 (a test value)


@dataclass(frozen=True)
class Call:
    method: str
    payload: Mapping[str, object]
    files: Mapping[str, bytes] = field(default_factory=dict)


@dataclass(frozen=True)
class Refusal:
    status: int
    description: str
    retry_after: int | None = None


class FakeBotApi:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.refusals: dict[str, list[Refusal]] = {}
        self.updates: list[dict[str, object]] = []
        self.update_added = asyncio.Condition()
        self.files: dict[str, bytes] = {}
        self.called = asyncio.Condition()
        self._ids = itertools.count(1000)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._file)
        return app

    def refuse(self, method: str, status: int, description: str, retry_after: int | None = None,
               times: int = 1) -> None:
        self.refusals.setdefault(method, []).extend([Refusal(status, description, retry_after)] * times)

    def of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def to_chat(self, chat: int, method: str = "sendMessage") -> list[Call]:
        """The calls of ``method`` for one chat (other tests' chats share the fake)."""
        return [c for c in self.of(method) if str(c.payload.get("chat_id")) == str(chat)]

    def texts(self, chat: int) -> list[str]:
        return [str(c.payload["text"]) for c in self.to_chat(chat)]

    async def wait_for(self, method: str, count: int = 1) -> list[Call]:
        async with self.called:
            await asyncio.wait_for(self.called.wait_for(lambda: len(self.of(method)) >= count), 10)
        return self.of(method)

    async def _payload(self, request: web.Request) -> tuple[dict[str, object], dict[str, bytes]]:
        if request.content_type == "multipart/form-data":
            fields: dict[str, object] = {}
            files: dict[str, bytes] = {}
            reader = await request.multipart()
            async for part in reader:
                if not isinstance(part, BodyPartReader):
                    continue
                data = await part.read()
                if part.filename:
                    files[str(part.name)] = bytes(data)
                else:
                    fields[str(part.name)] = bytes(data).decode()
            return fields, files
        body = await request.read()
        return (cast(dict[str, object], json.loads(body)) if body else {}), {}

    async def _method(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != TOKEN:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"},
                                     status=401)
        method = request.match_info["method"]
        payload, files = await self._payload(request)
        async with self.called:
            self.calls.append(Call(method, payload, files))
            self.called.notify_all()
        pending = self.refusals.get(method)
        if pending:
            refusal = pending.pop(0)
            body: dict[str, object] = {"ok": False, "error_code": refusal.status,
                                       "description": refusal.description}
            if refusal.retry_after is not None:
                body["parameters"] = {"retry_after": refusal.retry_after}
            return web.json_response(body, status=refusal.status)
        return web.json_response({"ok": True, "result": await self._result(method, payload)})

    async def _result(self, method: str, payload: Mapping[str, object]) -> object:
        if method in ("sendMessage", "sendPhoto", "sendDocument", "sendVoice"):
            return {"message_id": next(self._ids), "chat": {"id": int(str(payload["chat_id"]))},
                    "date": 1795413600}
        if method == "editMessageText":
            return {"message_id": payload["message_id"]}
        if method == "getFile":
            return {"file_id": payload["file_id"], "file_path": f"photos/{payload['file_id']}.jpg"}
        if method == "getUpdates":
            return await self._updates(int(str(payload.get("offset") or 0)),
                                       float(str(payload.get("timeout") or 0)))
        return True

    async def add_update(self, update: dict[str, object]) -> None:
        async with self.update_added:
            self.updates.append(update)
            self.update_added.notify_all()

    async def _updates(self, offset: int, wait: float) -> list[dict[str, object]]:
        """Updates from ``offset`` on, waiting for one (long polling) up to ``wait``
        seconds, at most half a second so that stopping the fake never waits long."""
        wait = min(wait, 0.5)
        def due() -> list[dict[str, object]]:
            return [u for u in self.updates if int(str(u["update_id"])) >= offset]

        async with self.update_added:
            try:
                await asyncio.wait_for(self.update_added.wait_for(lambda: bool(due())), wait)
            except TimeoutError:
                return []
        return due()

    async def _file(self, request: web.Request) -> web.Response:
        name = request.match_info["path"].rsplit("/", 1)[-1].removesuffix(".jpg")
        data = self.files.get(name)
        return web.Response(body=data) if data is not None else web.Response(status=404)

"""What every provider webhook does with a request before it parses it: read
the whole body up to a limit (413 beyond it), and decode JSON bounded in
depth, with what no database can store replaced (``core.normalize.storable``),
so that an authentic delivery is recorded whatever its text."""

from __future__ import annotations

from aiohttp import StreamReader, web

from garagebot.core.jsonable import load_json
from garagebot.core.normalize import storable

READ_CHUNK = 64 * 1024


async def read_capped(stream: StreamReader, limit: int) -> bytes:
    """A stream's bytes to its end, however many reads they arrive in, but
    no more than ``limit`` + 1: a longer result means "too long"."""
    parts: list[bytes] = []
    size = 0
    while size <= limit and (chunk := await stream.read(min(READ_CHUNK, limit + 1 - size))):
        size += len(chunk)
        parts.append(chunk)
    return b"".join(parts)


async def read_body(request: web.Request, limit: int) -> bytes:
    """The whole request body; HTTPRequestEntityTooLarge (413) when it is longer than ``limit``."""
    if request.content_length is not None and request.content_length > limit:
        raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=request.content_length)
    body = await read_capped(request.content, limit)
    if len(body) > limit:
        raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=len(body))
    return body


def json_object(body: bytes) -> dict[str, object]:
    """A JSON object body, made storable; ValueError when it is not one."""
    raw = storable(load_json(body))
    if not isinstance(raw, dict):
        raise ValueError("not a JSON object")
    return raw

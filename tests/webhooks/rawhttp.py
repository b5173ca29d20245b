"""An HTTP/1.1 request written byte for byte (headers that are not UTF-8,
paths no client library would send), for the webhooks' hostile-input tests."""

from __future__ import annotations

import asyncio

from aiohttp import web
from aiohttp.test_utils import TestClient


async def raw_request(client: TestClient[web.Request, web.Application], method: str, path: bytes,
                      headers: dict[bytes, bytes], body: bytes = b"") -> int:
    """Send the request as given to the test server; the response's status code."""
    server = client.server
    reader, writer = await asyncio.open_connection(server.host, server.port)
    lines = [method.encode() + b" " + path + b" HTTP/1.1", b"Host: " + server.host.encode(),
             b"Content-Length: " + str(len(body)).encode(), b"Connection: close"]
    lines += [name + b": " + value for name, value in headers.items()]
    writer.write(b"\r\n".join(lines) + b"\r\n\r\n" + body)
    await writer.drain()
    status_line = await reader.readline()
    writer.close()
    await writer.wait_closed()
    return int(status_line.split()[1])

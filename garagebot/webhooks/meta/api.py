"""A thin client of the Graph API's WhatsApp endpoints: send a message,
look up and download a media file. The base URL is a setting
(``GARAGEBOT_META_API_URL``) so tests and staging talk to a local fake."""

from __future__ import annotations

import re
from collections.abc import Mapping

import aiohttp

from garagebot.webhooks.inbound import read_capped

DEFAULT_API_URL = "https://graph.facebook.com"
GRAPH_VERSION = "v21.0"
_VERSIONED = re.compile(r"/v[0-9]+\.[0-9]+$")

# Graph error codes worth retrying: throttling and temporary failures.
TRANSIENT_CODES = frozenset({1, 2, 4, 80007, 130429, 131000, 131016, 131056, 133004})


class MetaApiError(Exception):
    """The Graph API refused a call (``status`` 0: it could not be reached)."""

    def __init__(self, status: int, code: int | None, message: str) -> None:
        super().__init__(f"meta {status} (code {code}): {message}")
        self.status = status
        self.code = code
        self.message = message

    @property
    def transient(self) -> bool:
        return self.status in (0, 429) or self.status >= 500 or self.code in TRANSIENT_CODES


class MetaApi:
    """One access token's calls. The HTTP session is the caller's."""

    def __init__(self, session: aiohttp.ClientSession, access_token: str,
                 base_url: str = DEFAULT_API_URL, *, timeout_seconds: float = 15.0) -> None:
        self._session = session
        self._headers = {"Authorization": f"Bearer {access_token}"}
        base = base_url.rstrip("/")
        # GARAGEBOT_META_API_URL may name the version (its default does): never twice.
        self._base = base if _VERSIONED.search(base) else f"{base}/{GRAPH_VERSION}"
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)

    async def _call(
        self, method: str, path: str, payload: Mapping[str, object] | None = None
    ) -> dict[str, object]:
        try:
            async with self._session.request(method, f"{self._base}/{path}", json=payload,
                                             headers=self._headers, timeout=self._timeout) as resp:
                body = await resp.json(content_type=None)
                status = resp.status
        except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
            raise MetaApiError(0, None, f"{type(exc).__name__}: {exc}") from exc
        if status == 200 and isinstance(body, dict):
            return body
        error = body.get("error") if isinstance(body, dict) else None
        info = error if isinstance(error, dict) else {}
        code = info.get("code")
        message = str(info.get("message") or "")
        raise MetaApiError(status, int(code) if isinstance(code, int) else None, message)

    async def send(self, phone_number_id: str, payload: Mapping[str, object]) -> str:
        """POST /{phone-number-id}/messages; the message id (wamid) Meta gives it."""
        body = await self._call("POST", f"{phone_number_id}/messages", payload)
        messages = body.get("messages")
        if isinstance(messages, list) and messages and isinstance(messages[0], dict):
            wamid = messages[0].get("id")
            if isinstance(wamid, str):
                return wamid
        raise MetaApiError(200, None, "no message id in the answer")

    async def download(self, media_id: str, *, max_bytes: int) -> bytes:
        """The bytes of a media file a client sent (its URL first, then the file)."""
        info = await self._call("GET", media_id)
        url = info.get("url")
        if not isinstance(url, str):
            raise MetaApiError(200, None, "no media url")
        try:
            async with self._session.get(url, headers=self._headers, timeout=self._timeout) as resp:
                if resp.status != 200:
                    raise MetaApiError(resp.status, None, "media download failed")
                data = await read_capped(resp.content, max_bytes)
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise MetaApiError(0, None, f"{type(exc).__name__}: {exc}") from exc
        if len(data) > max_bytes:
            raise MetaApiError(413, None, "media too large")
        return data

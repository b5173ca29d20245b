"""A thin Bot API client: ``call(method, payload)`` over aiohttp.

The base URL is a setting (``GARAGEBOT_TELEGRAM_API_URL``) so tests and
staging talk to a local fake. Errors keep what the caller needs to decide:
the HTTP status, Telegram's description and ``retry_after`` of a 429.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

import aiohttp

DEFAULT_API_URL = "https://api.telegram.org"


class TelegramApiError(Exception):
    """The Bot API refused a call (``status`` 0: it could not be reached)."""

    def __init__(self, method: str, status: int, description: str,
                 retry_after: float | None = None) -> None:
        super().__init__(f"{method}: {status} {description}")
        self.method = method
        self.status = status
        self.description = description
        self.retry_after = retry_after

    @property
    def transient(self) -> bool:
        """Worth retrying later: flood control, a server error, no connection, a bad token."""
        return self.status in (0, 401, 429) or self.status >= 500


class TelegramApi:
    """Calls one bot's methods. The session is the caller's (made inside the app's startup)."""

    def __init__(self, session: aiohttp.ClientSession, token: str, base_url: str = DEFAULT_API_URL,
                 *, timeout_seconds: float = 30.0) -> None:
        self._session = session
        self._token = token
        self._base = base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)

    async def call(self, method: str, payload: Mapping[str, object] | None = None, *,
                   timeout_seconds: float | None = None,
                   form: aiohttp.FormData | None = None) -> object:
        """The method's ``result``; TelegramApiError when it is not ``ok``."""
        url = f"{self._base}/bot{self._token}/{method}"
        timeout = aiohttp.ClientTimeout(total=timeout_seconds) if timeout_seconds else self._timeout
        try:
            async with self._session.post(url, json=None if form else dict(payload or {}),
                                          data=form, timeout=timeout) as resp:
                body = await resp.json(content_type=None)
                status = resp.status
        except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
            raise TelegramApiError(method, 0, f"{type(exc).__name__}: {exc}") from exc
        if not isinstance(body, dict):
            raise TelegramApiError(method, status, "not a JSON object")
        if body.get("ok") is True:
            return cast(object, body.get("result"))
        parameters = body.get("parameters")
        retry_after = parameters.get("retry_after") if isinstance(parameters, dict) else None
        raise TelegramApiError(
            method, int(body.get("error_code") or status), str(body.get("description") or ""),
            float(retry_after) if isinstance(retry_after, int | float) else None,
        )

    async def download(self, file_id: str) -> bytes:
        """The bytes of a file someone sent (getFile, then the file URL)."""
        info = await self.call("getFile", {"file_id": file_id})
        path = info.get("file_path") if isinstance(info, dict) else None
        if not isinstance(path, str):
            raise TelegramApiError("getFile", 404, "no file_path")
        url = f"{self._base}/file/bot{self._token}/{path}"
        try:
            async with self._session.get(url, timeout=self._timeout) as resp:
                if resp.status != 200:
                    raise TelegramApiError("download", resp.status, "file download failed")
                return await resp.read()
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise TelegramApiError("download", 0, f"{type(exc).__name__}: {exc}") from exc

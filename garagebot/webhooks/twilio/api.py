"""A thin client of Twilio's REST API: create a message, download a media file.

The base URL is a setting (``GARAGEBOT_TWILIO_API_URL``) so tests and staging
talk to a local fake. Errors keep what the sender decides on: the HTTP
status and Twilio's own error code.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import cast

import aiohttp
from yarl import URL

from garagebot.webhooks.inbound import read_capped

DEFAULT_API_URL = "https://api.twilio.com"


class TwilioApiError(Exception):
    """Twilio refused a call (``status`` 0: it could not be reached)."""

    def __init__(self, status: int, code: int | None, message: str,
                 retry_after: float | None = None) -> None:
        super().__init__(f"twilio {status} (code {code}): {message}")
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after

    @property
    def transient(self) -> bool:
        """Worth trying again later: rate limited, a server error, no connection."""
        return self.status in (0, 429) or self.status >= 500


# Where MediaUrlN points: the REST API's host (also per region, api.<edge>.<region>.twilio.com).
_MEDIA_HOST = re.compile(r"^api(\.[a-z0-9-]+)*\.twilio\.com$")


class TwilioApi:
    """One account's Messages API. The HTTP session is the caller's."""

    def __init__(self, session: aiohttp.ClientSession, account_sid: str, auth_token: str,
                 base_url: str = DEFAULT_API_URL, *, timeout_seconds: float = 15.0) -> None:
        self._session = session
        self.account_sid = account_sid
        # An explicit header: aiohttp drops it when a redirect leaves Twilio's origin.
        self._auth = {"Authorization": aiohttp.encode_basic_auth(account_sid, auth_token)}
        self._base = base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)

    @property
    def messages_url(self) -> str:
        return f"{self._base}/2010-04-01/Accounts/{self.account_sid}/Messages.json"

    async def create_message(self, form: Mapping[str, str]) -> Mapping[str, object]:
        """POST Messages.json with a form body; the created message resource."""
        try:
            async with self._session.post(self.messages_url, data=dict(form), headers=self._auth,
                                          timeout=self._timeout) as resp:
                body = await resp.json(content_type=None)
                status = resp.status
                retry_after = resp.headers.get("Retry-After")
        except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
            raise TwilioApiError(0, None, f"{type(exc).__name__}: {exc}") from exc
        if status in (200, 201) and isinstance(body, dict) and isinstance(body.get("sid"), str):
            return cast(Mapping[str, object], body)
        info = body if isinstance(body, dict) else {}
        code = info.get("code")
        raise TwilioApiError(
            status, int(code) if isinstance(code, int) else None, str(info.get("message") or ""),
            float(retry_after) if retry_after and retry_after.isdigit() else None,
        )

    def media_url_allowed(self, url: str) -> bool:
        """Whether ``url`` is on Twilio's media host over https (or on the
        configured API's own origin, which is how tests reach a local fake)."""
        try:
            target = URL(url)
            if not target.absolute or target.user is not None:
                return False
            if target.origin() == URL(self._base).origin():
                return True
        except ValueError:
            return False
        return target.scheme == "https" and target.port == 443 and bool(_MEDIA_HOST.match(target.host or ""))

    async def download(self, url: str, *, max_bytes: int) -> tuple[bytes, str | None]:
        """The bytes and content type at a MediaUrl (Twilio redirects to storage;
        the credentials are only sent to Twilio's own host). A URL elsewhere is
        refused unfetched: a form's MediaUrl must not take our credentials away."""
        if not self.media_url_allowed(url):
            raise TwilioApiError(403, None, "not a Twilio media URL")
        try:
            async with self._session.get(url, headers=self._auth, timeout=self._timeout) as resp:
                if resp.status != 200:
                    raise TwilioApiError(resp.status, None, "media download failed")
                if resp.content_length is not None and resp.content_length > max_bytes:
                    raise TwilioApiError(413, None, "media too large")
                data = await read_capped(resp.content, max_bytes)
                if len(data) > max_bytes:
                    raise TwilioApiError(413, None, "media too large")
                return data, resp.headers.get("Content-Type")
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise TwilioApiError(0, None, f"{type(exc).__name__}: {exc}") from exc

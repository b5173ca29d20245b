"""X-Twilio-Signature: HMAC-SHA1 (base64) with the account's auth token over
the public URL Twilio called and every form parameter, sorted by name
(twilio's ``RequestValidator``, which compares in constant time).

The URL is ``GARAGEBOT_PUBLIC_URL`` + the request's path and query, because
behind a proxy the request's own URL is not what Twilio signed.
"""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web
from twilio.request_validator import RequestValidator

SIGNATURE_HEADER = "X-Twilio-Signature"


def signed_url(request: web.Request, public_url: str | None) -> str:
    """The URL Twilio signed: the public base URL with this request's path and query."""
    if public_url:
        return f"{public_url.rstrip('/')}{request.path_qs}"
    return str(request.url)


def verified(validator: RequestValidator, url: str, params: Mapping[str, object], signature: str) -> bool:
    """Whether ``signature`` is Twilio's for ``url`` and ``params``."""
    if not signature:
        return False
    return bool(validator.validate(url, params, signature))

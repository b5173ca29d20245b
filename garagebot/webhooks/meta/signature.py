"""X-Hub-Signature-256: "sha256=" + the hex HMAC-SHA256 of the raw request
body with the app secret, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Hub-Signature-256"
PREFIX = "sha256="


def signature_of(app_secret: str, body: bytes) -> str:
    return PREFIX + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def verified(app_secret: str, body: bytes, header: str) -> bool:
    """Whether ``header`` is Meta's signature of ``body``."""
    if not app_secret or not header.startswith(PREFIX):
        return False
    # A header that is not UTF-8 arrives with surrogates: compared as bytes, never raised on.
    given = header.strip().encode("utf-8", "surrogatepass")
    return hmac.compare_digest(signature_of(app_secret, body).encode(), given)

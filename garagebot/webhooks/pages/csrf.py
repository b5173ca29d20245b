"""The approval form's anti-forgery field: a signed nonce bound to the link.

The page embeds ``form_nonce(secret, token)``; the POST must bring it back
for the same link, within the link's lifetime. Another site cannot make one
(it needs SECRET_KEY), and a nonce made for one link is refused on another.
"""

from __future__ import annotations

import hashlib
import secrets

from itsdangerous import BadSignature, URLSafeTimedSerializer

_SALT = "garagebot.pages.approval-form"


def _bound(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:32]


def form_nonce(secret: str, token: str) -> str:
    value = {"l": _bound(token), "n": secrets.token_hex(8)}
    return str(URLSafeTimedSerializer(secret, salt=_SALT).dumps(value))


def nonce_ok(secret: str, token: str, nonce: str, max_age_seconds: int) -> bool:
    try:
        value = URLSafeTimedSerializer(secret, salt=_SALT).loads(nonce, max_age=max_age_seconds)
    except BadSignature:
        return False
    return isinstance(value, dict) and secrets.compare_digest(str(value.get("l", "")), _bound(token))

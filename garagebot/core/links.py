"""Signed, expiring links for clients: the timeline (/t/…) and the approval page (/a/…).

A token is ``itsdangerous.URLSafeTimedSerializer`` over the subject's id,
signed with the process's SECRET_KEY (HMAC-SHA256) and salted with the
token's *kind*, so a timeline token can never be used as an approval token.
Tokens carry their signing time; ``read_token`` refuses them after
``max_age_seconds``. ``now`` is required: the caller's Clock decides what time it is, never the
wall clock (the suite must pass a year from now).

Both the client conversations (engineer H) and the client pages (engineer I)
build and read links through this module.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from garagebot.core.errors import InvalidInput

TIMELINE = "timeline"
APPROVAL = "approval"

TIMELINE_PATH = "/t/"
APPROVAL_PATH = "/a/"
INSPECTION = "inspection"
INSPECTION_PATH = "/i/"
# An inspection report stays readable a month (its quote expires on its own terms).
INSPECTION_MAX_AGE_SECONDS = 30 * 24 * 3600

# A timeline link stays readable for the life of a repair and a while after.
TIMELINE_MAX_AGE_SECONDS = 60 * 24 * 3600


class _ClockSigner(TimestampSigner):
    """A timestamp signer whose "now" can be given (the garage's clock)."""

    def __init__(self, *args: Any, at: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._at = at

    def get_timestamp(self) -> int:
        return self._at if self._at is not None else super().get_timestamp()


def _serializer(secret: str, kind: str, now: dt.datetime) -> URLSafeTimedSerializer:
    if not secret:
        raise ValueError("a secret key is required to sign links")
    at = int(now.timestamp())
    return URLSafeTimedSerializer(
        secret, salt=f"garagebot.link.{kind}", signer=_ClockSigner,
        signer_kwargs={"at": at, "digest_method": hashlib.sha256},
    )


def make_token(secret: str, kind: str, subject_id: int, *, now: dt.datetime) -> str:
    """A URL-safe token naming ``subject_id`` (a session id, a quote version id …) for ``kind``."""
    return str(_serializer(secret, kind, now).dumps(int(subject_id)))


def read_token(
    secret: str, kind: str, token: str, max_age_seconds: int | None, *, now: dt.datetime
) -> int:
    """The subject id in ``token``; InvalidInput ``error.link_expired`` when it
    is older than ``max_age_seconds`` (None: never expires), ``error.link_invalid``
    when it is forged, damaged or of another kind."""
    try:
        value = _serializer(secret, kind, now).loads(token, max_age=max_age_seconds)
    except SignatureExpired as exc:
        raise InvalidInput("error.link_expired") from exc
    except BadSignature as exc:
        raise InvalidInput("error.link_invalid") from exc
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise InvalidInput("error.link_invalid")
    return value


def _url(public_url: str, path: str, token: str) -> str:
    return f"{public_url.rstrip('/')}{path}{token}"


def timeline_url(public_url: str, secret: str, session_id: int, *, now: dt.datetime) -> str:
    """The client's read-only timeline of a repair session: PUBLIC_URL/t/<token>."""
    return _url(public_url, TIMELINE_PATH, make_token(secret, TIMELINE, session_id, now=now))


def approval_url(public_url: str, secret: str, quote_id: int, *, now: dt.datetime) -> str:
    """The approval page of one quote version: PUBLIC_URL/a/<token>."""
    return _url(public_url, APPROVAL_PATH, make_token(secret, APPROVAL, quote_id, now=now))


def inspection_url(public_url: str, secret: str, inspection_id: int, *, now: dt.datetime) -> str:
    """The client's report of one inspection: PUBLIC_URL/i/<token>."""
    return _url(public_url, INSPECTION_PATH, make_token(secret, INSPECTION, inspection_id, now=now))

"""Short links for SMS: PUBLIC_URL/s/<code> redirects to the long link.

``shortener(db, public_url)`` is what the SMS sender calls to shorten a link
(one code per garage and target, made on first use: 96 random bits);
``setup_short_links`` mounts ``GET /s/{code}``: 302 to the target; 404 for
an unknown or malformed code; 410 once the target has expired (an approval
or timeline link by its signed time, anything else ``other_max_age`` after
the code was made); 429 beyond the rate limits, which are kept like the
client pages' (one token bucket per client IP and one per code).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from aiohttp import web

from garagebot.core.errors import InvalidInput
from garagebot.core.links import (
    APPROVAL,
    APPROVAL_PATH,
    TIMELINE,
    TIMELINE_MAX_AGE_SECONDS,
    TIMELINE_PATH,
    read_token,
)
from garagebot.core.messaging import SHORT_PATH, resolve_short_link, shorten
from garagebot.core.uow import Database
from garagebot.webhooks.pages.deps import RateLimit
from garagebot.webhooks.pages.ratelimit import TokenBuckets
from garagebot.webhooks.pages.room import client_ip

ROUTE = f"{SHORT_PATH}{{code}}"
EXPIRED = "This link has expired. Please ask the garage for a new one."
TOO_MANY = "Too many requests. Please wait a minute and try again."


def shortener(db: Database, public_url: str) -> Callable[[int, str], Awaitable[str]]:
    base = public_url.rstrip("/")

    async def shorten_for(org_id: int, url: str) -> str:
        async with db.raw_transaction() as session:
            code = await shorten(session, org_id, url, db.clock.now())
        return f"{base}{SHORT_PATH}{code}"

    return shorten_for


PER_IP = RateLimit(burst=60, per_minute=30)
PER_CODE = RateLimit(burst=20, per_minute=6)


@dataclass(frozen=True, slots=True)
class ShortLinkConfig:
    """How long targets live (approval links: GARAGEBOT_APPROVAL_LINK_HOURS) and the rate limits."""

    approval_max_age: int = 72 * 3600
    other_max_age: int = TIMELINE_MAX_AGE_SECONDS
    per_ip: RateLimit = PER_IP
    per_code: RateLimit = PER_CODE


@dataclass
class _Limits:
    config: ShortLinkConfig
    per_ip: TokenBuckets = field(init=False)
    per_code: TokenBuckets = field(init=False)

    def __post_init__(self) -> None:
        self.per_ip = TokenBuckets(self.config.per_ip.burst, self.config.per_ip.per_minute)
        self.per_code = TokenBuckets(self.config.per_code.burst, self.config.per_code.per_minute)

    def allow(self, request: web.Request, code: str) -> bool:
        ip_ok = self.per_ip.allow(client_ip(request))
        code_ok = self.per_code.allow(hashlib.sha256(code.encode("utf-8", "surrogatepass")).hexdigest())
        return ip_ok and code_ok


def expired(target: str, config: ShortLinkConfig, secret: str | None, now: dt.datetime) -> bool:
    """Whether an approval or timeline target's signed token is past its age (the page would say so)."""
    path = urlsplit(target).path
    for prefix, kind, max_age in ((APPROVAL_PATH, APPROVAL, config.approval_max_age),
                                  (TIMELINE_PATH, TIMELINE, TIMELINE_MAX_AGE_SECONDS)):
        if secret and path.startswith(prefix):
            try:
                read_token(secret, kind, path[len(prefix):], max_age, now=now)
            except InvalidInput as exc:
                return exc.key == "error.link_expired"
    return False


def setup_short_links(app: web.Application, db: Callable[[web.Application], Database], *,
                      secret: Callable[[web.Application], str] | None = None,
                      config: ShortLinkConfig | None = None) -> None:
    """Mount ``GET /s/{code}``; ``db`` (and ``secret``, to read targets' expiry)
    are read from the app at request time."""
    settings = config or ShortLinkConfig()
    limits = _Limits(settings)

    async def redirect(request: web.Request) -> web.Response:
        code = request.match_info["code"]
        if not limits.allow(request, code):
            return web.Response(status=429, text=TOO_MANY)
        database = db(request.app)
        now = database.clock.now()
        async with database.read() as session:
            target = await resolve_short_link(
                session, code, made_after=now - dt.timedelta(seconds=settings.other_max_age))
        if target is None:
            return web.Response(status=404, text="This link does not exist.")
        if expired(target, settings, secret(request.app) if secret else None, now):
            return web.Response(status=410, text=EXPIRED)
        raise web.HTTPFound(target)

    app.router.add_get(ROUTE, redirect)

"""The pages' shared state: settings, the runtime getter and the rate limits."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from aiohttp import web

from garagebot.core.errors import DomainError
from garagebot.core.i18n import Translator
from garagebot.core.links import make_token
from garagebot.webhooks.pages.deps import DepsGetter, PagesConfig, PagesDeps
from garagebot.webhooks.pages.ratelimit import TokenBuckets

MEDIA = "media"
MEDIA_PATH = "/m/"


def client_ip(request: web.Request) -> str:
    """The peer's address as aiohttp sees it (a proxy in front must pass the
    real one through aiohttp's forwarding support)."""
    return request.remote or "unknown"


@dataclass
class PagesRoom:
    config: PagesConfig
    deps_of: DepsGetter
    per_ip: TokenBuckets = field(init=False)
    per_link: TokenBuckets = field(init=False)

    def __post_init__(self) -> None:
        self.per_ip = TokenBuckets(self.config.per_ip.burst, self.config.per_ip.per_minute)
        self.per_link = TokenBuckets(self.config.per_link.burst, self.config.per_link.per_minute)

    def deps(self, request: web.Request) -> PagesDeps:
        return self.deps_of(request.app)

    def translator(self, request: web.Request) -> Translator:
        return self.deps(request).translator

    def now(self, request: web.Request) -> dt.datetime:
        return self.deps(request).db.clock.now()

    def limit(self, request: web.Request, token: str) -> None:
        """Take a token from the IP's bucket and the link's; refuse when either is empty."""
        ip_ok = self.per_ip.allow(client_ip(request))
        link_ok = self.per_link.allow(hashlib.sha256(token.encode()).hexdigest())
        if not (ip_ok and link_ok):
            raise DomainError("pages.rate_limited")

    def media_url(self, now: dt.datetime, media_id: int) -> str:
        return MEDIA_PATH + make_token(self.config.secret, MEDIA, media_id, now=now)

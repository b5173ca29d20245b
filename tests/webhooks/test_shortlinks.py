"""GET /s/{code} (issue 11: 1.9, 1.12): malformed codes are a 404 (``/s/%00``
was a 500), codes carry 96 random bits, requests are rate-limited like the
client pages, and a code expires with its target."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.test_utils import TestClient

from garagebot.core.ids import OrgId
from garagebot.core.links import approval_url, timeline_url
from garagebot.core.uow import Database
from garagebot.webhooks.pages.deps import RateLimit
from garagebot.webhooks.shortlinks import ShortLinkConfig, setup_short_links, shortener
from tests.fakes import FakeClock

Client = TestClient[web.Request, web.Application]
MakeClient = Callable[[web.Application], Awaitable[Client]]
PUBLIC = "https://garage.example.com"
SECRET = "short-link-test-secret-0123456789abcdef"  # noqa: S105 (a test value)
WIDE = RateLimit(burst=1000, per_minute=1000)


async def app_client(aiohttp_client: MakeClient, db: Database, **config: object) -> Client:
    app = web.Application()
    values: dict[str, object] = {"approval_max_age": 72 * 3600, "per_ip": WIDE, "per_code": WIDE, **config}
    setup_short_links(app, lambda _app: db, secret=lambda _app: SECRET,
                      config=ShortLinkConfig(**values))  # type: ignore[arg-type]
    return await aiohttp_client(app)


async def test_malformed_codes_are_404_not_500(aiohttp_client: MakeClient, db: Database) -> None:
    client = await app_client(aiohttp_client, db)
    for path in ("/s/%00", "/s/%00abc", "/s/%ED%A0%80", "/s/%FF", "/s/" + "a" * 17, "/s/a%20b", "/s/nope"):
        resp = await client.get(path, allow_redirects=False)
        assert resp.status == 404, path


async def test_a_code_has_96_random_bits_and_redirects(aiohttp_client: MakeClient, db: Database,
                                                      org: OrgId, clock: FakeClock) -> None:
    client = await app_client(aiohttp_client, db)
    target = timeline_url(PUBLIC, SECRET, 1, now=clock.now())
    short = await shortener(db, PUBLIC)(org, target)
    code = short.removeprefix(f"{PUBLIC}/s/")
    assert len(code) == 16  # token_urlsafe(12): 96 bits
    resp = await client.get(f"/s/{code}", allow_redirects=False)
    assert (resp.status, resp.headers["Location"]) == (302, target)


async def test_requests_are_rate_limited_per_ip_and_per_code(
    aiohttp_client: MakeClient, db: Database
) -> None:
    client = await app_client(aiohttp_client, db, per_ip=RateLimit(burst=5, per_minute=1))
    statuses = [(await client.get(f"/s/guess{n}", allow_redirects=False)).status for n in range(8)]
    assert statuses == [404] * 5 + [429] * 3

    client = await app_client(aiohttp_client, db, per_code=RateLimit(burst=2, per_minute=1))
    statuses = [(await client.get("/s/same", allow_redirects=False)).status for _ in range(3)]
    assert statuses == [404, 404, 429]


async def test_a_code_expires_with_its_target(aiohttp_client: MakeClient, db: Database, org: OrgId,
                                              clock: FakeClock) -> None:
    client = await app_client(aiohttp_client, db)
    shorten = shortener(db, PUBLIC)
    approval = (await shorten(org, approval_url(PUBLIC, SECRET, 7, now=clock.now()))).removeprefix(PUBLIC)
    timeline = (await shorten(org, timeline_url(PUBLIC, SECRET, 7, now=clock.now()))).removeprefix(PUBLIC)
    other = (await shorten(org, f"{PUBLIC}/somewhere/else/that/is/long/enough")).removeprefix(PUBLIC)

    clock.advance(hours=71)
    assert [(await client.get(p, allow_redirects=False)).status for p in (approval, timeline, other)] == [
        302, 302, 302]
    clock.advance(hours=2)  # the approval link (72 hours) has expired
    assert [(await client.get(p, allow_redirects=False)).status for p in (approval, timeline, other)] == [
        410, 302, 302]
    clock.advance(days=60)  # the timeline link's 60 days are over: every code is gone
    assert [(await client.get(p, allow_redirects=False)).status for p in (approval, timeline, other)] == [
        404, 404, 404]

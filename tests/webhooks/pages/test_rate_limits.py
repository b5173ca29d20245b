"""Rate limits of the client pages: per link and per client IP (token buckets
kept in the process's memory), refused with a 429 page."""

from __future__ import annotations

from garagebot.core.uow import Database
from garagebot.webhooks.pages.deps import RateLimit
from garagebot.webhooks.pages.ratelimit import TokenBuckets
from tests.conftest import Staff
from tests.fakes import MemoryFileStorage
from tests.webhooks.pages.conftest import WIDE, MakeClient, pages_app
from tests.webhooks.pages.scene import quoted_visit


class Ticks:
    """A monotonic clock moved by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_allows_its_burst_then_refills_at_its_rate() -> None:
    ticks = Ticks()
    buckets = TokenBuckets(3, per_minute=6, clock=ticks)
    assert [buckets.allow("a") for _ in range(4)] == [True, True, True, False]
    assert buckets.allow("b")  # another key has its own bucket
    ticks.now += 9.9
    assert not buckets.allow("a")
    ticks.now += 0.2  # one token every 10 s
    assert buckets.allow("a")
    assert not buckets.allow("a")
    ticks.now += 3600
    assert [buckets.allow("a") for _ in range(4)] == [True, True, True, False]


def test_memory_is_bounded_by_forgetting_the_least_recent_keys() -> None:
    buckets = TokenBuckets(1, per_minute=1, max_keys=2, clock=Ticks())
    assert buckets.allow("a")
    assert buckets.allow("b")
    assert buckets.allow("c")  # "a" is forgotten
    assert not buckets.allow("c")
    assert buckets.allow("a")


async def test_one_link_opened_too_often_is_refused_with_a_429_page(
    aiohttp_client: MakeClient, db: Database, staff: Staff
) -> None:
    storage = MemoryFileStorage()
    client = await aiohttp_client(pages_app(db, storage, per_link=RateLimit(burst=3, per_minute=1)))
    v = await quoted_visit(db, staff, storage)
    other = await quoted_visit(db, staff, storage)
    statuses = [(await client.get(v.approval_path(db))).status for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = await client.post(v.approval_path(db), data={"nonce": "x"})
    assert refused.status == 429
    assert "Too many attempts" in await refused.text()
    assert (await client.get(other.approval_path(db))).status == 200


async def test_one_address_guessing_many_links_is_refused(
    aiohttp_client: MakeClient, db: Database, staff: Staff
) -> None:
    storage = MemoryFileStorage()
    app = pages_app(db, storage, per_ip=RateLimit(burst=5, per_minute=1), per_link=WIDE)
    client = await aiohttp_client(app)
    v = await quoted_visit(db, staff, storage)
    guesses = [(await client.get(f"/a/guess-{n}")).status for n in range(5)]
    assert guesses == [404] * 5
    blocked = await client.get(v.approval_path(db), headers={"Accept-Language": "ar"})
    assert blocked.status == 429
    assert "محاولات كثيرة جدًا" in await blocked.text()
    assert (await client.get(v.timeline_path(db))).status == 429

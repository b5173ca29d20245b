"""The daily and weekly digests reach owners and managers once, on time in the
garage's zone (a DST zone and Asia/Amman), with figures that are exactly the
built scenario's, in each reader's language, with the chart attached."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from garagebot.core.actor import Actor
from garagebot.core.digests.figures import Rated, build_digest
from garagebot.core.digests.schedule import DigestKind, period_ending
from garagebot.core.digests.send import run_due_digests, send_now
from garagebot.core.digests.services import set_garage_digests, set_my_digest
from garagebot.core.enums import Channel
from garagebot.core.money import Money
from garagebot.core.notify.staff import set_staff_quiet_hours
from garagebot.core.uow import Database
from tests.core.digests.scenario import Scene, build_scene, readers
from tests.core.digests.support import queued_digests
from tests.fakes import FakeClock, MemoryFileStorage

ZONES = ["Europe/Berlin", "Asia/Amman"]
DRILLS = ["o:dgo:0", "o:dga:0", "o:dgs:0", "o:dgr:0", "o:dgset:0"]


def jod(text: str) -> Money:
    return Money(Decimal(text), "JOD")


@pytest.fixture(params=ZONES)
async def scene(db: Database, clock: FakeClock, request: pytest.FixtureRequest) -> Scene:
    return await build_scene(db, clock, str(request.param))


async def test_the_weekly_figures_are_the_scenarios_against_the_week_before(
    db: Database, scene: Scene,
) -> None:
    async with db.read() as s:
        d = await build_digest(s, scene.org, period_ending(DigestKind.WEEKLY, dt.date(2026, 10, 31)),
                               scene.local(10, 31, 19, 5))
    now, before = d.current, d.previous
    assert (d.period.start, d.period.end) == (dt.date(2026, 10, 25), dt.date(2026, 10, 31))
    assert (now.cars_in, now.cars_out, before.cars_in, before.cars_out) == (4, 2, 1, 1)
    assert (now.revenue, before.revenue) == (jod("56.840"), jod("23.200"))  # B 22.040 + F 34.800; A
    assert (now.margin, now.margin_percent) == (jod("44.000"), Decimal("89.8"))  # 49.000 net - 5.000 oil
    assert (before.margin, before.margin_percent) == (jod("20.000"), Decimal("100.0"))
    assert (now.turnaround_hours, before.turnaround_hours) == (Decimal("13.25"), Decimal("3.00"))
    assert (now.on_time_percent, before.on_time_percent) == (Decimal("0.0"), Decimal("100.0"))
    assert (now.stockouts, before.stockouts) == (1, 0)
    # E's invoice is 33 days old at the end of 31 Oct, 26 days at the end of 24 Oct.
    assert (now.receivables_over_30, before.receivables_over_30) == (jod("11.600"), jod("0"))
    assert now.best == Rated(scene.f, now.best.number if now.best else "", "16-10006", 4)
    assert now.worst is not None
    assert (now.worst.session_id, now.worst.score) == (scene.b, 2)
    assert before.best is not None
    assert (before.best.session_id, before.best.score) == (scene.a, 5)
    assert (d.overdue, d.awaiting_approval, d.requests_waiting) == (1, 1, 1)
    assert [v.value for v in d.revenue_by_day] == [Decimal("22.040"), *[Decimal(0)] * 5, Decimal("34.800")]
    assert [v.value for v in d.cars_out_by_day] == [Decimal(0)] * 5 + [Decimal(1), Decimal(1)]


async def test_the_daily_figures_compare_with_the_day_before_across_the_month_end(
    db: Database, scene: Scene,
) -> None:
    async with db.read() as s:
        sat = await build_digest(s, scene.org, period_ending(DigestKind.DAILY, dt.date(2026, 10, 31)),
                                 scene.local(10, 31, 19))
        sun = await build_digest(s, scene.org, period_ending(DigestKind.DAILY, dt.date(2026, 11, 1)),
                                 scene.local(11, 1, 19))
    assert (sat.current.cars_in, sat.current.cars_out, sat.current.revenue) == (2, 1, jod("34.800"))
    assert (sat.previous.cars_in, sat.previous.cars_out, sat.previous.revenue) == (1, 1, jod("0"))
    assert sat.current.turnaround_hours == Decimal("22.50")  # F: Fri 11:00 → Sat 09:30
    assert sat.current.on_time_percent is None  # F had no ETA
    assert sat.previous.worst is not None
    assert sat.previous.worst.session_id == scene.b
    assert sun.previous == sat.current  # 1 Nov's day before is 31 Oct, whatever the month
    assert (sun.current.cars_in, sun.current.revenue, sun.current.best) == (0, jod("0"), None)


async def test_due_digests_are_queued_once_to_each_reader_in_their_language_with_the_chart(
    db: Database, clock: FakeClock, scene: Scene,
) -> None:
    people = await readers(db, scene.org)
    storage = MemoryFileStorage()
    clock.set(scene.local(10, 31, 18, 59))
    assert await run_due_digests(db, scene.org, clock.now(), storage=storage) == 0  # not yet
    clock.set(scene.local(10, 31, 19, 5))
    # Saturday: the daily and the weekly, to two people.
    assert await run_due_digests(db, scene.org, clock.now(), storage=storage) == 4
    clock.set(scene.local(10, 31, 19, 20))
    assert await run_due_digests(db, scene.org, clock.now(), storage=storage) == 0  # claimed: never twice
    sent = await queued_digests(db, scene.org)
    assert sorted((q.recipient, q.key, q.locale) for q in sent) == sorted([
        (str(people["manager_en"][1]), "digests.daily", "en"),
        (str(people["manager_en"][1]), "digests.weekly", "en"),
        (str(people["owner_ar"][1]), "digests.daily", "ar"),
        (str(people["owner_ar"][1]), "digests.weekly", "ar"),
    ])
    weekly_en = next(q for q in sent if q.key == "digests.weekly" and q.locale == "en")
    assert "Revenue: JOD 56.840 (before: JOD 23.200)" in weekly_en.text
    assert "Cars in: 4 (before: 1)" in weekly_en.text
    assert "Receivables over 30 days: JOD 11.600 (before: JOD 0.000)" in weekly_en.text
    assert "Now — overdue: 1, awaiting approval: 1, booking requests waiting: 1." in weekly_en.text
    weekly_ar = next(q for q in sent if q.key == "digests.weekly" and q.locale == "ar")
    assert "الملخص الأسبوعي" in weekly_ar.text
    assert "السيارات الواردة: 4 (قبلها: 1)" in weekly_ar.text
    for q in sent:
        assert list(q.choices) == DRILLS
        assert len(q.media) == 1
        assert storage.files[q.media[0]][0].startswith(b"\x89PNG")
    arabic = {q.media[0] for q in sent if q.locale == "ar"}
    assert arabic.isdisjoint({q.media[0] for q in sent if q.locale == "en"})


async def test_a_digest_more_than_six_hours_late_is_skipped(
    db: Database, clock: FakeClock, scene: Scene,
) -> None:
    await readers(db, scene.org)
    clock.set(scene.local(11, 2, 1, 1))  # Sunday's daily was due 1 Nov 19:00: 6 h 1 min ago
    assert await run_due_digests(db, scene.org, clock.now()) == 0
    clock.set(scene.local(11, 2, 0, 59))  # a worker back within the window still sends it
    clock.set(scene.local(11, 1, 23, 0))
    assert await run_due_digests(db, scene.org, clock.now()) == 2
    assert {q.key for q in await queued_digests(db, scene.org)} == {"digests.daily"}


async def test_the_due_moment_follows_the_garages_clock_over_a_dst_change(
    db: Database, clock: FakeClock,
) -> None:
    scene = await build_scene(db, clock, "Europe/Berlin")
    await readers(db, scene.org)
    # 19:00 in Berlin is 17:00 UTC on Sat 24 Oct (CEST) and 18:00 UTC on Sun 25 Oct (CET).
    clock.set(dt.datetime(2026, 10, 24, 17, 1, tzinfo=dt.UTC))
    assert await run_due_digests(db, scene.org, clock.now()) == 4  # Saturday: daily and weekly
    clock.set(dt.datetime(2026, 10, 25, 17, 30, tzinfo=dt.UTC))  # 18:30 local: not yet
    assert await run_due_digests(db, scene.org, clock.now()) == 0
    clock.set(dt.datetime(2026, 10, 25, 18, 0, tzinfo=dt.UTC))
    assert await run_due_digests(db, scene.org, clock.now()) == 2


async def test_a_persons_setting_overrides_the_garages(db: Database, clock: FakeClock, scene: Scene) -> None:
    people = await readers(db, scene.org)
    owner = Actor.user(scene.org, people["owner_ar"][0], Channel.TELEGRAM)
    async with db.unit_of_work(owner) as uow:
        await set_garage_digests(uow, DigestKind.WEEKLY, enabled=False, at_time="19:00")
        await set_garage_digests(uow, DigestKind.DAILY, enabled=True, at_time="20:00")
    manager = Actor.user(scene.org, people["manager_en"][0], Channel.TELEGRAM)
    async with db.unit_of_work(manager) as uow:
        await set_my_digest(uow, DigestKind.DAILY, at_time="١٥:٣٠")  # Arabic-Indic digits
        await set_my_digest(uow, DigestKind.WEEKLY, enabled=True)
    clock.set(scene.local(10, 31, 19, 30))
    assert await run_due_digests(db, scene.org, clock.now()) == 2  # the manager: 15:30 daily, own weekly
    clock.set(scene.local(10, 31, 20, 15))
    assert await run_due_digests(db, scene.org, clock.now()) == 1  # the owner: the garage's 20:00
    got = sorted((q.recipient, q.key) for q in await queued_digests(db, scene.org))
    assert got == sorted([(str(people["manager_en"][1]), "digests.daily"),
                          (str(people["manager_en"][1]), "digests.weekly"),
                          (str(people["owner_ar"][1]), "digests.daily")])


async def test_quiet_hours_hold_the_digest_until_they_end(
    db: Database, clock: FakeClock, scene: Scene,
) -> None:
    people = await readers(db, scene.org)
    async with db.unit_of_work(Actor.user(scene.org, people["owner_ar"][0], Channel.TELEGRAM)) as uow:
        await set_staff_quiet_hours(uow, "18:00", "07:00")
    clock.set(scene.local(10, 31, 19, 5))
    assert await send_now(db, scene.org, clock.now(), DigestKind.DAILY) == 2
    assert {q.available_at for q in await queued_digests(db, scene.org)} == {scene.local(11, 1, 7)}


async def test_send_now_still_goes_once_per_period(db: Database, clock: FakeClock, scene: Scene) -> None:
    await readers(db, scene.org)
    clock.set(scene.local(10, 31, 12))
    assert await send_now(db, scene.org, clock.now(), DigestKind.WEEKLY) == 2
    clock.set(scene.local(10, 31, 19, 5))
    assert await run_due_digests(db, scene.org, clock.now()) == 2  # only the daily: the weekly was sent

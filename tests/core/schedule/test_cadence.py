"""Cadence math in a garage's zone: days, weeks, a month end and DST changes
(Europe/Berlin has them; Asia/Amman is UTC+03 all year)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from garagebot.core.schedule import Daily, Every, Weekly, next_start

UTC = dt.UTC
BERLIN, AMMAN = "Europe/Berlin", "Asia/Amman"


def local(zone: str, year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    """A wall-clock time in ``zone``, as aware UTC."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=zoneinfo.ZoneInfo(zone)).astimezone(UTC)


def test_a_daily_job_is_due_at_its_local_time_in_amman() -> None:
    daily = Daily(dt.time(19, 0))
    before = daily.period_at(local(AMMAN, 2026, 12, 8, 18, 59), AMMAN)
    after = daily.period_at(local(AMMAN, 2026, 12, 8, 19, 0), AMMAN)
    assert before.start == local(AMMAN, 2026, 12, 7, 19, 0) == dt.datetime(2026, 12, 7, 16, 0, tzinfo=UTC)
    assert after.start == local(AMMAN, 2026, 12, 8, 19, 0)
    assert after.end == local(AMMAN, 2026, 12, 9, 19, 0)


def test_a_daily_job_crosses_a_month_end_and_a_year_end() -> None:
    daily = Daily(dt.time(0, 30))
    period = daily.period_at(local(AMMAN, 2027, 1, 1, 0, 10), AMMAN)
    assert period.start == local(AMMAN, 2026, 12, 31, 0, 30)
    assert period.end == local(AMMAN, 2027, 1, 1, 0, 30)
    eight = Daily(dt.time(8))
    assert eight.period_at(local(AMMAN, 2027, 3, 1, 9), AMMAN).start == local(AMMAN, 2027, 3, 1, 8)
    assert eight.period_at(local(AMMAN, 2027, 3, 1, 7), AMMAN).start == local(AMMAN, 2027, 2, 28, 8)


def test_a_daily_job_stays_at_19_local_across_both_dst_changes_in_berlin() -> None:
    daily = Daily(dt.time(19, 0))
    # Spring forward on Sunday 2027-03-28: that local day is 23 hours long.
    spring = daily.period_at(local(BERLIN, 2027, 3, 28, 20, 0), BERLIN)
    assert spring.start == dt.datetime(2027, 3, 28, 17, 0, tzinfo=UTC)  # 19:00 CEST
    before = daily.period_at(local(BERLIN, 2027, 3, 28, 12, 0), BERLIN)
    assert before.start == dt.datetime(2027, 3, 27, 18, 0, tzinfo=UTC)  # 19:00 CET the day before
    assert before.end - before.start == dt.timedelta(hours=23)
    # Fall back on Sunday 2026-10-25: 25 hours.
    fall = daily.period_at(local(BERLIN, 2026, 10, 25, 12, 0), BERLIN)
    assert fall.start == dt.datetime(2026, 10, 24, 17, 0, tzinfo=UTC)
    assert fall.end == dt.datetime(2026, 10, 25, 18, 0, tzinfo=UTC)
    assert fall.end - fall.start == dt.timedelta(hours=25)


def test_a_time_inside_the_spring_gap_runs_once_just_after_it_and_a_repeated_time_once() -> None:
    daily = Daily(dt.time(2, 30))
    gap = daily.period_at(dt.datetime(2027, 3, 28, 3, 0, tzinfo=UTC), BERLIN)
    assert gap.start == dt.datetime(2027, 3, 28, 1, 30, tzinfo=UTC)  # 03:30 CEST, after the gap
    # 02:30 happens twice on 2026-10-25; the period is the first one and lasts until the next day's.
    twice = daily.period_at(dt.datetime(2026, 10, 25, 1, 45, tzinfo=UTC), BERLIN)
    assert twice.start == dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert daily.period_at(dt.datetime(2026, 10, 25, 2, 0, tzinfo=UTC), BERLIN) == twice


def test_a_weekly_job_is_due_on_its_local_day() -> None:
    saturday = Weekly(5, dt.time(19, 0))
    friday_night = local(AMMAN, 2026, 12, 11, 23, 0)
    period = saturday.period_at(friday_night, AMMAN)
    assert period.start == local(AMMAN, 2026, 12, 5, 19, 0)
    assert next_start(saturday, friday_night, AMMAN) == local(AMMAN, 2026, 12, 12, 19, 0)
    on_time = local(AMMAN, 2026, 12, 12, 19, 0)
    assert saturday.period_at(on_time, AMMAN).start == on_time
    # The week of the spring change in Berlin is an hour short.
    week = saturday.period_at(local(BERLIN, 2027, 3, 29, 9, 0), BERLIN)
    assert week.end - week.start == dt.timedelta(days=7, hours=-1)


@pytest.mark.parametrize("zone", [AMMAN, BERLIN])
def test_every_n_minutes_is_slices_of_the_clock(zone: str) -> None:
    every = Every(15)
    now = dt.datetime(2026, 12, 8, 10, 7, 30, tzinfo=UTC)
    assert every.period_at(now, zone).start == dt.datetime(2026, 12, 8, 10, 0, tzinfo=UTC)
    assert next_start(every, now, zone) == dt.datetime(2026, 12, 8, 10, 15, tzinfo=UTC)
    with pytest.raises(ValueError, match="positive"):
        Every(0)

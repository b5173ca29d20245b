"""The report tests share one scenario (see ``scenario``), built per test on each database."""

from __future__ import annotations

import datetime as dt

import pytest

from garagebot.core.reports.period import Period
from garagebot.core.uow import Database
from tests.conftest import Staff
from tests.core.reports.scenario import Garage, build
from tests.fakes import FakeClock

WEEK_47 = Period(dt.date(2026, 11, 16), dt.date(2026, 11, 22))
WEEK_48 = Period(dt.date(2026, 11, 23), dt.date(2026, 11, 29))
TWO_WEEKS = Period(WEEK_47.start, WEEK_48.end)


@pytest.fixture
async def scene(db: Database, staff: Staff, clock: FakeClock) -> Garage:
    return await build(db, staff, clock)

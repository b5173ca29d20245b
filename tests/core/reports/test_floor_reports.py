"""The floor's pace (cars per week, turnaround, promises kept) and each
mechanic's finished steps, step time and rework."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from garagebot.core.enums import Role
from garagebot.core.reports.mechanics import MechanicRow, mechanic_productivity
from garagebot.core.reports.period import Period
from garagebot.core.reports.sessions import (
    OnTimeRow,
    ThroughputWeek,
    TurnaroundRow,
    on_time,
    throughput,
    turnaround,
)
from garagebot.core.uow import Database
from tests.conftest import Staff
from tests.core.reports.conftest import TWO_WEEKS, WEEK_47, WEEK_48
from tests.core.reports.scenario import Garage

D = Decimal
MON_16, MON_23 = dt.date(2026, 11, 16), dt.date(2026, 11, 23)


async def test_throughput_counts_cars_completed_and_delivered_per_iso_week(
    db: Database, staff: Staff, scene: Garage
) -> None:
    async with db.read() as s:
        weeks = await throughput(s, staff.org, period=TWO_WEEKS)
        # Wed 18 Nov to Tue 24 Nov: two partial weeks, counting only their days inside.
        middle = await throughput(s, staff.org, period=Period(dt.date(2026, 11, 18), dt.date(2026, 11, 24)))
    assert weeks == [
        ThroughputWeek("2026-W47", MON_16, 2, 1),  # A and B completed, A delivered
        ThroughputWeek("2026-W48", MON_23, 1, 1),  # C completed and delivered
    ]
    assert middle == [ThroughputWeek("2026-W47", MON_16, 0, 0), ThroughputWeek("2026-W48", MON_23, 1, 1)]


async def test_turnaround_runs_from_check_in_or_opening_to_completion(
    db: Database, staff: Staff, scene: Garage
) -> None:
    async with db.read() as s:
        rows = await turnaround(s, staff.org, period=TWO_WEEKS)
    assert rows == [
        TurnaroundRow("2026-W47", MON_16, 2, D("3.50"), D("3.50")),  # A 09:00-12:00, B 10:00-14:00
        # C was never checked in: from its opening at 10:00 to 13:00.
        TurnaroundRow("2026-W48", MON_23, 1, D("3.00"), D("3.00")),
        TurnaroundRow("all", None, 3, D("3.33"), D("3.00")),
    ]


async def test_on_time_leaves_out_sessions_without_an_eta_and_open_ones(
    db: Database, staff: Staff, scene: Garage
) -> None:
    async with db.read() as s:
        rows = await on_time(s, staff.org, period=TWO_WEEKS)
        quiet = await on_time(s, staff.org, period=Period.day(dt.date(2026, 11, 30)))
    assert rows == [
        OnTimeRow("2026-W47", MON_16, 2, 0, 1, 1, D("50.0")),  # A by 17:00; B after 12:00
        OnTimeRow("2026-W48", MON_23, 1, 1, 0, 0, None),  # C had no ETA; D (past its ETA) is open
        OnTimeRow("all", None, 3, 1, 1, 1, D("50.0")),
    ]
    assert quiet == [
        OnTimeRow("2026-W49", dt.date(2026, 11, 30), 0, 0, 0, 0, None),
        OnTimeRow("all", None, 0, 0, 0, 0, None),
    ]


async def test_mechanics_show_steps_done_step_time_worked_hours_and_rework(
    db: Database, staff: Staff, scene: Garage
) -> None:
    tech, tech2 = staff.id(staff.tech), staff.id(staff.tech2)
    async with db.read() as s:
        both = await mechanic_productivity(s, staff.org, period=TWO_WEEKS)
        first = await mechanic_productivity(s, staff.org, period=WEEK_47)
        second = await mechanic_productivity(s, staff.org, period=WEEK_48)
    assert both == [
        # A's step: 90 + 30 minutes after the send-back; C's: 60 minutes.
        MechanicRow(tech, "Tech", Role.TECHNICIAN.value, 2, 2, D("90.0"), D("3.00"), 1),
        MechanicRow(tech2, "Tech2", Role.TECHNICIAN.value, 1, 1, D("45.0"), D("0.75"), 0),
    ]
    assert first == [
        MechanicRow(tech, "Tech", Role.TECHNICIAN.value, 1, 1, D("120.0"), D("2.00"), 1),
        MechanicRow(tech2, "Tech2", Role.TECHNICIAN.value, 1, 1, D("45.0"), D("0.75"), 0),
    ]
    assert second == [MechanicRow(tech, "Tech", Role.TECHNICIAN.value, 1, 1, D("60.0"), D("1.00"), 0)]

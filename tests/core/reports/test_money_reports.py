"""Revenue per day and today / this month, and the gross margin of parts
against labour: invoices count on their issue day, credit notes reverse them
on theirs, parts cost what their cost layers say."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from garagebot.core.errors import InvalidInput
from garagebot.core.money import Money
from garagebot.core.reports.margin import MarginCategory, MarginRow, gross_margin
from garagebot.core.reports.period import Period
from garagebot.core.reports.revenue import RevenueDay, RevenueSummary, revenue_by_day, revenue_summary
from garagebot.core.uow import Database
from tests.conftest import Staff, new_garage
from tests.core.reports.conftest import TWO_WEEKS, WEEK_47, WEEK_48
from tests.core.reports.scenario import Garage, local


def jod(text: str) -> Money:
    return Money(Decimal(text), "JOD")


async def test_revenue_counts_each_invoice_on_its_day_and_the_credit_note_on_its_own(
    db: Database, staff: Staff, scene: Garage
) -> None:
    async with db.read() as s:
        days = await revenue_by_day(s, staff.org, period=TWO_WEEKS)
        late = await revenue_by_day(s, staff.org, period=WEEK_48)
    assert days == [
        RevenueDay(dt.date(2026, 11, 16), 1, 0, jod("32.000"), jod("5.120"), jod("37.120")),
        RevenueDay(dt.date(2026, 11, 17), 1, 0, jod("40.000"), jod("6.400"), jod("46.400")),
        # B's first invoice reversed (-46.400), B invoiced again (46.400), C (23.200).
        RevenueDay(dt.date(2026, 11, 23), 2, 1, jod("20.000"), jod("3.200"), jod("23.200")),
    ]
    assert late == days[2:]


async def test_a_day_is_the_garages_day_not_utcs(db: Database, staff: Staff, scene: Garage) -> None:
    # The invoices of the 16th were issued at 12:00 in Amman (09:00 UTC); the
    # UTC day before ends at 03:00 in Amman, so a one-day period is the local one.
    async with db.read() as s:
        only_16th = await revenue_by_day(s, staff.org, period=Period.day(dt.date(2026, 11, 16)))
        the_15th = await revenue_by_day(s, staff.org, period=Period.day(dt.date(2026, 11, 15)))
    assert [d.day for d in only_16th] == [dt.date(2026, 11, 16)]
    assert the_15th == []


async def test_revenue_today_and_this_month(db: Database, staff: Staff, scene: Garage) -> None:
    async with db.read() as s:
        on_23rd = await revenue_summary(s, staff.org, now=local(23, 15))
        on_1st = await revenue_summary(s, staff.org, now=local(1, 8, month=12))
    assert on_23rd == [
        RevenueSummary("today", dt.date(2026, 11, 23), 2, 1, jod("20.000"), jod("3.200"), jod("23.200")),
        RevenueSummary("month", dt.date(2026, 11, 1), 4, 1, jod("92.000"), jod("14.720"), jod("106.720")),
    ]
    zero = jod("0.000")
    assert on_1st == [
        RevenueSummary("today", dt.date(2026, 12, 1), 0, 0, zero, zero, zero),
        RevenueSummary("month", dt.date(2026, 12, 1), 0, 0, zero, zero, zero),
    ]


async def test_margin_sets_parts_revenue_against_the_exact_cost_of_the_parts_consumed(
    db: Database, staff: Staff, scene: Garage
) -> None:
    async with db.read() as s:
        both = await gross_margin(s, staff.org, period=TWO_WEEKS)
        first = await gross_margin(s, staff.org, period=WEEK_47)
        second = await gross_margin(s, staff.org, period=WEEK_48)
        revenue = await revenue_by_day(s, staff.org, period=TWO_WEEKS)
    # Parts: A's 3 filters 12.000 (cost FIFO 2.500 + 2.500 + 3.000) and B's pads
    # 30.000 (cost 18.000); B's void and re-invoice cancel out.
    assert both == [
        MarginRow(MarginCategory.PARTS, jod("42.000"), jod("26.000"), jod("16.000"), Decimal("38.1")),
        MarginRow(MarginCategory.LABOUR, jod("50.000"), None, None, None),
        MarginRow(MarginCategory.FEES, jod("0.000"), None, None, None),
    ]
    assert sum((r.revenue.amount for r in both), Decimal(0)) == sum(
        (d.net.amount for d in revenue), Decimal(0)
    )
    assert first[0] == MarginRow(MarginCategory.PARTS, jod("42.000"), jod("26.000"), jod("16.000"),
                                 Decimal("38.1"))
    assert first[1].revenue == jod("30.000")
    # Week 48: B's credit note takes back revenue and cost, its new invoice brings them again.
    assert second[0] == MarginRow(MarginCategory.PARTS, jod("0.000"), jod("0.000"), jod("0.000"), None)
    assert second[1].revenue == jod("20.000")


async def test_another_garage_sees_none_of_it(db: Database, staff: Staff, scene: Garage) -> None:
    other = await new_garage(db)
    async with db.read() as s:
        assert await revenue_by_day(s, other, period=TWO_WEEKS) == []
        margin = await gross_margin(s, other, period=TWO_WEEKS)
    assert [r.revenue for r in margin] == [jod("0.000")] * 3


def test_a_period_ends_on_or_after_its_start() -> None:
    with pytest.raises(InvalidInput):
        Period(dt.date(2026, 11, 2), dt.date(2026, 11, 1))

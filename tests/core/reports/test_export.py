"""CSV for spreadsheets (stable snake_case columns, plain amounts with the
currency's places, ISO dates) and the text table the CLI prints."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal

from garagebot.core.billing.enums import PayerKind
from garagebot.core.money import Money
from garagebot.core.reports.export import cell, to_csv, to_table
from garagebot.core.reports.margin import MarginRow, gross_margin
from garagebot.core.reports.payables import PendingBill, pending_bills
from garagebot.core.reports.revenue import RevenueDay, revenue_by_day
from garagebot.core.uow import Database
from tests.conftest import Staff
from tests.core.reports.conftest import TWO_WEEKS
from tests.core.reports.scenario import Garage

AMMAN = "Asia/Amman"


async def test_revenue_as_csv(db: Database, staff: Staff, scene: Garage) -> None:
    async with db.read() as s:
        rows = await revenue_by_day(s, staff.org, period=TWO_WEEKS)
    assert to_csv(RevenueDay, rows, timezone=AMMAN) == (
        "day,invoices,credit_notes,net,tax,total\r\n"
        "2026-11-16,1,0,32.000,5.120,37.120\r\n"
        "2026-11-17,1,0,40.000,6.400,46.400\r\n"
        "2026-11-23,2,1,20.000,3.200,23.200\r\n"
    )


async def test_pending_bills_and_margin_as_csv(db: Database, staff: Staff, scene: Garage) -> None:
    async with db.read() as s:
        bills = await pending_bills(s, staff.org, as_of=dt.date(2026, 11, 29))
        margin = await gross_margin(s, staff.org, period=TWO_WEEKS)
    assert to_csv(PendingBill, bills, timezone=AMMAN) == (
        "supplier,reference,bill_date,due_date,total,paid,due,age_days,days_overdue\r\n"
        "Parts Co,R-2,2026-11-17,2026-11-27,18.000,4.000,14.000,12,2\r\n"
        "Oil Ltd,O-1,2026-11-22,2026-12-22,5.000,0.000,5.000,7,-23\r\n"
    )
    # Unknown costs are empty cells, not zeros.
    assert to_csv(MarginRow, margin, timezone=AMMAN) == (
        "category,revenue,cost,margin,margin_percent\r\n"
        "parts,42.000,26.000,16.000,38.1\r\n"
        "labour,50.000,,,\r\n"
        "fees,0.000,,,\r\n"
    )


def test_an_empty_report_is_its_header() -> None:
    assert to_csv(RevenueDay, [], timezone=AMMAN) == "day,invoices,credit_notes,net,tax,total\r\n"


def test_cells_are_plain_and_exact() -> None:
    zone = zoneinfo.ZoneInfo(AMMAN)
    assert cell(Money(Decimal("1.5"), "USD"), zone) == "1.50"
    assert cell(Money(Decimal("2.0005"), "JOD"), zone) == "2.001"  # half-up, not half-even
    assert cell(Money(Decimal("-0.0004"), "JOD"), zone) == "0.000"
    assert cell(Decimal("1E+2"), zone) == "100"
    assert cell(dt.datetime(2026, 11, 16, 9, 0, tzinfo=dt.UTC), zone) == "2026-11-16T12:00:00+03:00"
    assert cell(PayerKind.FLEET, zone) == "FLEET"
    assert (cell(None, zone), cell(True, zone), cell(-3, zone)) == ("", "true", "-3")


@dataclass(frozen=True)
class _Row:
    name: str
    amount: Money


def test_text_needing_quotes_is_quoted() -> None:
    rows = [_Row('Parts, "Best" Co', Money(Decimal(7), "JOD"))]
    assert to_csv(_Row, rows, timezone=AMMAN) == 'name,amount\r\n"Parts, ""Best"" Co",7.000\r\n'


def test_the_table_aligns_numbers_right() -> None:
    rows = [_Row("Oil Ltd", Money(Decimal(5), "JOD")), _Row("Parts Co", Money(Decimal("14"), "JOD"))]
    assert to_table(_Row, rows, timezone=AMMAN) == (
        "name      amount\n"
        "--------  ------\n"
        "Oil Ltd    5.000\n"
        "Parts Co  14.000\n"
    )
    assert to_table(_Row, [], timezone=AMMAN) == "name  amount\n----  ------\n(no rows)\n"

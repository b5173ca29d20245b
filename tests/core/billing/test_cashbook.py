"""The cashbook: positive amounts, no future dates (in the garage's zone), balance per period."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from garagebot.core.billing.cashbook import cashbook_balance, record_cash_entry
from garagebot.core.errors import InvalidInput, PermissionDenied
from garagebot.core.models import CashbookEntry
from garagebot.core.uow import Database
from tests.conftest import Staff
from tests.core.billing.helpers import audit_actions, count
from tests.fakes import FakeClock

D = Decimal
DAY = dt.date(2026, 11, 22)


async def _entry(db: Database, staff: Staff, kind: str, category: str, amount: str, day: dt.date) -> None:
    async with db.unit_of_work(staff.accountant) as uow:
        await record_cash_entry(
            uow, kind=kind, category=category, amount=amount, method="CASH", entry_date=day
        )


async def test_the_balance_of_a_period_starts_from_everything_before_it(db: Database, staff: Staff) -> None:
    await _entry(db, staff, "INCOME", "sales", "100", DAY - dt.timedelta(days=30))
    await _entry(db, staff, "EXPENSE", "rent", "40.250", DAY - dt.timedelta(days=29))
    await _entry(db, staff, "INCOME", "other_income", "12.125", DAY - dt.timedelta(days=2))
    await _entry(db, staff, "EXPENSE", "fuel", "7.5", DAY - dt.timedelta(days=1))
    await _entry(db, staff, "EXPENSE", "tools", "3", DAY)
    async with db.read() as s:
        period = await cashbook_balance(
            s, staff.org, "JOD", DAY - dt.timedelta(days=7), DAY - dt.timedelta(days=1)
        )
    assert (period.opening.amount, period.income.amount, period.expense.amount, period.closing.amount) == (
        D("59.750"),
        D("12.125"),
        D("7.500"),
        D("64.375"),
    )
    assert period.entries == 2
    assert await audit_actions(db, staff.org, "cashbook_entry") == ["create"] * 5


async def test_today_is_the_garages_today(db: Database, staff: Staff, clock: FakeClock) -> None:
    clock.set(dt.datetime(2026, 11, 22, 22, 30, tzinfo=dt.UTC))  # 01:30 on the 23rd in Amman
    await _entry(db, staff, "INCOME", "sales", "5", dt.date(2026, 11, 23))
    with pytest.raises(InvalidInput) as err:
        await _entry(db, staff, "INCOME", "sales", "5", dt.date(2026, 11, 24))
    assert err.value.key == "error.cash_date_in_future"
    assert await count(db, CashbookEntry.organization_id, staff.org) == 1


@pytest.mark.parametrize(
    ("kind", "category", "amount", "key"),
    [
        ("INCOME", "sales", "0", "error.amount_not_positive"),
        ("EXPENSE", "rent", "-4", "error.amount_negative"),
        ("EXPENSE", "rent", "NaN", "error.amount_not_finite"),
        ("EXPENSE", "sales", "4", "error.cash_category_invalid"),
        ("EXPENSE", "lottery", "4", "error.cash_category_invalid"),
        ("GIFT", "sales", "4", "error.invalid_choice"),
    ],
)
async def test_bad_entries_are_refused_and_nothing_is_written(
    db: Database, staff: Staff, kind: str, category: str, amount: str, key: str
) -> None:
    with pytest.raises(InvalidInput) as err:
        await _entry(db, staff, kind, category, amount, DAY)
    assert err.value.key == key
    assert await count(db, CashbookEntry.organization_id, staff.org) == 0


async def test_a_technician_keeps_no_cashbook(db: Database, staff: Staff) -> None:
    with pytest.raises(PermissionDenied):
        async with db.unit_of_work(staff.tech) as uow:
            await record_cash_entry(
                uow, kind="INCOME", category="sales", amount="1", method="CASH", entry_date=DAY
            )


async def test_a_period_ending_before_it_starts_is_refused(db: Database, staff: Staff) -> None:
    with pytest.raises(InvalidInput):
        async with db.read() as s:
            await cashbook_balance(s, staff.org, "JOD", DAY, DAY - dt.timedelta(days=1))

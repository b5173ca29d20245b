"""The cashbook: money in and out outside invoices (rent, fuel, a scrap sale …),
and the balance of any period.

An entry's date is the garage's calendar date (its time zone) and never in
the future; the amount is positive, its kind says which way it went.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.core.billing.documents import acting_user_id
from garagebot.core.billing.enums import CashCategory, CashKind, PaymentMethod
from garagebot.core.billing.payments import payment_method
from garagebot.core.billing.settings import load_settings
from garagebot.core.errors import InvalidInput
from garagebot.core.ids import CashEntryId, OrgId
from garagebot.core.models import CashbookEntry
from garagebot.core.money import Money, parse_amount
from garagebot.core.normalize import clean_text
from garagebot.core.permissions import Permission
from garagebot.core.uow import UnitOfWork

# Categories that belong to each direction.
INCOME_CATEGORIES = frozenset({CashCategory.SALES, CashCategory.OTHER_INCOME})


def _kind(value: CashKind | str) -> CashKind:
    try:
        return CashKind(value)
    except ValueError:
        raise InvalidInput("error.invalid_choice", value=str(value)) from None


def _category(value: CashCategory | str, kind: CashKind) -> CashCategory:
    try:
        category = CashCategory(value)
    except ValueError:
        raise InvalidInput("error.cash_category_invalid", value=str(value)) from None
    if (category in INCOME_CATEGORIES) != (kind is CashKind.INCOME):
        raise InvalidInput("error.cash_category_invalid", value=category.value)
    return category


async def record_cash_entry(
    uow: UnitOfWork,
    *,
    kind: CashKind | str,
    category: CashCategory | str,
    amount: str | Decimal,
    method: PaymentMethod | str,
    entry_date: dt.date,
    description: str | None = None,
) -> CashEntryId:
    """Write one cashbook entry; refused before anything is written when the
    amount is not positive or the date lies in the future (garage's zone)."""
    await uow.require(Permission.MANAGE_BILLING)
    settings = await load_settings(uow)
    way = _kind(kind)
    what = _category(category, way)
    how = payment_method(method)
    money = parse_amount(amount, settings.currency, allow_zero=False)
    if entry_date > settings.today(uow.now):
        raise InvalidInput("error.cash_date_in_future", date=entry_date.isoformat())
    text = clean_text(description or "")[:500] or None
    entry = CashbookEntry(
        organization_id=uow.org_id, kind=way.value, category=what.value, method=how.value,
        entry_date=entry_date, amount=money.storable(), description=text,
        created_by_id=acting_user_id(uow), created_at=uow.now,
    )
    uow.session.add(entry)
    await uow.session.flush()
    await uow.audit("cashbook_entry", entry.id, "create", after={
        "kind": way, "category": what, "method": how, "date": entry_date, "amount": money.amount,
        "description": text})
    return CashEntryId(entry.id)


@dataclass(frozen=True, slots=True)
class CashbookPeriod:
    start: dt.date
    end: dt.date  # inclusive
    opening: Money
    income: Money
    expense: Money
    closing: Money
    entries: int


async def cashbook_balance(
    session: AsyncSession, org_id: OrgId, currency: str, start: dt.date, end: dt.date
) -> CashbookPeriod:
    """Opening balance (everything before ``start``), income and expense within
    [start, end], and the closing balance. Summed exactly in Python."""
    if end < start:
        raise InvalidInput("error.cashbook_period_invalid", start=start.isoformat(), end=end.isoformat())
    rows = (await session.execute(
        select(CashbookEntry.kind, CashbookEntry.amount, CashbookEntry.entry_date)
        .where(CashbookEntry.organization_id == org_id, CashbookEntry.entry_date <= end)
    )).all()
    opening = income = expense = Decimal(0)
    count = 0
    for kind, amount, day in rows:
        signed = Decimal(amount) if kind == CashKind.INCOME.value else -Decimal(amount)
        if day < start:
            opening += signed
            continue
        count += 1
        if signed > 0:
            income += signed
        else:
            expense -= signed
    return CashbookPeriod(
        start, end, Money(opening, currency), Money(income, currency), Money(expense, currency),
        Money(opening + income - expense, currency), count,
    )

"""Billing settings: the owner's, validated before anything is written."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from garagebot.core.billing.enums import BillingMode, TaxCategory
from garagebot.core.billing.settings import billing_settings, configure_billing
from garagebot.core.enums import Role
from garagebot.core.errors import InvalidInput, PermissionDenied
from garagebot.core.models import Organization
from garagebot.core.uow import Database
from tests.conftest import Staff
from tests.core.billing.helpers import audit_actions

D = Decimal


async def _org(db: Database, staff: Staff) -> Organization:
    async with db.read() as s:
        return (await s.execute(select(Organization).where(Organization.id == staff.org))).scalar_one()


async def test_defaults_are_jordans_16_percent_and_quoted_billing(db: Database, staff: Staff) -> None:
    settings = billing_settings(await _org(db, staff))
    assert settings.tax_rate(TaxCategory.LABOUR) == D(16)
    assert settings.tax_rate(TaxCategory.PARTS) == D(16)
    assert settings.mode is BillingMode.QUOTED
    assert settings.discount_limit(Role.ADVISOR) == D(5)
    assert settings.labour_rate.amount == D("20.000")


async def test_the_owner_sets_rates_per_category_and_a_display_currency(db: Database, staff: Staff) -> None:
    async with db.unit_of_work(staff.owner) as uow:
        await configure_billing(
            uow,
            tax_rates={"labour": "16", "parts": "16", "fees": "0"},
            labour_rate="25.5",
            discount_limits={"advisor": "10"},
            display_currency="USD",
            display_rate="1.4104",
            quote_valid_days=7,
        )
    org = await _org(db, staff)
    settings = billing_settings(org)
    assert settings.tax_rate(TaxCategory.FEES) == D(0)
    assert settings.labour_rate.amount == D("25.500")
    assert settings.discount_limit(Role.ADVISOR) == D(10)
    assert settings.quote_valid_days == 7
    assert org.settings["display_rate"] == "1.410400"
    assert await audit_actions(db, staff.org, "organization") == ["create", "configure_billing"]


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"tax_rates": {"parts": "101"}}, "error.billing_percent_out_of_range"),
        ({"tax_rates": {"petrol": "5"}}, "error.invalid_choice"),
        ({"labour_rate": "-1"}, "error.amount_negative"),
        ({"billing_mode": "whatever"}, "error.invalid_choice"),
        ({"quote_valid_days": 0}, "error.quote_valid_days"),
        ({"display_currency": "USD"}, "error.display_rate_incomplete"),
        (
            {"default_fees": [{"kind": "PART", "name_en": "x", "name_ar": "y", "amount": "1"}]},
            "error.default_fee_invalid",
        ),
    ],
)
async def test_bad_settings_are_refused_and_nothing_changes(
    db: Database, staff: Staff, changes: dict[str, object], key: str
) -> None:
    before = dict((await _org(db, staff)).settings)
    with pytest.raises(InvalidInput) as err:
        async with db.unit_of_work(staff.owner) as uow:
            await configure_billing(uow, **changes)  # type: ignore[arg-type]
    assert err.value.key == key
    assert (await _org(db, staff)).settings == before


async def test_only_the_owner_changes_billing_settings(db: Database, staff: Staff) -> None:
    with pytest.raises(PermissionDenied):
        async with db.unit_of_work(staff.manager) as uow:
            await configure_billing(uow, labour_rate="1")

"""A garage's billing settings, kept in ``Organization.settings``.

Keys: ``labour_rate`` (per hour, garage currency), ``tax_rates`` (percent per
tax category; Jordan's general sales tax, 16 %, by default), ``discount_limits``
(percent of a quote a role may discount without a manager), ``billing_mode``
("quoted" or "actual"), ``quote_valid_days``, ``default_fees`` (lines added to
every new quote), ``display_currency`` and ``display_rate`` (see core.money).
Values are stored as strings so that they stay exact.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from garagebot.core.billing.enums import BillingMode, LineKind, TaxCategory
from garagebot.core.enums import Role
from garagebot.core.errors import InvalidInput
from garagebot.core.models import Organization
from garagebot.core.money import Money, parse_amount, parse_decimal, parse_rate
from garagebot.core.normalize import clean_text
from garagebot.core.permissions import Permission
from garagebot.core.uow import UnitOfWork

DEFAULT_TAX_RATE = Decimal("16")
DEFAULT_LABOUR_RATE = Decimal("20")
DEFAULT_DISCOUNT_LIMITS = {Role.ADVISOR: Decimal("5"), Role.ACCOUNTANT: Decimal("5")}
DEFAULT_QUOTE_VALID_DAYS = 14
_HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class DefaultFee:
    """A fee or surcharge added to every new quote (shop supplies, disposal …)."""

    kind: LineKind
    name_en: str
    name_ar: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class BillingSettings:
    currency: str
    zone: zoneinfo.ZoneInfo
    labour_rate: Money
    tax_rates: Mapping[TaxCategory, Decimal]
    discount_limits: Mapping[Role, Decimal]
    mode: BillingMode
    quote_valid_days: int
    fees: tuple[DefaultFee, ...]

    def tax_rate(self, category: TaxCategory) -> Decimal:
        return self.tax_rates.get(category, DEFAULT_TAX_RATE)

    def discount_limit(self, role: Role) -> Decimal:
        return self.discount_limits.get(role, Decimal(0))

    def year(self, now: dt.datetime) -> int:
        """The year of ``now`` in the garage's time zone (document numbers)."""
        return now.astimezone(self.zone).year

    def today(self, now: dt.datetime) -> dt.date:
        return now.astimezone(self.zone).date()


def _percent(raw: object, field: str) -> Decimal:
    value = parse_decimal(str(raw), 3, field=field)
    if value > _HUNDRED:
        raise InvalidInput("error.billing_percent_out_of_range", field=field, value=str(raw))
    return value


def _fees(raw: object, currency: str) -> tuple[DefaultFee, ...]:
    if not isinstance(raw, list):
        return ()
    fees = []
    for item in raw:
        if not isinstance(item, Mapping):
            raise InvalidInput("error.default_fee_invalid", value=str(item))
        try:
            kind = LineKind(str(item.get("kind", LineKind.FEE)))
        except ValueError:
            raise InvalidInput("error.default_fee_invalid", value=str(item)) from None
        name_en, name_ar = clean_text(str(item.get("name_en", ""))), clean_text(str(item.get("name_ar", "")))
        if kind not in (LineKind.FEE, LineKind.SURCHARGE) or not name_en or not name_ar:
            raise InvalidInput("error.default_fee_invalid", value=str(item))
        amount = parse_amount(str(item.get("amount", "")), currency, allow_zero=False).amount
        fees.append(DefaultFee(kind, name_en, name_ar, amount))
    return tuple(fees)


def billing_settings(org: Organization) -> BillingSettings:
    """The garage's billing settings, with the defaults filled in."""
    raw = org.settings or {}
    taxes = raw.get("tax_rates")
    limits = raw.get("discount_limits")
    return BillingSettings(
        currency=org.currency,
        zone=zoneinfo.ZoneInfo(org.timezone),
        labour_rate=parse_amount(str(raw.get("labour_rate", DEFAULT_LABOUR_RATE)), org.currency),
        tax_rates={
            TaxCategory(k): _percent(v, "tax_rate")
            for k, v in (taxes.items() if isinstance(taxes, Mapping) else ())
        },
        discount_limits={
            **DEFAULT_DISCOUNT_LIMITS,
            **{Role(k): _percent(v, "discount_limit")
               for k, v in (limits.items() if isinstance(limits, Mapping) else ())},
        },
        mode=BillingMode(str(raw.get("billing_mode", BillingMode.QUOTED))),
        quote_valid_days=int(str(raw.get("quote_valid_days", DEFAULT_QUOTE_VALID_DAYS))),
        fees=_fees(raw.get("default_fees"), org.currency),
    )


async def load_settings(uow: UnitOfWork) -> BillingSettings:
    return billing_settings(await uow.organization())


def _choice(enum: type[TaxCategory] | type[Role] | type[BillingMode], value: str) -> str:
    try:
        return enum(value).value
    except ValueError:
        raise InvalidInput("error.invalid_choice", value=value) from None


async def configure_billing(
    uow: UnitOfWork,
    *,
    labour_rate: str | Decimal | None = None,
    tax_rates: Mapping[str, str | Decimal] | None = None,
    discount_limits: Mapping[str, str | Decimal] | None = None,
    billing_mode: str | None = None,
    quote_valid_days: int | None = None,
    default_fees: Sequence[Mapping[str, str]] | None = None,
    display_currency: str | None = None,
    display_rate: str | Decimal | None = None,
) -> BillingSettings:
    """Change the garage's billing settings (owner only). Every value is
    validated before anything is written; unnamed settings keep their value."""
    await uow.require(Permission.MANAGE_GARAGE)
    org = await uow.organization()
    new: dict[str, object] = {}
    if labour_rate is not None:
        new["labour_rate"] = str(parse_amount(labour_rate, org.currency, allow_zero=False).amount)
    if tax_rates is not None:
        new["tax_rates"] = {
            _choice(TaxCategory, k): str(_percent(v, "tax_rate")) for k, v in tax_rates.items()
        }
    if discount_limits is not None:
        new["discount_limits"] = {
            _choice(Role, k): str(_percent(v, "discount_limit")) for k, v in discount_limits.items()
        }
    if billing_mode is not None:
        new["billing_mode"] = _choice(BillingMode, billing_mode)
    if quote_valid_days is not None:
        if not 1 <= quote_valid_days <= 365:
            raise InvalidInput("error.quote_valid_days", value=quote_valid_days)
        new["quote_valid_days"] = quote_valid_days
    if default_fees is not None:
        _fees(list(default_fees), org.currency)
        new["default_fees"] = [dict(f) for f in default_fees]
    if display_currency is not None or display_rate is not None:
        if display_currency is None or display_rate is None:
            raise InvalidInput("error.display_rate_incomplete")
        Money.zero(display_currency)
        new["display_currency"] = display_currency
        new["display_rate"] = str(parse_rate(display_rate, field="display_rate"))
    before = dict(org.settings or {})
    org.settings = {**before, **new}
    await uow.audit(
        "organization", org.id, "configure_billing", before={k: before.get(k) for k in new}, after=new
    )
    return billing_settings(org)

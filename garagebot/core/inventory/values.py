"""Quantities and amounts as inventory and purchasing take them.

Both go through ``garagebot.core.money`` so that NaN, Infinity, negative,
over-precise and oversized values are refused with the same keys everywhere.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from garagebot.core.errors import InvalidInput
from garagebot.core.inventory.states import WHOLE_UNITS
from garagebot.core.money import parse_amount, parse_decimal, quantum

QUANTITY_PLACES = 3


def quantity(raw: Decimal | int | str, *, field: str = "quantity") -> Decimal:
    """A positive quantity with at most 3 decimals (litres, metres, pieces)."""
    return parse_decimal(raw, QUANTITY_PLACES, allow_zero=False, field=field)


def level(raw: Decimal | int | str, *, field: str) -> Decimal:
    """A zero-or-positive stock level (min, max) with at most 3 decimals."""
    return parse_decimal(raw, QUANTITY_PLACES, field=field)


def amount(raw: Decimal | int | str, currency: str, *, field: str, positive: bool = False) -> Decimal:
    """A zero-or-positive amount of ``currency`` (a cost, a price, a payment)."""
    return parse_amount(raw, currency, allow_zero=not positive, field=field).amount


def round_amount(value: Decimal, currency: str) -> Decimal:
    """``value`` rounded half-up to the currency's exponent (a defined rounding point)."""
    return value.quantize(quantum(currency), ROUND_HALF_UP)


def show(value: Decimal) -> str:
    """A quantity for a message parameter: "20", "1.5" (no trailing zeros, no exponent)."""
    text = format(value.normalize(), "f")
    return "0" if text in {"-0", ""} else text


def for_unit(raw: Decimal | int | str, unit: str, sku: str) -> Decimal:
    """A positive quantity of an item: whole numbers for counted units (pcs, set, pair)."""
    value = quantity(raw)
    if unit in WHOLE_UNITS and value != value.to_integral_value():
        raise InvalidInput("error.inventory_whole_units_only", sku=sku, unit=unit, value=show(value))
    return value

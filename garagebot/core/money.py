"""Money: an exact amount in one currency, and the only way amounts enter the system.

Amounts are ``Decimal`` (never float). A ``Money`` may carry more places than
its currency while it is an intermediate result (hours × rate); it is rounded
half-up to the currency's exponent at the defined points — a line's net, a
line's tax, a total — with ``rounded()``. Anything typed by a person goes
through ``parse_amount`` first, which refuses NaN, Infinity, negative,
over-precise and oversized values with an ``InvalidInput`` key before the
value can reach an ``Amount`` column (NUMERIC(18, 3)).

Formatting goes through Babel per locale, after rounding half-up ourselves:
Babel rounds half-even, so 1.0005 JOD would otherwise show as 1.000.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import format_currency

from garagebot.core.errors import InvalidInput
from garagebot.core.normalize import ascii_digits, clean_text
from garagebot.core.staff import currency_exponent

# NUMERIC(18, 3): 15 digits before the point.
MAX_ABS = Decimal(10) ** 15
STORAGE_PLACES = 3
_PLAIN = re.compile(r"^[+-]?\d+(?:\.\d+)?$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_EN_PATTERN = "¤\xa0#,##0.00"  # "JOD 1,234.500"; Babel sets the digits from the currency


class CurrencyMismatch(InvalidInput):
    """Two amounts in different currencies were combined."""

    key = "error.currency_mismatch"


def _exponent(currency: str) -> int:
    try:
        return currency_exponent(currency)
    except KeyError:
        raise InvalidInput("error.invalid_currency", value=currency) from None


def quantum(currency: str) -> Decimal:
    """The smallest unit of ``currency`` as a Decimal (JOD: 0.001, USD: 0.01)."""
    return Decimal(1).scaleb(-_exponent(currency))


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in one currency. Arithmetic refuses to mix currencies."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if isinstance(self.amount, bool) or not isinstance(self.amount, Decimal | int):
            raise TypeError("Money takes a Decimal (never a float)")
        if isinstance(self.amount, int):
            object.__setattr__(self, "amount", Decimal(self.amount))
        if not self.amount.is_finite():
            raise InvalidInput("error.amount_not_finite", value=str(self.amount))
        _exponent(self.currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0).quantize(quantum(currency)), currency)

    @property
    def exponent(self) -> int:
        return _exponent(self.currency)

    def rounded(self) -> Money:
        """Half-up to the currency's exponent (the defined rounding points)."""
        return Money(self.amount.quantize(quantum(self.currency), ROUND_HALF_UP), self.currency)

    @property
    def is_rounded(self) -> bool:
        return self.amount == self.amount.quantize(quantum(self.currency), ROUND_HALF_UP)

    def _same(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError("Money can only be combined with Money")
        if other.currency != self.currency:
            raise CurrencyMismatch(left=self.currency, right=other.currency)

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __mul__(self, factor: Decimal | int) -> Money:
        if isinstance(factor, bool) or not isinstance(factor, Decimal | int):
            raise TypeError("Money is multiplied by a Decimal or an int (never a float)")
        return Money(self.amount * factor, self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._same(other)
        return self.amount >= other.amount

    def percent(self, rate: Decimal) -> Money:
        """``rate`` percent of this amount, unrounded (round at the caller's point)."""
        return Money(self.amount * rate / 100, self.currency)

    def min(self, other: Money) -> Money:
        return self if self <= other else other

    def is_zero(self) -> bool:
        return self.amount == 0

    def storable(self) -> Decimal:
        """The rounded amount, checked to fit an ``Amount`` column."""
        value = self.rounded().amount
        if value == 0:
            value = abs(value)  # never store "-0.000": zero is compared as text on SQLite
        if abs(value) >= MAX_ABS:
            raise InvalidInput("error.amount_too_large", value=str(value), max=str(MAX_ABS - 1))
        return value

    def __str__(self) -> str:
        return f"{self.rounded().amount} {self.currency}"


def money_sum(amounts: Sequence[Money], currency: str) -> Money:
    """The exact sum of ``amounts`` (all in ``currency``); zero when empty."""
    total = Money.zero(currency)
    for amount in amounts:
        total = total + amount
    return total


def apportion(total: Money, weights: Sequence[Decimal]) -> list[Money]:
    """Split ``total`` (rounded) in proportion to ``weights`` into rounded parts
    that add up to it exactly (largest remainder; ties go to the earlier part)."""
    total = total.rounded()
    q = quantum(total.currency)
    weight_sum = sum(weights, Decimal(0))
    if not weights or weight_sum == 0:
        return [Money.zero(total.currency) for _ in weights]
    exact = [total.amount * w / weight_sum for w in weights]
    floors = [e.quantize(q, ROUND_DOWN) for e in exact]
    left = int((total.amount - sum(floors, Decimal(0))) / q)
    step = q if left >= 0 else -q
    order = sorted(range(len(exact)), key=lambda i: (-abs(exact[i] - floors[i]), i))
    for i in order[: abs(left)]:
        floors[i] += step
    return [Money(f, total.currency) for f in floors]


def parse_decimal(
    raw: str | Decimal | int,
    places: int,
    *,
    allow_negative: bool = False,
    allow_zero: bool = True,
    field: str = "amount",
) -> Decimal:
    """A finite Decimal from what a person typed (Arabic-Indic digits, "٫" and
    thousands separators accepted) with at most ``places`` decimals and within
    NUMERIC(18, 3); InvalidInput with a specific key otherwise."""
    value = _to_decimal(raw, field)
    if not value.is_finite():
        raise InvalidInput("error.amount_not_finite", field=field, value=str(raw))
    if value < 0 and not allow_negative:
        raise InvalidInput("error.amount_negative", field=field, value=str(raw))
    if value == 0 and not allow_zero:
        raise InvalidInput("error.amount_not_positive", field=field, value=str(raw))
    q = Decimal(1).scaleb(-places)
    if value != value.quantize(q, ROUND_DOWN):
        raise InvalidInput("error.amount_too_precise", field=field, value=str(raw), places=places)
    if abs(value) >= MAX_ABS:
        raise InvalidInput("error.amount_too_large", field=field, value=str(raw), max=str(MAX_ABS - 1))
    return value.quantize(q)


def _to_decimal(raw: str | Decimal | int, field: str) -> Decimal:
    if isinstance(raw, Decimal):
        return raw
    if isinstance(raw, int) and not isinstance(raw, bool):
        return Decimal(raw)
    if not isinstance(raw, str):
        # A float (or anything else) has already lost exactness.
        raise InvalidInput("error.amount_invalid", field=field, value=str(raw))
    text = ascii_digits(clean_text(raw)).replace("٫", ".").replace("٬", ",").replace(" ", "")
    try:
        special = Decimal(text)
    except InvalidOperation:
        special = None
    if special is not None and not special.is_finite():
        raise InvalidInput("error.amount_not_finite", field=field, value=raw)
    if _GROUPED.match(text):
        text = text.replace(",", "")
    if not _PLAIN.match(text):
        raise InvalidInput("error.amount_invalid", field=field, value=raw)
    return Decimal(text)


def parse_amount(
    raw: str | Decimal | int,
    currency: str,
    *,
    allow_negative: bool = False,
    allow_zero: bool = True,
    field: str = "amount",
) -> Money:
    """An amount of ``currency`` typed by a person; no more decimals than the
    currency has (3 for JOD), never NaN, Infinity or oversized."""
    value = parse_decimal(
        raw, _exponent(currency), allow_negative=allow_negative, allow_zero=allow_zero, field=field
    )
    return Money(value, currency)


def parse_rate(raw: str | Decimal | int, *, field: str = "rate", places: int = 6) -> Decimal:
    """A positive rate or percentage (tax rate, exchange rate) of up to ``places`` decimals."""
    return parse_decimal(raw, places, allow_zero=False, field=field)


def format_money(money: Money, locale: str) -> str:
    """``money`` for display in ``locale`` ("en" or "ar"), rounded half-up first."""
    value = money.rounded()
    if locale.split("_")[0] == "en":
        return str(format_currency(value.amount, value.currency, _EN_PATTERN, locale="en"))
    return str(format_currency(value.amount, value.currency, locale=locale))


@dataclass(frozen=True, slots=True)
class DisplayRate:
    """A second currency to show amounts in: 1 unit of the garage's currency = ``rate``."""

    currency: str
    rate: Decimal


def display_rate(settings: Mapping[str, object]) -> DisplayRate | None:
    """The configured second display currency (``display_currency`` and
    ``display_rate`` in Organization.settings), or None."""
    currency = settings.get("display_currency")
    rate = settings.get("display_rate")
    if not isinstance(currency, str) or not isinstance(rate, str | int):
        return None
    _exponent(currency)
    return DisplayRate(currency, parse_rate(rate, field="display_rate"))


def convert(money: Money, to: DisplayRate) -> Money:
    """``money`` in ``to.currency`` at ``to.rate``, rounded half-up (display only)."""
    return Money(money.amount * to.rate, to.currency).rounded()


@dataclass(frozen=True, slots=True)
class DualAmount:
    """An amount formatted in the garage's currency and, when configured, a second one."""

    primary: str
    secondary: str | None


def format_dual(money: Money, locale: str, settings: Mapping[str, object]) -> DualAmount:
    rate = display_rate(settings)
    secondary = None
    if rate is not None and rate.currency != money.currency:
        secondary = format_money(convert(money, rate), locale)
    return DualAmount(format_money(money, locale), secondary)

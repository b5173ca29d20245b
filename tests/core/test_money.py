"""Money: exact amounts, half-up rounding at defined points, safe parsing, Babel formatting."""

from __future__ import annotations

from decimal import Decimal

import pytest

from garagebot.core.errors import InvalidInput
from garagebot.core.money import (
    CurrencyMismatch,
    DisplayRate,
    Money,
    apportion,
    convert,
    display_rate,
    format_dual,
    format_money,
    money_sum,
    parse_amount,
    parse_rate,
    quantum,
)

D = Decimal


def test_each_currency_has_its_own_exponent() -> None:
    assert quantum("JOD") == D("0.001")
    assert quantum("KWD") == D("0.001")
    assert quantum("USD") == D("0.01")
    assert Money(D("1"), "SAR").exponent == 2
    with pytest.raises(InvalidInput) as err:
        Money(D("1"), "XXX")
    assert err.value.key == "error.invalid_currency"


def test_rounding_is_half_up_at_the_currency_exponent() -> None:
    assert Money(D("1.0005"), "JOD").rounded().amount == D("1.001")
    assert Money(D("1.0015"), "JOD").rounded().amount == D("1.002")
    assert Money(D("2.345"), "USD").rounded().amount == D("2.35")
    assert Money(D("-1.0005"), "JOD").rounded().amount == D("-1.001")
    assert not Money(D("1.0005"), "JOD").is_rounded
    assert Money(D("1.001"), "JOD").is_rounded


def test_formatting_rounds_half_up_where_babel_would_round_half_even() -> None:
    assert format_money(Money(D("1.0005"), "JOD"), "en") == "JOD\xa01.001"
    assert "1.001" in format_money(Money(D("1.0005"), "JOD"), "ar")
    assert "د.أ." in format_money(Money(D("1.0005"), "JOD"), "ar")
    assert format_money(Money(D("1234.5"), "USD"), "en") == "$\xa01,234.50"
    assert format_money(Money(D("0.0025"), "JOD"), "en") == "JOD\xa00.003"


def test_arithmetic_refuses_to_mix_currencies() -> None:
    jod = Money(D("1.500"), "JOD")
    with pytest.raises(CurrencyMismatch) as err:
        _ = jod + Money(D("1"), "USD")
    assert err.value.key == "error.currency_mismatch"
    with pytest.raises(CurrencyMismatch):
        _ = jod < Money(D("1"), "USD")
    assert (jod + jod).amount == D("3.000")
    assert (jod - Money(D("2"), "JOD")).amount == D("-0.500")
    assert (jod * 3).amount == D("4.500")
    assert money_sum([jod, jod, jod], "JOD").amount == D("4.500")
    assert money_sum([], "JOD") == Money.zero("JOD")


def test_floats_are_refused_everywhere() -> None:
    with pytest.raises(TypeError):
        Money(1.5, "JOD")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        _ = Money(D(1), "JOD") * 1.5  # type: ignore[operator]
    with pytest.raises(InvalidInput) as err:
        parse_amount(1.5, "JOD")  # type: ignore[arg-type]
    assert err.value.key == "error.amount_invalid"


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("NaN", "error.amount_not_finite"),
        ("nan", "error.amount_not_finite"),
        ("Infinity", "error.amount_not_finite"),
        ("-inf", "error.amount_not_finite"),
        ("sNaN", "error.amount_not_finite"),
        (D("NaN"), "error.amount_not_finite"),
        ("-1", "error.amount_negative"),
        ("1.0005", "error.amount_too_precise"),
        ("1000000000000000", "error.amount_too_large"),
        ("1e3", "error.amount_invalid"),
        ("12abc", "error.amount_invalid"),
        ("1,5", "error.amount_invalid"),
        ("", "error.amount_invalid"),
    ],
)
def test_bad_amounts_are_refused_with_a_clear_key(raw: str | Decimal, key: str) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_amount(raw, "JOD")
    assert err.value.key == key


def test_amounts_typed_in_arabic_or_with_separators_are_understood() -> None:
    assert parse_amount("١٢٫٥", "JOD") == Money(D("12.500"), "JOD")
    assert parse_amount("1,234.250", "JOD").amount == D("1234.250")
    assert parse_amount(" 7 ", "JOD").amount == D("7.000")
    assert parse_amount("999999999999999.999", "JOD").amount == D("999999999999999.999")
    assert parse_amount("-3", "JOD", allow_negative=True).amount == D("-3.000")
    # 1.500 has three places but only two significant ones: fine for USD.
    assert parse_amount("1.500", "USD").amount == D("1.50")
    with pytest.raises(InvalidInput) as err:
        parse_amount("1.505", "USD")
    assert err.value.key == "error.amount_too_precise"
    with pytest.raises(InvalidInput) as err:
        parse_amount("0", "JOD", allow_zero=False)
    assert err.value.key == "error.amount_not_positive"


def test_a_computed_amount_too_large_for_the_column_is_refused() -> None:
    big = Money(D("999999999999999.999"), "JOD") * 2
    with pytest.raises(InvalidInput) as err:
        big.storable()
    assert err.value.key == "error.amount_too_large"
    assert Money(D("1.0005"), "JOD").storable() == D("1.001")


def test_apportioning_keeps_the_exact_total() -> None:
    parts = apportion(Money(D("10.000"), "JOD"), [D(1), D(1), D(1)])
    assert [p.amount for p in parts] == [D("3.334"), D("3.333"), D("3.333")]
    assert money_sum(parts, "JOD").amount == D("10.000")
    uneven = apportion(Money(D("1.00"), "USD"), [D("7.5"), D("2.5"), D(0)])
    assert [p.amount for p in uneven] == [D("0.75"), D("0.25"), D("0.00")]
    assert apportion(Money(D("5"), "JOD"), [D(0), D(0)]) == [Money.zero("JOD")] * 2


def test_amounts_are_shown_in_a_second_currency_at_the_configured_rate() -> None:
    settings: dict[str, object] = {"display_currency": "USD", "display_rate": "1.4104"}
    rate = display_rate(settings)
    assert rate == DisplayRate("USD", D("1.4104"))
    assert convert(Money(D("10.000"), "JOD"), rate).amount == D("14.10")
    dual = format_dual(Money(D("10.000"), "JOD"), "en", settings)
    assert dual.primary == "JOD\xa010.000"
    assert dual.secondary == "$\xa014.10"
    assert format_dual(Money(D("1"), "JOD"), "en", {}).secondary is None
    with pytest.raises(InvalidInput):
        display_rate({"display_currency": "USD", "display_rate": "-1"})


def test_rates_must_be_positive_and_finite() -> None:
    assert parse_rate("16") == D("16.000000")
    for raw in ("0", "-2", "NaN", "x"):
        with pytest.raises(InvalidInput):
            parse_rate(raw)

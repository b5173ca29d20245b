"""Pricing is exact: half-up at each line, each tax and each discount share."""

from __future__ import annotations

from decimal import Decimal

import pytest

from garagebot.core.billing.enums import LineKind, TaxCategory
from garagebot.core.billing.pricing import LineInput, content_hash, price_lines
from garagebot.core.errors import InvalidInput
from garagebot.core.money import Money

D = Decimal


def _line(qty: str, price: str, discount: str = "0", category: TaxCategory = TaxCategory.PARTS) -> LineInput:
    return LineInput(
        kind=LineKind.PART,
        tax_category=category,
        description_en="Part",
        description_ar="قطعة",
        quantity=D(qty),
        unit_price=Money(D(price), "JOD"),
        line_discount=Money(D(discount), "JOD"),
    )


def _rates(category: TaxCategory) -> Decimal:
    return {TaxCategory.FEES: D("12.5")}.get(category, D(16))


def test_a_line_is_rounded_half_up_where_half_even_would_round_down() -> None:
    priced, totals = price_lines([_line("0.5", "1.001")], Money.zero("JOD"), _rates, "JOD")
    assert priced[0].gross.amount == D("0.501")  # 0.5005 half-up
    assert totals.subtotal.amount == D("0.501")


def test_tax_is_rounded_half_up_per_line_at_the_category_rate() -> None:
    priced, totals = price_lines(
        [_line("1", "1.012", category=TaxCategory.FEES), _line("1", "24.690")],
        Money.zero("JOD"),
        _rates,
        "JOD",
    )
    assert priced[0].tax.amount == D("0.127")  # 0.1265 half-up (half-even gives 0.126)
    assert priced[1].tax.amount == D("3.950")  # 3.9504
    assert totals.tax_total.amount == D("4.077")
    assert totals.total.amount == D("1.012") + D("24.690") + D("4.077")


def test_a_document_discount_is_spread_over_the_lines_and_adds_up_exactly() -> None:
    lines = [_line("1", "10"), _line("1", "10"), _line("1", "10", discount="1")]
    priced, totals = price_lines(lines, Money(D("1.000"), "JOD"), _rates, "JOD")
    shares = [p.discount_share.amount for p in priced]
    assert sum(shares) == D("1.000")
    assert shares == [D("0.345"), D("0.345"), D("0.310")]
    assert totals.discount_total.amount == D("2.000")
    assert totals.net_total.amount == D("28.000")
    assert totals.tax_total.amount == sum((p.tax.amount for p in priced), D(0))


def test_discounts_larger_than_what_they_discount_are_refused() -> None:
    with pytest.raises(InvalidInput) as err:
        price_lines([_line("1", "5", discount="6")], Money.zero("JOD"), _rates, "JOD")
    assert err.value.key == "error.discount_exceeds_line"
    with pytest.raises(InvalidInput) as err:
        price_lines([_line("1", "5")], Money(D("5.001"), "JOD"), _rates, "JOD")
    assert err.value.key == "error.discount_exceeds_total"


def test_the_content_hash_is_stable_and_changes_with_any_amount() -> None:
    priced, totals = price_lines([_line("2", "12.345")], Money.zero("JOD"), _rates, "JOD")
    first = content_hash(7, 1, "JOD", priced, totals)
    assert first == content_hash(7, 1, "JOD", priced, totals)
    assert len(first) == 64
    other, other_totals = price_lines([_line("2", "12.346")], Money.zero("JOD"), _rates, "JOD")
    assert content_hash(7, 1, "JOD", other, other_totals) != first
    assert content_hash(7, 2, "JOD", priced, totals) != first

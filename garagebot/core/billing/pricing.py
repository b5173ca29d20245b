"""Pricing of quote and invoice lines, and the quote's content hash. Pure.

Rounding points (half-up, to the currency's exponent): a line's gross
(quantity × unit price), each share of a document discount (apportioned over
the lines in proportion to their net so the shares add up exactly), a line's
tax. Nets and totals are sums of rounded values, so they need no rounding.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from garagebot.core.billing.enums import LineKind, TaxCategory
from garagebot.core.errors import InvalidInput
from garagebot.core.money import Money, apportion, money_sum

THREE_PLACES = Decimal("0.001")


@dataclass(frozen=True, slots=True)
class LineInput:
    """What a line sells, before tax and document discount."""

    kind: LineKind
    tax_category: TaxCategory
    description_en: str
    description_ar: str
    quantity: Decimal
    unit_price: Money
    line_discount: Money
    job_card_id: int | None = None
    step_id: int | None = None
    reservation_id: int | None = None


@dataclass(frozen=True, slots=True)
class PricedLine:
    line: LineInput
    gross: Money
    discount_share: Money
    net: Money
    tax_rate: Decimal
    tax: Money
    total: Money


@dataclass(frozen=True, slots=True)
class Totals:
    subtotal: Money  # sum of gross
    discount_total: Money  # line discounts + the document discount
    net_total: Money
    tax_total: Money
    total: Money


def price_lines(
    lines: Sequence[LineInput],
    document_discount: Money,
    tax_rate: Callable[[TaxCategory], Decimal],
    currency: str,
) -> tuple[list[PricedLine], Totals]:
    """Price ``lines``; InvalidInput when a discount is larger than what it discounts."""
    grosses = [(ln.unit_price * ln.quantity).rounded() for ln in lines]
    after_line: list[Money] = []
    for ln, gross in zip(lines, grosses, strict=True):
        if ln.line_discount.amount < 0 or ln.line_discount.rounded() > gross:
            raise InvalidInput(
                "error.discount_exceeds_line", discount=str(ln.line_discount.amount), gross=str(gross.amount)
            )
        after_line.append(gross - ln.line_discount.rounded())
    base = money_sum(after_line, currency)
    if document_discount.amount < 0 or document_discount.rounded() > base:
        raise InvalidInput(
            "error.discount_exceeds_total", discount=str(document_discount.amount), total=str(base.amount)
        )
    shares = apportion(document_discount, [a.amount for a in after_line])
    priced = []
    for ln, gross, rest, share in zip(lines, grosses, after_line, shares, strict=True):
        net = rest - share
        rate = tax_rate(ln.tax_category)
        tax = net.percent(rate).rounded()
        priced.append(PricedLine(ln, gross, share, net, rate, tax, net + tax))
    return priced, totals_of(priced, currency)


def totals_of(priced: Sequence[PricedLine], currency: str) -> Totals:
    """Totals of already priced lines (also of a subset, e.g. the approved ones)."""
    subtotal = money_sum([p.gross for p in priced], currency)
    net = money_sum([p.net for p in priced], currency)
    tax = money_sum([p.tax for p in priced], currency)
    return Totals(subtotal, subtotal - net, net, tax, net + tax)


def discount_percent(totals: Totals) -> Decimal:
    """The discount as a percentage of the gross (0 for an empty quote)."""
    if totals.subtotal.is_zero():
        return Decimal(0)
    return totals.discount_total.amount * 100 / totals.subtotal.amount


def with_quantity(line: LineInput, quantity: Decimal) -> LineInput:
    return replace(line, quantity=quantity)


def _amount(m: Money) -> str:
    return str(m.rounded().amount)


def content_hash(
    quote_id: int, version: int, currency: str, priced: Sequence[PricedLine], totals: Totals
) -> str:
    """SHA-256 over a canonical JSON of a quote version's lines and totals.

    Decimals are written at fixed places (amounts at the currency's, quantities
    and rates at 3), so the same content hashes the same on every engine."""
    body = {
        "quote": quote_id,
        "version": version,
        "currency": currency,
        "lines": [
            {
                "kind": p.line.kind.value,
                "tax_category": p.line.tax_category.value,
                "description_en": p.line.description_en,
                "description_ar": p.line.description_ar,
                "quantity": str(p.line.quantity.quantize(THREE_PLACES)),
                "unit_price": _amount(p.line.unit_price),
                "gross": _amount(p.gross),
                "line_discount": _amount(p.line.line_discount),
                "discount_share": _amount(p.discount_share),
                "net": _amount(p.net),
                "tax_rate": str(p.tax_rate.quantize(THREE_PLACES)),
                "tax": _amount(p.tax),
                "total": _amount(p.total),
            }
            for p in priced
        ],
        "totals": {
            "subtotal": _amount(totals.subtotal),
            "discount_total": _amount(totals.discount_total),
            "net_total": _amount(totals.net_total),
            "tax_total": _amount(totals.tax_total),
            "total": _amount(totals.total),
        },
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()

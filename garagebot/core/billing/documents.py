"""Shared plumbing of billing documents: numbers, and moving priced lines
between the pricing functions and the quote / invoice line rows."""

from __future__ import annotations

from decimal import Decimal

from garagebot.core.billing.enums import LineKind, TaxCategory
from garagebot.core.billing.pricing import LineInput, PricedLine, Totals
from garagebot.core.billing.settings import BillingSettings
from garagebot.core.enums import ActorKind
from garagebot.core.models import CreditNote, Invoice, InvoiceLine, Quote, QuoteLine
from garagebot.core.money import Money
from garagebot.core.uow import UnitOfWork

INVOICE_PREFIX = "INV"
CREDIT_NOTE_PREFIX = "CN"
RECEIPT_PREFIX = "RCT"


async def document_number(uow: UnitOfWork, prefix: str, settings: BillingSettings) -> str:
    """The next gapless number PREFIX-YYYY-NNNNNN (year in the garage's zone).
    Taken inside the caller's transaction: a rollback gives it back."""
    year = settings.year(uow.now)
    value = await uow.next_number(prefix, str(year))
    return f"{prefix}-{year}-{value:06d}"


def acting_user_id(uow: UnitOfWork) -> int | None:
    return uow.actor.id if uow.actor.kind is ActorKind.USER else None


def line_input(row: QuoteLine | InvoiceLine, currency: str) -> LineInput:
    return LineInput(
        kind=LineKind(row.kind),
        tax_category=TaxCategory(row.tax_category),
        description_en=row.description_en,
        description_ar=row.description_ar,
        quantity=Decimal(row.quantity),
        unit_price=Money(row.unit_price, currency),
        line_discount=Money(row.line_discount, currency),
        job_card_id=row.job_card_id,
        step_id=row.step_id,
        reservation_id=row.reservation_id,
    )


def stored_priced(row: QuoteLine | InvoiceLine, currency: str) -> PricedLine:
    """A line as priced and stored (not repriced: a sent quote's prices stand)."""
    return PricedLine(
        line=line_input(row, currency),
        gross=Money(row.gross, currency),
        discount_share=Money(row.discount_share, currency),
        net=Money(row.net, currency),
        tax_rate=Decimal(row.tax_rate),
        tax=Money(row.tax, currency),
        total=Money(row.total, currency),
    )


def write_line(row: QuoteLine | InvoiceLine, position: int, p: PricedLine) -> None:
    """Copy a priced line onto its row (amounts checked to fit the column)."""
    ln = p.line
    row.position = position
    row.kind = ln.kind.value
    row.tax_category = ln.tax_category.value
    row.description_en = ln.description_en
    row.description_ar = ln.description_ar
    row.job_card_id = ln.job_card_id
    row.step_id = ln.step_id
    row.reservation_id = ln.reservation_id
    row.quantity = ln.quantity
    row.unit_price = ln.unit_price.storable()
    row.gross = p.gross.storable()
    row.line_discount = ln.line_discount.storable()
    row.discount_share = p.discount_share.storable()
    row.net = p.net.storable()
    row.tax_rate = p.tax_rate
    row.tax = p.tax.storable()
    row.total = p.total.storable()


def write_totals(doc: Quote | Invoice | CreditNote, totals: Totals, sign: int = 1) -> None:
    doc.subtotal = (totals.subtotal * sign).storable()
    doc.discount_total = (totals.discount_total * sign).storable()
    doc.net_total = (totals.net_total * sign).storable()
    doc.tax_total = (totals.tax_total * sign).storable()
    doc.total = (totals.total * sign).storable()


def totals_snapshot(doc: Quote | Invoice | CreditNote) -> dict[str, object]:
    """The document's totals for audit entries and events."""
    return {
        "currency": doc.currency, "subtotal": doc.subtotal, "discount_total": doc.discount_total,
        "net_total": doc.net_total, "tax_total": doc.tax_total, "total": doc.total,
    }


def stored_totals(doc: Quote | Invoice | CreditNote) -> Totals:
    c = doc.currency
    return Totals(Money(doc.subtotal, c), Money(doc.discount_total, c), Money(doc.net_total, c),
                  Money(doc.tax_total, c), Money(doc.total, c))

"""Billing states and kinds (stored as their string values)."""

from __future__ import annotations

from enum import StrEnum


class QuoteStatus(StrEnum):
    DRAFT = "DRAFT"
    SENT = "SENT"
    APPROVED = "APPROVED"
    PARTIALLY_APPROVED = "PARTIALLY_APPROVED"
    DECLINED = "DECLINED"
    EXPIRED = "EXPIRED"
    # A sent version replaced by a newer sent version: no longer open for decisions.
    SUPERSEDED = "SUPERSEDED"


class LineKind(StrEnum):
    LABOUR = "LABOUR"
    PART = "PART"
    FEE = "FEE"
    SURCHARGE = "SURCHARGE"


class TaxCategory(StrEnum):
    """Line categories that may carry their own tax rate."""

    LABOUR = "labour"
    PARTS = "parts"
    FEES = "fees"
    SURCHARGES = "surcharges"


DEFAULT_TAX_CATEGORY = {
    LineKind.LABOUR: TaxCategory.LABOUR,
    LineKind.PART: TaxCategory.PARTS,
    LineKind.FEE: TaxCategory.FEES,
    LineKind.SURCHARGE: TaxCategory.SURCHARGES,
}


class LineDecision(StrEnum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    DECLINED = "DECLINED"
    DEFERRED = "DEFERRED"


class DiscountStatus(StrEnum):
    NONE = "NONE"  # no discount, or within the author's own limit
    PENDING = "PENDING"  # above the author's limit: a manager must approve before sending
    APPROVED = "APPROVED"


class InvoiceStatus(StrEnum):
    DRAFT = "DRAFT"
    ISSUED = "ISSUED"
    PARTIALLY_PAID = "PARTIALLY_PAID"
    PAID = "PAID"
    VOID = "VOID"


OPEN_INVOICE = (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID)


class BillingMode(StrEnum):
    QUOTED = "quoted"  # invoice the approved quote lines
    ACTUAL = "actual"  # invoice consumed parts and logged labour


class PaymentMethod(StrEnum):
    CASH = "CASH"
    CARD = "CARD"
    BANK_TRANSFER = "BANK_TRANSFER"
    OTHER = "OTHER"


class PaymentStatus(StrEnum):
    ACTIVE = "ACTIVE"
    REVERSED = "REVERSED"


class PayerKind(StrEnum):
    CLIENT = "CLIENT"
    FLEET = "FLEET"


class AllocationCause(StrEnum):
    PAYMENT = "PAYMENT"  # the payment itself (and credit it pulled in)
    DEPOSIT = "DEPOSIT"  # a session's deposit, applied when its invoice is issued
    CREDIT = "CREDIT"  # available credit applied to an invoice on request


class CashKind(StrEnum):
    INCOME = "INCOME"
    EXPENSE = "EXPENSE"


class CashCategory(StrEnum):
    SALES = "sales"
    OTHER_INCOME = "other_income"
    PARTS = "parts"
    SALARIES = "salaries"
    RENT = "rent"
    UTILITIES = "utilities"
    FUEL = "fuel"
    TOOLS = "tools"
    TAXES = "taxes"
    OTHER_EXPENSE = "other_expense"

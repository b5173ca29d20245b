"""Quotes and their versions, invoices, credit notes, payments and their
allocations, client and fleet credit, fleet accounts and the cashbook.

Every amount is an ``Amount`` (NUMERIC(18, 3)) already rounded to the garage's
currency; the billing services are the only writers.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from garagebot.core.db import Amount, Base, BigId, UTCDateTime


class _PricedLine:
    """Columns shared by quote and invoice lines: what was sold and how it was priced."""

    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # LineKind
    tax_category: Mapped[str] = mapped_column(String(32))
    description_en: Mapped[str] = mapped_column(String(300))
    description_ar: Mapped[str] = mapped_column(String(300))
    job_card_id: Mapped[int | None] = mapped_column(ForeignKey("job_card.id"))
    step_id: Mapped[int | None] = mapped_column(ForeignKey("step.id"))
    reservation_id: Mapped[int | None] = mapped_column(ForeignKey("reservation.id"))
    quantity: Mapped[Decimal] = mapped_column(Amount)
    unit_price: Mapped[Decimal] = mapped_column(Amount)
    gross: Mapped[Decimal] = mapped_column(Amount)  # quantity × unit price, rounded
    line_discount: Mapped[Decimal] = mapped_column(Amount)  # set on the line
    discount_share: Mapped[Decimal] = mapped_column(Amount)  # of the document's discount
    net: Mapped[Decimal] = mapped_column(Amount)
    tax_rate: Mapped[Decimal] = mapped_column(Amount)  # percent
    tax: Mapped[Decimal] = mapped_column(Amount)
    total: Mapped[Decimal] = mapped_column(Amount)


class _Totals:
    currency: Mapped[str] = mapped_column(String(3))
    subtotal: Mapped[Decimal] = mapped_column(Amount)  # sum of gross
    discount_total: Mapped[Decimal] = mapped_column(Amount)
    net_total: Mapped[Decimal] = mapped_column(Amount)
    tax_total: Mapped[Decimal] = mapped_column(Amount)
    total: Mapped[Decimal] = mapped_column(Amount)


class Quote(_Totals, Base):
    """One version of a session's quote. A SENT version is never edited: a
    change makes version + 1, and sending it supersedes the earlier ones."""

    __tablename__ = "quote"
    __table_args__ = (UniqueConstraint("organization_id", "session_id", "version"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    session_id: Mapped[int] = mapped_column(ForeignKey("repair_session.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(24))  # QuoteStatus
    # Discount on the whole quote, spread over the lines in proportion to their net.
    quote_discount: Mapped[Decimal] = mapped_column(Amount)
    discount_status: Mapped[str] = mapped_column(String(16))  # DiscountStatus
    discount_approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    discount_approved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    content_hash: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    sent_channel: Mapped[str | None] = mapped_column(String(16))
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    superseded_by_id: Mapped[int | None] = mapped_column(BigId)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class QuoteLine(_PricedLine, Base):
    """A line of one quote version and the client's decision on it."""

    __tablename__ = "quote_line"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    quote_id: Mapped[int] = mapped_column(ForeignKey("quote.id"), index=True)
    # The line of the first version this one continues (for follow-up across versions).
    origin_line_id: Mapped[int | None] = mapped_column(BigId)
    decision: Mapped[str] = mapped_column(String(16))  # LineDecision
    decided_by_kind: Mapped[str | None] = mapped_column(String(16))
    decided_by_id: Mapped[int | None] = mapped_column(BigId)
    decided_channel: Mapped[str | None] = mapped_column(String(16))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class QuoteDecision(Base):
    """Every decision as it came in, keyed for idempotency: a repeated key is a no-op."""

    __tablename__ = "quote_decision"
    __table_args__ = (UniqueConstraint("organization_id", "decision_key", "line_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    quote_id: Mapped[int] = mapped_column(ForeignKey("quote.id"), index=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("quote_line.id"))
    decision: Mapped[str] = mapped_column(String(16))
    decision_key: Mapped[str] = mapped_column(String(128))
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(BigId)
    channel: Mapped[str] = mapped_column(String(16))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class FleetAccount(Base):
    """A bulk payer (company fleet, rental agency) whose sessions it pays for."""

    __tablename__ = "fleet_account"
    __table_args__ = (UniqueConstraint("organization_id", "name"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    name: Mapped[str] = mapped_column(String(200))
    contact_phone: Mapped[str | None] = mapped_column(String(32))
    tax_number: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class FleetSession(Base):
    """A session billed to a fleet account instead of its client."""

    __tablename__ = "fleet_session"

    session_id: Mapped[int] = mapped_column(ForeignKey("repair_session.id"), primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("fleet_account.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Invoice(_Totals, Base):
    """An invoice, numbered INV-YYYY-NNNNNN gapless per garage and year at creation."""

    __tablename__ = "invoice"
    __table_args__ = (
        UniqueConstraint("organization_id", "number"),
        Index("ix_invoice_open_by_payer", "organization_id", "payer_kind", "payer_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    number: Mapped[str] = mapped_column(String(32))
    session_id: Mapped[int] = mapped_column(ForeignKey("repair_session.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    payer_kind: Mapped[str] = mapped_column(String(16))  # PayerKind
    payer_id: Mapped[int] = mapped_column(BigId)
    quote_id: Mapped[int | None] = mapped_column(ForeignKey("quote.id"))
    billing_mode: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))  # InvoiceStatus
    paid_amount: Mapped[Decimal] = mapped_column(Amount)
    issued_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    voided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    void_reason: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class InvoiceLine(_PricedLine, Base):
    __tablename__ = "invoice_line"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id"), index=True)
    quote_line_id: Mapped[int | None] = mapped_column(ForeignKey("quote_line.id"))


class CreditNote(_Totals, Base):
    """Reverses a voided invoice's totals (amounts are negative). CN-YYYY-NNNNNN."""

    __tablename__ = "credit_note"
    __table_args__ = (UniqueConstraint("organization_id", "number"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    number: Mapped[str] = mapped_column(String(32))
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id"), unique=True)
    reason: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class AccountCredit(Base):
    """Money a payer (client or fleet account) has paid and not yet allocated:
    always the sum of ``unallocated`` over the payer's active payments."""

    __tablename__ = "account_credit"

    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), primary_key=True)
    payer_kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    payer_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    balance: Mapped[Decimal] = mapped_column(Amount)


class Payment(Base):
    """Money received, with its receipt number RCT-YYYY-NNNNNN. ``reference``
    (card slip, transfer id, idempotency key) makes a repeat a no-op."""

    __tablename__ = "payment"
    __table_args__ = (
        UniqueConstraint("organization_id", "receipt_number"),
        UniqueConstraint("organization_id", "reference"),
        Index("ix_payment_payer", "organization_id", "payer_kind", "payer_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    receipt_number: Mapped[str] = mapped_column(String(32))
    payer_kind: Mapped[str] = mapped_column(String(16))
    payer_id: Mapped[int] = mapped_column(BigId)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("repair_session.id"), index=True)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoice.id"))
    method: Mapped[str] = mapped_column(String(16))  # PaymentMethod
    reference: Mapped[str | None] = mapped_column(String(128))
    amount: Mapped[Decimal] = mapped_column(Amount)
    unallocated: Mapped[Decimal] = mapped_column(Amount)
    status: Mapped[str] = mapped_column(String(16))  # PaymentStatus
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reversed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reversed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reverse_reason: Mapped[str | None] = mapped_column(Text)


class PaymentAllocation(Base):
    """Part of a payment applied to an invoice. ``cause_payment_id`` is the
    payment whose recording made this allocation (it may spend an older
    payment's credit); reversing that payment reverses the allocation."""

    __tablename__ = "payment_allocation"
    __table_args__ = (Index("ix_payment_allocation_cause", "organization_id", "cause_payment_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    payment_id: Mapped[int] = mapped_column(ForeignKey("payment.id"), index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id"), index=True)
    cause_payment_id: Mapped[int | None] = mapped_column(BigId)
    cause: Mapped[str] = mapped_column(String(16))  # AllocationCause
    amount: Mapped[Decimal] = mapped_column(Amount)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    reversed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class CashbookEntry(Base):
    """Money in or out of the till or bank outside invoices (rent, fuel, sales …)."""

    __tablename__ = "cashbook_entry"
    __table_args__ = (Index("ix_cashbook_entry_date", "organization_id", "entry_date"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    kind: Mapped[str] = mapped_column(String(16))  # CashKind
    category: Mapped[str] = mapped_column(String(32))
    method: Mapped[str] = mapped_column(String(16))
    entry_date: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Amount)
    description: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

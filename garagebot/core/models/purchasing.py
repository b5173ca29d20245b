"""Suppliers, purchase orders, supplier bills and supplier payments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from garagebot.core.db import Amount, Base, BigId, UTCDateTime
from garagebot.core.models.inventory import Quantity


class Supplier(Base):
    __tablename__ = "supplier"
    __table_args__ = (UniqueConstraint("organization_id", "name"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    name_ar: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(200))
    tax_number: Mapped[str | None] = mapped_column(String(64))
    payment_terms_days: Mapped[int] = mapped_column(Integer, default=30)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class PurchaseOrder(Base):
    """DRAFT → SENT → PARTIALLY_RECEIVED → RECEIVED, or CANCELLED."""

    __tablename__ = "purchase_order"
    __table_args__ = (
        UniqueConstraint("organization_id", "number"),
        Index("ix_purchase_order_supplier", "organization_id", "supplier_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    number: Mapped[str] = mapped_column(String(32))
    supplier_id: Mapped[int] = mapped_column(ForeignKey("supplier.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("stock_location.id"))
    status: Mapped[str] = mapped_column(String(24))  # PurchaseOrderStatus
    note: Mapped[str | None] = mapped_column(Text)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class PurchaseOrderLine(Base):
    __tablename__ = "purchase_order_line"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    purchase_order_id: Mapped[int] = mapped_column(ForeignKey("purchase_order.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("inventory_item.id"))
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    received_quantity: Mapped[Decimal] = mapped_column(Quantity, default=Decimal(0))
    unit_cost: Mapped[Decimal] = mapped_column(Amount)


class SupplierBill(Base):
    """A supplier's invoice to the garage. ``total`` = sum of line ``net``."""

    __tablename__ = "supplier_bill"
    __table_args__ = (
        UniqueConstraint("organization_id", "supplier_id", "reference"),
        Index("ix_supplier_bill_statement", "organization_id", "supplier_id", "bill_date"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    supplier_id: Mapped[int] = mapped_column(ForeignKey("supplier.id"))
    reference: Mapped[str] = mapped_column(String(64))  # the supplier's invoice number
    bill_date: Mapped[dt.date] = mapped_column(Date)
    due_date: Mapped[dt.date] = mapped_column(Date)
    purchase_order_id: Mapped[int | None] = mapped_column(ForeignKey("purchase_order.id"))
    subtotal: Mapped[Decimal] = mapped_column(Amount)
    discount: Mapped[Decimal] = mapped_column(Amount)
    total: Mapped[Decimal] = mapped_column(Amount)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class SupplierBillLine(Base):
    """``gross`` = quantity × unit_cost; ``net`` = gross - its share of the bill discount."""

    __tablename__ = "supplier_bill_line"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    bill_id: Mapped[int] = mapped_column(ForeignKey("supplier_bill.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("inventory_item.id"))
    description: Mapped[str] = mapped_column(String(300))
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    unit_cost: Mapped[Decimal] = mapped_column(Amount)
    gross: Mapped[Decimal] = mapped_column(Amount)
    discount_share: Mapped[Decimal] = mapped_column(Amount)
    net: Mapped[Decimal] = mapped_column(Amount)


class SupplierPayment(Base):
    """Money paid to a supplier; ``reference`` makes a repeat a no-op."""

    __tablename__ = "supplier_payment"
    __table_args__ = (
        UniqueConstraint("organization_id", "supplier_id", "reference"),
        Index("ix_supplier_payment_statement", "organization_id", "supplier_id", "paid_on"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    supplier_id: Mapped[int] = mapped_column(ForeignKey("supplier.id"))
    amount: Mapped[Decimal] = mapped_column(Amount)
    method: Mapped[str] = mapped_column(String(16))
    reference: Mapped[str] = mapped_column(String(64))
    paid_on: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

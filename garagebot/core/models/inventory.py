"""Parts: items and their fitment, stores, stock levels, the stock ledger,
cost layers, parts used on sessions (reservations), missing-part requests and
reorder suggestions.

Quantities are exact decimals with 3 places (litres of oil, metres of hose).
They are stored as whole thousandths (BIGINT) so that ``reserved + :n`` and
``on_hand - reserved >= :n`` are integer arithmetic inside the database on
both engines (SQLite would do text-to-float arithmetic on a text column).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from garagebot.core.db import Amount, Base, BigId, UTCDateTime

_MILLI = Decimal(1000)
_THREE_PLACES = Decimal("0.001")


class Quantity(TypeDecorator[Decimal]):
    """A quantity with 3 decimal places, stored as integer thousandths."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | int | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, Decimal | int):
            raise ValueError("Quantity columns take Decimals or ints only")
        dec = Decimal(value)
        if not dec.is_finite() or dec != dec.quantize(_THREE_PLACES):
            raise ValueError("Quantity columns take finite values with at most 3 decimal places")
        return int(dec * _MILLI)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return (Decimal(int(value)) / _MILLI).quantize(_THREE_PLACES)

    def coerce_compared_value(self, op: Any, value: Any) -> Any:
        # Literals compared with or added to a quantity are quantities too.
        return self


class StockLocation(Base):
    """A store (main store, van, second branch) that holds stock."""

    __tablename__ = "stock_location"
    __table_args__ = (UniqueConstraint("organization_id", "code"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name_en: Mapped[str] = mapped_column(String(200))
    name_ar: Mapped[str] = mapped_column(String(200))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class InventoryItem(Base):
    """A stocked (or orderable) part. ``cost`` is the last purchase cost (also
    used for stock found on a count); actual costs come from the cost layers."""

    __tablename__ = "inventory_item"
    __table_args__ = (
        UniqueConstraint("organization_id", "sku"),
        Index("ix_inventory_item_barcode", "organization_id", "barcode"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    sku: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(200))
    name_ar: Mapped[str] = mapped_column(String(200))
    brand: Mapped[str | None] = mapped_column(String(100))
    category: Mapped[str | None] = mapped_column(String(64))
    unit: Mapped[str] = mapped_column(String(16), default="pcs")
    min_level: Mapped[Decimal] = mapped_column(Quantity, default=Decimal(0))
    max_level: Mapped[Decimal] = mapped_column(Quantity, default=Decimal(0))
    bin_location: Mapped[str | None] = mapped_column(String(64))
    barcode: Mapped[str | None] = mapped_column(String(64))
    cost: Mapped[Decimal] = mapped_column(Amount)
    price: Mapped[Decimal] = mapped_column(Amount)
    preferred_supplier_id: Mapped[int | None] = mapped_column(ForeignKey("supplier.id"))
    # Set when a low-stock alert went out; cleared when stock is back at or above min,
    # so the alert fires once per crossing.
    low_stock_alerted: Mapped[bool] = mapped_column(Boolean, default=False)
    shortage_alerted: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ItemFitment(Base):
    """One vehicle range a part fits: make, optionally model, optionally years."""

    __tablename__ = "item_fitment"
    __table_args__ = (Index("ix_item_fitment_vehicle", "organization_id", "make", "model"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("inventory_item.id"), index=True)
    make: Mapped[str] = mapped_column(String(64))  # stored upper case
    model: Mapped[str | None] = mapped_column(String(64))  # upper case; None = every model
    year_from: Mapped[int | None] = mapped_column(Integer)
    year_to: Mapped[int | None] = mapped_column(Integer)


class StockLevel(Base):
    """On-hand and reserved quantity of one item in one store, kept in step with
    the ledger in the same transaction. Available = on_hand - reserved."""

    __tablename__ = "stock_level"
    __table_args__ = (UniqueConstraint("organization_id", "item_id", "location_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("inventory_item.id"), index=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("stock_location.id"))
    on_hand: Mapped[Decimal] = mapped_column(Quantity, default=Decimal(0))
    reserved: Mapped[Decimal] = mapped_column(Quantity, default=Decimal(0))


class StockMove(Base):
    """One append-only ledger entry. The deltas are what the move did to the
    stock level of (item, location); summing them rebuilds the levels."""

    __tablename__ = "stock_move"
    __table_args__ = (Index("ix_stock_move_item", "organization_id", "item_id", "location_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("inventory_item.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("stock_location.id"))
    kind: Mapped[str] = mapped_column(String(16))  # MoveKind
    quantity: Mapped[Decimal] = mapped_column(Quantity)  # always positive
    on_hand_delta: Mapped[Decimal] = mapped_column(Quantity)
    reserved_delta: Mapped[Decimal] = mapped_column(Quantity)
    # Exact cost of the units that entered (RECEIVE, ADJUST up) or left
    # (CONSUME, ADJUST down) the valuation; None for moves that do not touch it.
    cost_total: Mapped[Decimal | None] = mapped_column(Amount)
    reason: Mapped[str | None] = mapped_column(Text)
    reservation_id: Mapped[int | None] = mapped_column(ForeignKey("reservation.id"))
    session_id: Mapped[int | None] = mapped_column(ForeignKey("repair_session.id"))
    transfer_group: Mapped[str | None] = mapped_column(String(36))
    po_line_id: Mapped[int | None] = mapped_column(ForeignKey("purchase_order_line.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class CostLayer(Base):
    """Units received at one cost, consumed oldest first (FIFO). A layer bought
    for one job (``reservation_id`` set) is consumed only by that reservation.
    ``value_remaining`` is the exact value of the units left: a partial take
    costs its rounded share and the last take costs what is left, so the costs
    taken out always add up to the value put in. Under weighted-average
    valuation the general layers of an item are merged into one."""

    __tablename__ = "cost_layer"
    __table_args__ = (Index("ix_cost_layer_fifo", "organization_id", "item_id", "received_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("inventory_item.id"))
    move_id: Mapped[int] = mapped_column(ForeignKey("stock_move.id"))
    reservation_id: Mapped[int | None] = mapped_column(ForeignKey("reservation.id"))
    quantity_in: Mapped[Decimal] = mapped_column(Quantity)
    remaining: Mapped[Decimal] = mapped_column(Quantity)
    unit_cost: Mapped[Decimal] = mapped_column(Amount)
    value_remaining: Mapped[Decimal] = mapped_column(Amount)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Reservation(Base):
    """A part used on a repair session. RESERVED → PICKED → CONSUMED | RETURNED.

    Source STOCK reserves from a store; source PURCHASE was bought for the job
    from ``supplier_id`` at ``unit_cost``. ``unit_price`` is what the client is
    charged per unit; ``cost_total`` is the exact cost once consumed.
    Column names here are read by billing: keep them stable.
    """

    __tablename__ = "reservation"
    __table_args__ = (Index("ix_reservation_session", "organization_id", "session_id", "status"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    session_id: Mapped[int] = mapped_column(ForeignKey("repair_session.id"))
    job_card_id: Mapped[int | None] = mapped_column(ForeignKey("job_card.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("inventory_item.id"), index=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("stock_location.id"))
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    status: Mapped[str] = mapped_column(String(16))  # ReservationStatus
    source: Mapped[str] = mapped_column(String(16))  # ReservationSource
    unit_cost: Mapped[Decimal] = mapped_column(Amount)
    unit_price: Mapped[Decimal] = mapped_column(Amount)
    cost_total: Mapped[Decimal | None] = mapped_column(Amount)
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("supplier.id"))
    override_reason: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    picked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    consumed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    returned_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class PartRequest(Base):
    """A part a session is waiting for (not in stock when needed)."""

    __tablename__ = "part_request"
    __table_args__ = (Index("ix_part_request_open", "organization_id", "item_id", "status"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    session_id: Mapped[int] = mapped_column(ForeignKey("repair_session.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("inventory_item.id"))
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    status: Mapped[str] = mapped_column(String(16))  # PartRequestStatus
    note: Mapped[str | None] = mapped_column(Text)
    reservation_id: Mapped[int | None] = mapped_column(ForeignKey("reservation.id"))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    fulfilled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class ReorderSuggestion(Base):
    """A reason to order an item: low stock, a shortage or a missing part."""

    __tablename__ = "reorder_suggestion"
    __table_args__ = (Index("ix_reorder_suggestion_open", "organization_id", "status"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("inventory_item.id"))
    reason: Mapped[str] = mapped_column(String(16))  # SuggestionReason
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("repair_session.id"))
    status: Mapped[str] = mapped_column(String(16))  # SuggestionStatus
    purchase_order_id: Mapped[int | None] = mapped_column(ForeignKey("purchase_order.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

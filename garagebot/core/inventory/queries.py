"""Read-only questions about parts: search, stock of an item, parts of a
session with their cost and margin. Results are frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import ColumnElement, Select, func, or_, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.core.inventory.fitment import fits
from garagebot.core.inventory.states import ReservationStatus
from garagebot.core.inventory.values import round_amount
from garagebot.core.models import Organization, Vehicle
from garagebot.core.models.inventory import (
    InventoryItem,
    ItemFitment,
    Quantity,
    Reservation,
    StockLevel,
)
from garagebot.core.normalize import ascii_digits, clean_text

ZERO = Decimal("0.000")


@dataclass(frozen=True, slots=True)
class ItemSummary:
    id: int
    sku: str
    name_en: str
    name_ar: str
    brand: str | None
    unit: str
    price: Decimal
    bin_location: str | None
    on_hand: Decimal
    reserved: Decimal

    @property
    def available(self) -> Decimal:
        return self.on_hand - self.reserved


def _with_stock(org_id: int) -> Select[tuple[InventoryItem, Decimal, Decimal]]:
    levels = (
        select(
            StockLevel.item_id.label("item_id"),
            type_coerce(func.sum(StockLevel.on_hand), Quantity()).label("on_hand"),
            type_coerce(func.sum(StockLevel.reserved), Quantity()).label("reserved"),
        )
        .where(StockLevel.organization_id == org_id)
        .group_by(StockLevel.item_id)
        .subquery()
    )
    return (
        select(InventoryItem, levels.c.on_hand, levels.c.reserved)
        .outerjoin(levels, levels.c.item_id == InventoryItem.id)
        .where(InventoryItem.organization_id == org_id, InventoryItem.active.is_(True))
    )


def _summary(item: InventoryItem, on_hand: Decimal | None, reserved: Decimal | None) -> ItemSummary:
    return ItemSummary(item.id, item.sku, item.name_en, item.name_ar, item.brand, item.unit, item.price,
                       item.bin_location, on_hand or ZERO, reserved or ZERO)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _text_match(text: str) -> ColumnElement[bool]:
    needle = ascii_digits(clean_text(text))
    pattern = _like(needle)
    return or_(
        InventoryItem.sku.ilike(_like(needle.upper()), escape="\\"),
        InventoryItem.barcode == needle,
        InventoryItem.name_en.ilike(pattern, escape="\\"),
        InventoryItem.name_ar.like(pattern, escape="\\"),
        InventoryItem.brand.ilike(pattern, escape="\\"),
    )


async def search_items(
    session: AsyncSession,
    org_id: int,
    *,
    text: str | None = None,
    make: str | None = None,
    model: str | None = None,
    year: int | None = None,
    limit: int = 50,
) -> list[ItemSummary]:
    """Active items matching ``text`` (in the SKU, the barcode, the English or
    Arabic name or the brand) and/or fitting a vehicle (``make``, optionally
    ``model`` and ``year``), with their stock over every store, by SKU."""
    stmt = _with_stock(org_id)
    if text and clean_text(text):
        stmt = stmt.where(_text_match(text))
    if make:
        fitting = select(ItemFitment.item_id).where(
            ItemFitment.organization_id == org_id, fits(make, model, year)
        )
        stmt = stmt.where(InventoryItem.id.in_(fitting))
    rows = (await session.execute(stmt.order_by(InventoryItem.sku).limit(max(1, min(limit, 200))))).all()
    return [_summary(r[0], r[1], r[2]) for r in rows]


async def parts_for_vehicle(
    session: AsyncSession, org_id: int, vehicle_id: int, *, text: str | None = None
) -> list[ItemSummary]:
    """Parts that fit the garage's vehicle (by its make, model and year)."""
    vehicle = (
        await session.execute(
            select(Vehicle).where(Vehicle.id == vehicle_id, Vehicle.organization_id == org_id)
        )
    ).scalar_one_or_none()
    if vehicle is None or not vehicle.make:
        return []
    return await search_items(session, org_id, text=text, make=vehicle.make, model=vehicle.model,
                              year=vehicle.year)


async def item_stock(session: AsyncSession, org_id: int, item_id: int) -> ItemSummary | None:
    row = (await session.execute(_with_stock(org_id).where(InventoryItem.id == item_id))).first()
    return None if row is None else _summary(row[0], row[1], row[2])


@dataclass(frozen=True, slots=True)
class SessionPart:
    """A part on a session as billing needs it. ``cost_total`` is exact once CONSUMED."""

    reservation_id: int
    item_id: int
    sku: str
    name_en: str
    name_ar: str
    unit: str
    quantity: Decimal
    unit_price: Decimal
    price_total: Decimal
    status: ReservationStatus
    source: str
    cost_total: Decimal | None
    job_card_id: int | None


async def session_parts(session: AsyncSession, org_id: int, session_id: int) -> list[SessionPart]:
    """Every reservation of the session (returned ones included), oldest first.
    ``price_total`` = quantity × unit price, rounded half-up to the currency (fils for JOD)."""
    currency = (
        await session.execute(select(Organization.currency).where(Organization.id == org_id))
    ).scalar_one()
    stmt = (
        select(Reservation, InventoryItem)
        .join(InventoryItem, InventoryItem.id == Reservation.item_id)
        .where(Reservation.organization_id == org_id, Reservation.session_id == session_id)
        .order_by(Reservation.created_at, Reservation.id)
    )
    return [
        SessionPart(
            r.id, i.id, i.sku, i.name_en, i.name_ar, i.unit, r.quantity, r.unit_price,
            round_amount(r.quantity * r.unit_price, currency), ReservationStatus(r.status),
            r.source, r.cost_total, r.job_card_id,
        )
        for r, i in (await session.execute(stmt)).tuples()
    ]


@dataclass(frozen=True, slots=True)
class SessionPartsCost:
    """The consumed parts of a session: exact cost (from the cost layers),
    what the client is charged for them, and the gross margin."""

    session_id: int
    parts: tuple[SessionPart, ...]
    cost_total: Decimal
    price_total: Decimal

    @property
    def margin(self) -> Decimal:
        return self.price_total - self.cost_total


async def session_parts_cost(session: AsyncSession, org_id: int, session_id: int) -> SessionPartsCost:
    consumed = tuple(
        p for p in await session_parts(session, org_id, session_id) if p.status is ReservationStatus.CONSUMED
    )
    return SessionPartsCost(
        session_id,
        consumed,
        sum((p.cost_total or ZERO for p in consumed), ZERO),
        sum((p.price_total for p in consumed), ZERO),
    )

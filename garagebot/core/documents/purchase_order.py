"""The purchase order the garage sends its supplier: the parts, quantities
and agreed costs, where to deliver, and what has been received so far."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.core.documents import parties
from garagebot.core.documents.invoice import party_lines
from garagebot.core.documents.parties import Party, display_phone
from garagebot.core.documents.profile import GarageProfile
from garagebot.core.documents.sheet import Column, Sheet, Total
from garagebot.core.documents.text import DocText
from garagebot.core.errors import NotFound
from garagebot.core.models import InventoryItem, PurchaseOrder, PurchaseOrderLine, StockLocation, Supplier
from garagebot.core.money import Money, money_sum


@dataclass(frozen=True, slots=True)
class OrderLineData:
    sku: str
    name_en: str
    name_ar: str
    quantity: Decimal
    received: Decimal
    unit_cost: Money

    @property
    def total(self) -> Money:
        return (self.unit_cost * self.quantity).rounded()


@dataclass(frozen=True, slots=True)
class OrderData:
    number: str
    status: str
    created_at: dt.datetime
    sent_at: dt.datetime | None
    note: str
    location_en: str
    location_ar: str
    supplier: Party
    lines: tuple[OrderLineData, ...]
    garage: GarageProfile


async def supplier_party(session: AsyncSession, org_id: int, supplier_id: int, locale: str) -> Party:
    found = (
        await session.execute(
            select(Supplier).where(Supplier.organization_id == org_id, Supplier.id == supplier_id)
        )
    ).scalar_one_or_none()
    if found is None:
        raise NotFound("error.not_found", entity="supplier", id=supplier_id)
    phone = display_phone(found.phone or "")
    return Party(found.name, phone, found.tax_number or "", locale, found.name_ar or "")


async def load_order(session: AsyncSession, org_id: int, order_id: int) -> OrderData:
    po = (
        await session.execute(
            select(PurchaseOrder).where(PurchaseOrder.organization_id == org_id, PurchaseOrder.id == order_id)
        )
    ).scalar_one_or_none()
    if po is None:
        raise NotFound("error.not_found", entity="purchase_order", id=order_id)
    garage = await parties.garage(session, org_id)
    c = garage.currency
    rows = (
        await session.execute(
            select(
                InventoryItem.sku,
                InventoryItem.name_en,
                InventoryItem.name_ar,
                PurchaseOrderLine.quantity,
                PurchaseOrderLine.received_quantity,
                PurchaseOrderLine.unit_cost,
            )
            .join(InventoryItem, InventoryItem.id == PurchaseOrderLine.item_id)
            .where(PurchaseOrderLine.organization_id == org_id, PurchaseOrderLine.purchase_order_id == po.id)
            .order_by(PurchaseOrderLine.id)
        )
    ).all()
    location = await session.get(StockLocation, po.location_id)
    return OrderData(
        po.number,
        po.status,
        po.created_at,
        po.sent_at,
        po.note or "",
        location.name_en if location else "",
        location.name_ar if location else "",
        await supplier_party(session, org_id, po.supplier_id, garage.default_locale),
        tuple(
            OrderLineData(sku, en, ar, Decimal(q), Decimal(r), Money(cost, c))
            for sku, en, ar, q, r, cost in rows
        ),
        garage,
    )


def order_sheet(data: OrderData, text: DocText) -> Sheet:
    c = data.garage.currency
    facts = [
        (text("documents.fact.date"), text.day(data.sent_at or data.created_at)),
        (text("documents.fact.status"), text(f"documents.po_status.{data.status}")),
        (text("documents.fact.deliver_to"), text.pick(data.location_en, data.location_ar)),
    ]
    rows = tuple(
        (
            ln.sku,
            text.pick(ln.name_en, ln.name_ar),
            text.number(ln.quantity),
            text.number(ln.received),
            text.money(ln.unit_cost),
            text.money(ln.total),
        )
        for ln in data.lines
    )
    total = money_sum([ln.total for ln in data.lines], c)
    return Sheet(
        title=text("documents.title.purchase_order"),
        number=data.number,
        facts=tuple(facts),
        party_title=text("documents.party.supplier"),
        party=party_lines(text, data.supplier),
        columns=(
            Column(text("documents.col.sku"), 2.2),
            Column(text("documents.col.item"), 4.6),
            Column(text("documents.col.quantity"), 1.3, True),
            Column(text("documents.col.received"), 1.5, True),
            Column(text("documents.col.unit_cost"), 2.2, True),
            Column(text("documents.col.total"), 2.4, True),
        ),
        rows=rows,
        totals=(Total(text("documents.total.order"), text.money(total), strong=True),),
        notes=tuple(filter(None, (data.note,))),
    )

"""The demo garage's store, suppliers, fleet customer, cashbook and bookings,
seeded through the core services like the rest of the demo.

The opening stock comes in on a purchase order from the parts supplier
(received in full); the visits then reserve and use parts, so that a few
items end below their minimum (low-stock alerts) and one part the garage
never stocks is ordered from a second supplier for a car waiting for it.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from garagebot.app.demo_data import CLIENTS, VEHICLES
from garagebot.core.actor import Actor
from garagebot.core.billing.cashbook import record_cash_entry
from garagebot.core.billing.enums import CashCategory, CashKind, PaymentMethod
from garagebot.core.billing.fleet import create_fleet_account
from garagebot.core.enums import Channel
from garagebot.core.ids import FleetAccountId, ItemId, PurchaseOrderId, SessionId, SupplierId
from garagebot.core.inventory.items import ItemSpec, create_item
from garagebot.core.inventory.missing import request_missing_part
from garagebot.core.models import PurchaseOrderLine
from garagebot.core.purchasing.orders import (
    OrderLine,
    ReceiptLine,
    create_purchase_order,
    receive_purchase_order,
    send_purchase_order,
)
from garagebot.core.purchasing.suppliers import SupplierSpec, create_supplier
from garagebot.core.repair.bookings import confirm_booking
from garagebot.core.repair.intake import create_request
from garagebot.core.uow import Database


@dataclass(frozen=True, slots=True)
class ItemData:
    sku: str
    name_en: str
    name_ar: str
    unit: str
    cost: str
    price: str
    min_level: int
    stock: int  # received on the opening purchase order (0: never stocked)
    bin: str


ITEMS: tuple[ItemData, ...] = (
    ItemData("OF-TY-01", "Oil filter", "فلتر زيت", "pcs", "3.200", "6.500", 4, 10, "A1"),
    ItemData("OIL-5W30", "Engine oil 5W-30", "زيت محرك 5W-30", "l", "4.100", "7.000", 12, 40, "A2"),
    ItemData("BP-FR-HY", "Front brake pads", "فحمات فرامل أمامية", "set", "14.000", "24.000", 2, 6, "B1"),
    ItemData("BF-DOT4", "Brake fluid DOT 4", "زيت فرامل DOT 4", "l", "3.500", "6.000", 4, 5, "B2"),
    ItemData("AF-CAB", "Cabin air filter", "فلتر هواء المقصورة", "pcs", "4.000", "8.500", 3, 4, "A3"),
    ItemData("TB-KIT", "Timing belt kit", "طقم حزام التوقيت", "set", "55.000", "95.000", 1, 3, "C1"),
    ItemData("WB-600", "Wiper blade 600 mm", "مساحة زجاج 600 مم", "pcs", "2.500", "5.000", 4, 12, "D1"),
    ItemData("HV-BAT", "Hybrid battery module", "وحدة بطارية هايبرد", "pcs", "120.000", "185.000", 0, 0,
             "C2"),
)
# What each service template uses from the store (SKU, quantity).
PARTS: Mapping[str, tuple[tuple[str, int], ...]] = {
    "oil_service": (("OF-TY-01", 1), ("OIL-5W30", 4)),
    "brake_pads": (("BP-FR-HY", 1), ("BF-DOT4", 1)),
    "ac_service": (("AF-CAB", 1),),
    "timing_belt": (("TB-KIT", 1),),
}
MISSING_PART = "HV-BAT"
SUPPLIERS = (
    SupplierSpec("Amman Auto Parts Co.", "شركة عمّان لقطع السيارات", "+96265331234", payment_terms_days=30),
    SupplierSpec("Gulf Hybrid Parts", "قطع الخليج للسيارات الهجينة", "+96265539876", payment_terms_days=15),
)
FLEET = "Petra Car Rental"
CASH_ENTRIES: tuple[tuple[CashKind, CashCategory, str, int, str], ...] = (
    (CashKind.EXPENSE, CashCategory.RENT, "850.000", 10, "Workshop rent, December"),
    (CashKind.EXPENSE, CashCategory.FUEL, "35.000", 6, "Fuel for road tests"),
    (CashKind.EXPENSE, CashCategory.TOOLS, "62.500", 4, "Torque wrench"),
    (CashKind.INCOME, CashCategory.OTHER_INCOME, "15.000", 2, "Scrap metal sold"),
)


@dataclass
class Store:
    """What the visits need from the store: item ids by SKU, the suppliers, the fleet account."""

    items: dict[str, ItemId]
    suppliers: tuple[SupplierId, ...]
    fleet: FleetAccountId | None = None


async def stock_the_store(db: Database, inventory: Actor, accountant: Actor) -> Store:
    """Items, suppliers, the opening order (sent and received) and the fleet customer."""
    async with db.unit_of_work(inventory) as uow:
        suppliers = tuple([await create_supplier(uow, s) for s in SUPPLIERS])
        items = {d.sku: await create_item(uow, ItemSpec(
            sku=d.sku, name_en=d.name_en, name_ar=d.name_ar, cost=d.cost, price=d.price, unit=d.unit,
            min_level=d.min_level, max_level=max(d.stock * 2, d.min_level), bin_location=d.bin,
            preferred_supplier_id=suppliers[1] if d.sku == MISSING_PART else suppliers[0],
        )) for d in ITEMS}
        lines = [OrderLine(items[d.sku], d.stock, d.cost) for d in ITEMS if d.stock]
        po = await create_purchase_order(uow, suppliers[0], lines, note_text="Opening stock")
        await send_purchase_order(uow, po)
    async with db.unit_of_work(inventory) as uow:
        await receive_purchase_order(uow, po, await _outstanding(db, po))
    async with db.unit_of_work(accountant) as uow:
        fleet = await create_fleet_account(uow, name=FLEET, contact_phone="+96265601010",
                                           tax_number="4002345")
    return Store(items, suppliers, fleet)


async def _outstanding(db: Database, po: PurchaseOrderId) -> list[ReceiptLine]:
    async with db.read() as s:
        rows = (await s.execute(select(PurchaseOrderLine.id, PurchaseOrderLine.quantity).where(
            PurchaseOrderLine.purchase_order_id == po))).all()
    return [ReceiptLine(line_id, qty) for line_id, qty in rows]


async def order_missing_part(db: Database, store: Store, advisor: Actor, inventory: Actor,
                             sid: SessionId) -> None:
    """The car needs a part the garage never stocks: a part request, and an order sent for it."""
    item = store.items[MISSING_PART]
    async with db.unit_of_work(advisor) as uow:
        await request_missing_part(uow, sid, item, 1, note="Module 4 reads low; replace it")
    cost = next(d.cost for d in ITEMS if d.sku == MISSING_PART)
    async with db.unit_of_work(inventory) as uow:
        po = await create_purchase_order(uow, store.suppliers[1], [OrderLine(item, 1, cost)],
                                         note_text="For the hybrid waiting in the workshop")
        await send_purchase_order(uow, po)


async def keep_the_cashbook(db: Database, accountant: Actor, timezone: str) -> None:
    async with db.unit_of_work(accountant) as uow:
        today = uow.now.astimezone(zoneinfo.ZoneInfo(timezone)).date()
        for kind, category, amount, days_ago, text in CASH_ENTRIES:
            method = PaymentMethod.BANK_TRANSFER if category is CashCategory.RENT else PaymentMethod.CASH
            await record_cash_entry(uow, kind=kind, category=category, amount=amount, method=method,
                                    entry_date=today - dt.timedelta(days=days_ago), description=text)


BOOKINGS: tuple[tuple[int, str, int, bool], ...] = (
    # (vehicle, complaint, days ahead at 10:00, confirmed by the advisor)
    (23, "Front tyres are worn, please replace them", 1, False),
    (24, "فحص قبل شراء السيارة", 2, True),
)


async def take_bookings(db: Database, advisor: Actor, timezone: str) -> None:
    """Two booking requests clients made by chat; the advisor confirmed one."""
    system = Actor.system(advisor.org_id, Channel.WHATSAPP)
    for index, complaint, days, confirmed in BOOKINGS:
        vehicle = VEHICLES[index]
        client = CLIENTS[vehicle.client]
        async with db.unit_of_work(system) as uow:
            local = uow.now.astimezone(zoneinfo.ZoneInfo(timezone))
            when = (local + dt.timedelta(days=days)).replace(hour=10, minute=0, second=0, microsecond=0)
            req = await create_request(uow, phone=client.phone, plate=vehicle.plate, complaint=complaint,
                                       locale=client.locale, preferred_time=when)
        if confirmed:
            async with db.unit_of_work(advisor) as uow:
                await confirm_booking(uow, req, when)


def price_of(sku: str) -> Decimal:
    return Decimal(next(d.price for d in ITEMS if d.sku == sku))

"""The inventory staff's daily lists: items below their minimum and parts
sessions wait for beyond what is in stock (the items whose alert flags are
up, ``core.inventory.alerts``), and purchase orders sent ``po_overdue_days``
ago or more and not yet received. One message each, only when the list is
not empty, with the button that opens the parts menu; quiet hours hold them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import or_, select

from garagebot.core.actor import Actor
from garagebot.core.alerts.settings import schedule_settings
from garagebot.core.enums import Role
from garagebot.core.ids import OrgId
from garagebot.core.inventory.alerts import open_demand
from garagebot.core.inventory.ledger import totals
from garagebot.core.inventory.values import show
from garagebot.core.models import InventoryItem, PurchaseOrder, Supplier
from garagebot.core.notify.staff import local_when, localized, open_choice, people_in, tell
from garagebot.core.permissions import Permission
from garagebot.core.purchasing.states import PurchaseOrderStatus
from garagebot.core.uow import Database

LIST_LIMIT = 15


def _more(lines: Sequence[str], total: int) -> str:
    rest = f"\n… +{total - len(lines)}" if total > len(lines) else ""
    return "\n".join(lines) + rest


async def daily_stock_list(db: Database, org_id: int, now: dt.datetime) -> int:
    """Queue today's low-stock and shortage list to inventory staff; how many messages."""
    async with db.unit_of_work(Actor.system(OrgId(org_id))) as uow:
        items = list((await uow.session.scalars(select(InventoryItem).where(
            InventoryItem.organization_id == org_id,
            or_(InventoryItem.low_stock_alerted.is_(True), InventoryItem.shortage_alerted.is_(True)))
            .order_by(InventoryItem.sku))).all())
        if not items:
            return 0
        rows: list[tuple[InventoryItem, str, str]] = []
        for item in items[:LIST_LIMIT]:
            on_hand, reserved = await totals(uow.session, org_id, item.id)
            demand = await open_demand(uow.session, org_id, item.id)
            rows.append((item, show(on_hand - reserved), show(demand)))
        low = sum(1 for i in items if i.low_stock_alerted)
        short = sum(1 for i in items if i.shortage_alerted)

        def params(loc: str) -> dict[str, object]:
            lines = [f"• {localized(loc, i.name_en, i.name_ar)} ({i.sku}): {avail}"
                     + (f" / {show(i.min_level)}" if i.low_stock_alerted else "")
                     + (f" ⟵ {demand}" if i.shortage_alerted else "") for i, avail, demand in rows]
            return {"low": low, "short": short, "lines": _more(lines, len(items))}

        return await tell(uow, await people_in(uow, (Role.INVENTORY,), Permission.MANAGE_INVENTORY),
                          "schedule.stock_list", params, open_choice("parts"))


async def overdue_orders(db: Database, org_id: int, now: dt.datetime) -> int:
    """Queue the list of purchase orders overdue from their suppliers; how many messages."""
    async with db.unit_of_work(Actor.system(OrgId(org_id))) as uow:
        org = await uow.organization()
        days = schedule_settings(org.settings).po_overdue_days
        if days <= 0:
            return 0
        found = (await uow.session.execute(
            select(PurchaseOrder.number, PurchaseOrder.sent_at, Supplier.name, Supplier.name_ar)
            .join(Supplier, Supplier.id == PurchaseOrder.supplier_id)
            .where(PurchaseOrder.organization_id == org_id,
                   PurchaseOrder.status.in_((PurchaseOrderStatus.SENT.value,
                                             PurchaseOrderStatus.PARTIALLY_RECEIVED.value)),
                   PurchaseOrder.sent_at <= now - dt.timedelta(days=days))
            .order_by(PurchaseOrder.sent_at))).all()
        if not found:
            return 0

        def params(loc: str) -> dict[str, object]:
            lines = [f"• {number} — {localized(loc, name, name_ar)} ({local_when(sent, org.timezone, loc)})"
                     for number, sent, name, name_ar in found[:LIST_LIMIT]]
            return {"n": len(found), "days": days, "lines": _more(lines, len(found))}

        return await tell(uow, await people_in(uow, (Role.INVENTORY,), Permission.MANAGE_INVENTORY),
                          "schedule.orders_overdue", params, open_choice("parts"))

"""Builders and readers for inventory and purchasing tests."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import func, select

from garagebot.core.actor import Actor
from garagebot.core.enums import OutboxKind, SessionStatus
from garagebot.core.ids import ItemId, LocationId, SessionId, SupplierId, UserId
from garagebot.core.inventory.fitment import Fitment
from garagebot.core.inventory.items import ItemSpec, create_item
from garagebot.core.inventory.stock import receive_stock
from garagebot.core.models import AuditEntry, OutboxRow
from garagebot.core.models.inventory import StockLevel, StockMove
from garagebot.core.purchasing.suppliers import SupplierSpec, create_supplier
from garagebot.core.repair.intake import open_session
from garagebot.core.repair.sessions import change_status
from garagebot.core.uow import Database


def sku() -> str:
    return f"P-{uuid.uuid4().hex[:8].upper()}"


async def new_item(
    db: Database,
    actor: Actor,
    *,
    stock: Decimal | int = 0,
    cost: str = "2.500",
    price: str = "4.000",
    unit: str = "pcs",
    min_level: int | str = 0,
    max_level: int | str = 0,
    code: str | None = None,
    name_en: str = "Oil filter",
    name_ar: str = "فلتر زيت",
    fitments: Sequence[Fitment] = (),
    barcode: str | None = None,
    supplier_id: SupplierId | None = None,
    location_id: LocationId | None = None,
) -> ItemId:
    """An item, with ``stock`` received at ``cost`` into the default (or given) store."""
    async with db.unit_of_work(actor) as uow:
        item_id = await create_item(uow, ItemSpec(
            sku=code or sku(), name_en=name_en, name_ar=name_ar, cost=cost, price=price, unit=unit,
            min_level=min_level, max_level=max_level, fitments=tuple(fitments), barcode=barcode,
            preferred_supplier_id=supplier_id,
        ))
        if stock:
            await receive_stock(uow, item_id, stock, cost, location_id=location_id, reason="opening stock")
    return item_id


async def new_session(
    db: Database, advisor: Actor, *, status: SessionStatus = SessionStatus.IN_PROGRESS,
    advisor_id: UserId | None = None,
) -> SessionId:
    """A repair session opened at intake and moved to ``status`` by the advisor."""
    tag = uuid.uuid4().int % 10**7
    async with db.unit_of_work(advisor) as uow:
        sid = await open_session(
            uow, phone=f"+96279{tag:07d}", plate=f"20-{tag}", complaint="Noise from the front",
            make="Toyota", model="Corolla", year=2016, advisor_id=advisor_id,
        )
        path = {
            SessionStatus.NEW: [],
            SessionStatus.DIAGNOSING: [SessionStatus.DIAGNOSING],
            SessionStatus.IN_PROGRESS: [SessionStatus.IN_PROGRESS],
            SessionStatus.AWAITING_CLIENT_APPROVAL: [SessionStatus.DIAGNOSING,
                                                     SessionStatus.AWAITING_CLIENT_APPROVAL],
        }[status]
        for step in path:
            await change_status(uow, sid, step)
    return sid


async def new_supplier(db: Database, actor: Actor, name: str | None = None) -> SupplierId:
    async with db.unit_of_work(actor) as uow:
        return await create_supplier(uow, SupplierSpec(name=name or f"Supplier {uuid.uuid4().hex[:6]}"))


async def level(db: Database, org: int, item_id: int) -> tuple[Decimal, Decimal]:
    """(on_hand, reserved) of the item over every store."""
    async with db.read() as s:
        rows = (await s.execute(
            select(StockLevel.on_hand, StockLevel.reserved)
            .where(StockLevel.organization_id == org, StockLevel.item_id == item_id)
        )).all()
    return sum((r[0] for r in rows), Decimal(0)), sum((r[1] for r in rows), Decimal(0))


async def moves(db: Database, org: int, item_id: int) -> list[StockMove]:
    async with db.read() as s:
        return list((await s.scalars(
            select(StockMove).where(StockMove.organization_id == org, StockMove.item_id == item_id)
            .order_by(StockMove.id)
        )).all())


async def events(db: Database, org: int, topic: str) -> list[OutboxRow]:
    async with db.read() as s:
        return list((await s.scalars(
            select(OutboxRow).where(OutboxRow.organization_id == org, OutboxRow.topic == topic,
                                    OutboxRow.kind == OutboxKind.EVENT.value)
            .order_by(OutboxRow.id)
        )).all())


async def audits(db: Database, org: int, entity: str, action: str | None = None) -> list[AuditEntry]:
    async with db.read() as s:
        stmt = select(AuditEntry).where(AuditEntry.organization_id == org, AuditEntry.entity == entity)
        if action is not None:
            stmt = stmt.where(AuditEntry.action == action)
        return list((await s.scalars(stmt.order_by(AuditEntry.seq))).all())


async def count(db: Database, model: type[object], org: int) -> int:
    async with db.read() as s:
        return int((await s.execute(
            select(func.count()).select_from(model).where(model.organization_id == org)  # type: ignore[attr-defined]
        )).scalar_one())

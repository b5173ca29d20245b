"""Items (parts) and stores: creating and changing them."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from garagebot.core.errors import Conflict, InvalidInput
from garagebot.core.ids import ItemId, LocationId, SupplierId
from garagebot.core.inventory.fitment import Fitment, add_fitments
from garagebot.core.inventory.states import ItemUnit
from garagebot.core.inventory.values import amount, level
from garagebot.core.models.inventory import InventoryItem, StockLocation
from garagebot.core.models.purchasing import Supplier
from garagebot.core.normalize import clean_text
from garagebot.core.permissions import Permission
from garagebot.core.uow import UnitOfWork

DEFAULT_LOCATION_CODE = "MAIN"


def _code(raw: str, key: str) -> str:
    value = clean_text(raw).upper()
    if not value or len(value) > 64 or any(ch.isspace() for ch in value):
        raise InvalidInput(key, value=raw)
    return value


def _name(raw: str, field_name: str) -> str:
    value = clean_text(raw)
    if not value or len(value) > 200:
        raise InvalidInput("error.inventory_name_required", field=field_name)
    return value


def _optional(raw: str | None, limit: int) -> str | None:
    value = clean_text(raw) if raw else ""
    return value[:limit] or None


async def create_location(
    uow: UnitOfWork, *, code: str, name_en: str, name_ar: str, is_default: bool = False
) -> LocationId:
    """Add a store. The first store, or one created with ``is_default``, is where
    stock goes when no store is named."""
    await uow.require(Permission.MANAGE_INVENTORY)
    code_v = _code(code, "error.inventory_invalid_location_code")
    taken = await uow.session.scalar(
        select(StockLocation.id).where(StockLocation.organization_id == uow.org_id,
                                       StockLocation.code == code_v)
    )
    if taken is not None:
        raise Conflict("error.inventory_location_taken", code=code_v)
    has_default = await uow.session.scalar(
        select(StockLocation.id).where(StockLocation.organization_id == uow.org_id,
                                       StockLocation.is_default.is_(True))
    )
    if is_default and has_default is not None:
        old = await uow.get(StockLocation, has_default)
        old.is_default = False
    loc = StockLocation(
        organization_id=uow.org_id, code=code_v, name_en=_name(name_en, "name_en"),
        name_ar=_name(name_ar, "name_ar"), is_default=is_default or has_default is None,
        active=True, created_at=uow.now,
    )
    uow.session.add(loc)
    await uow.session.flush()
    await uow.audit("stock_location", loc.id, "create",
                    after={"code": code_v, "name_en": loc.name_en, "is_default": loc.is_default})
    return LocationId(loc.id)


async def default_location(uow: UnitOfWork) -> LocationId:
    """The garage's default store, created as "MAIN" the first time it is needed."""
    found = await uow.session.scalar(
        select(StockLocation.id).where(StockLocation.organization_id == uow.org_id,
                                       StockLocation.is_default.is_(True))
    )
    if found is not None:
        return LocationId(found)
    dialect = uow.session.get_bind().dialect.name
    ins = postgresql.insert(StockLocation) if dialect == "postgresql" else sqlite.insert(StockLocation)
    await uow.session.execute(
        ins.values(organization_id=uow.org_id, code=DEFAULT_LOCATION_CODE, name_en="Main store",
                   name_ar="المستودع الرئيسي", is_default=True, active=True, created_at=uow.now)
        .on_conflict_do_nothing(index_elements=[StockLocation.organization_id, StockLocation.code])
    )
    found = await uow.session.scalar(
        select(StockLocation.id).where(StockLocation.organization_id == uow.org_id,
                                       StockLocation.code == DEFAULT_LOCATION_CODE)
    )
    assert found is not None
    return LocationId(found)


async def location_or_default(uow: UnitOfWork, location_id: int | None) -> LocationId:
    """The named store (checked to be this garage's and active) or the default."""
    if location_id is None:
        return await default_location(uow)
    loc = await uow.get(StockLocation, location_id)
    if not loc.active:
        raise InvalidInput("error.inventory_location_inactive", code=loc.code)
    return LocationId(loc.id)


@dataclass(frozen=True, slots=True)
class ItemSpec:
    """What a new item is made of. Amounts in the garage's currency."""

    sku: str
    name_en: str
    name_ar: str
    cost: Decimal | int | str
    price: Decimal | int | str
    unit: ItemUnit | str = ItemUnit.PIECE
    brand: str | None = None
    category: str | None = None
    min_level: Decimal | int | str = 0
    max_level: Decimal | int | str = 0
    bin_location: str | None = None
    barcode: str | None = None
    preferred_supplier_id: SupplierId | None = None
    fitments: tuple[Fitment, ...] = field(default_factory=tuple)


async def create_item(uow: UnitOfWork, spec: ItemSpec) -> ItemId:
    """Add a part to the catalogue (no stock yet: receive it to stock it)."""
    await uow.require(Permission.MANAGE_INVENTORY)
    org = await uow.organization()
    sku = _code(spec.sku, "error.inventory_invalid_sku")
    if spec.unit not in ItemUnit._value2member_map_:
        raise InvalidInput("error.inventory_invalid_unit", value=str(spec.unit))
    min_v, max_v = level(spec.min_level, field="min_level"), level(spec.max_level, field="max_level")
    if max_v and max_v < min_v:
        raise InvalidInput("error.inventory_max_below_min", min=str(min_v), max=str(max_v))
    if spec.preferred_supplier_id is not None:
        await uow.get(Supplier, spec.preferred_supplier_id)
    if await uow.session.scalar(
        select(InventoryItem.id).where(InventoryItem.organization_id == uow.org_id,
                                       InventoryItem.sku == sku)
    ) is not None:
        raise Conflict("error.inventory_sku_taken", sku=sku)
    item = InventoryItem(
        organization_id=uow.org_id, sku=sku, name_en=_name(spec.name_en, "name_en"),
        name_ar=_name(spec.name_ar, "name_ar"), brand=_optional(spec.brand, 100),
        category=_optional(spec.category, 64), unit=ItemUnit(spec.unit).value,
        min_level=min_v, max_level=max_v, bin_location=_optional(spec.bin_location, 64),
        barcode=_optional(spec.barcode, 64),
        cost=amount(spec.cost, org.currency, field="cost"),
        price=amount(spec.price, org.currency, field="price"),
        preferred_supplier_id=spec.preferred_supplier_id, low_stock_alerted=False,
        shortage_alerted=False, active=True, created_at=uow.now, updated_at=uow.now,
    )
    uow.session.add(item)
    await uow.session.flush()
    await add_fitments(uow, item.id, spec.fitments)
    await uow.audit("inventory_item", item.id, "create", after=_snapshot(item))
    return ItemId(item.id)


@dataclass(frozen=True, slots=True)
class ItemChanges:
    """Fields to change on an item; None leaves a field as it is."""

    name_en: str | None = None
    name_ar: str | None = None
    brand: str | None = None
    category: str | None = None
    cost: Decimal | int | str | None = None
    price: Decimal | int | str | None = None
    min_level: Decimal | int | str | None = None
    max_level: Decimal | int | str | None = None
    bin_location: str | None = None
    barcode: str | None = None
    preferred_supplier_id: SupplierId | None = None
    active: bool | None = None


async def update_item(uow: UnitOfWork, item_id: ItemId, changes: ItemChanges) -> None:
    """Change an item's details. The SKU and unit never change (the ledger refers to them)."""
    await uow.require(Permission.MANAGE_INVENTORY)
    cur = (await uow.organization()).currency
    item = await uow.get(InventoryItem, item_id)
    before = _snapshot(item)
    new: dict[str, object] = {}
    for name in ("name_en", "name_ar"):
        if (raw := getattr(changes, name)) is not None:
            new[name] = _name(raw, name)
    for name, limit in (("brand", 100), ("category", 64), ("bin_location", 64), ("barcode", 64)):
        if (raw := getattr(changes, name)) is not None:
            new[name] = _optional(raw, limit)
    for name in ("cost", "price"):
        if (raw := getattr(changes, name)) is not None:
            new[name] = amount(raw, cur, field=name)
    for name in ("min_level", "max_level"):
        if (raw := getattr(changes, name)) is not None:
            new[name] = level(raw, field=name)
    if changes.preferred_supplier_id is not None:
        await uow.get(Supplier, changes.preferred_supplier_id)
        new["preferred_supplier_id"] = changes.preferred_supplier_id
    if changes.active is not None:
        new["active"] = changes.active
    min_v = Decimal(str(new.get("min_level", item.min_level)))
    max_v = Decimal(str(new.get("max_level", item.max_level)))
    if max_v and max_v < min_v:
        raise InvalidInput("error.inventory_max_below_min", min=str(min_v), max=str(max_v))
    for name, value in new.items():
        setattr(item, name, value)
    item.updated_at = uow.now
    await uow.session.flush()
    await uow.audit("inventory_item", item.id, "update", before=before, after=_snapshot(item))


def _snapshot(item: InventoryItem) -> dict[str, object]:
    return {
        "sku": item.sku, "name_en": item.name_en, "name_ar": item.name_ar, "brand": item.brand,
        "category": item.category, "unit": item.unit, "min_level": item.min_level,
        "max_level": item.max_level, "bin_location": item.bin_location, "barcode": item.barcode,
        "cost": item.cost, "price": item.price, "preferred_supplier_id": item.preferred_supplier_id,
        "active": item.active,
    }

"""Items, fitment, stores and search."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from garagebot.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from garagebot.core.inventory.fitment import Fitment, add_fitment, remove_fitment
from garagebot.core.inventory.items import (
    ItemChanges,
    ItemSpec,
    create_item,
    create_location,
    default_location,
    update_item,
)
from garagebot.core.inventory.queries import item_stock, parts_for_vehicle, search_items
from garagebot.core.models import Vehicle
from garagebot.core.models.inventory import InventoryItem, ItemFitment, StockLocation
from garagebot.core.uow import Database
from tests.conftest import Staff, make_staff, new_garage
from tests.core.inventory.support import audits, new_item, new_session


async def test_an_item_is_created_with_its_fitment_and_the_creation_is_audited(
    db: Database, staff: Staff
) -> None:
    item_id = await new_item(
        db, staff.inventory, code=" brk-101 ", name_en="Brake pads", name_ar="فحمات فرامل",
        fitments=[Fitment("toyota", "corolla", 2014, 2019), Fitment("Toyota", "Auris")],
    )
    async with db.read() as s:
        item = (await s.execute(select(InventoryItem).where(InventoryItem.id == item_id))).scalar_one()
        fits = (await s.scalars(select(ItemFitment).where(ItemFitment.item_id == item_id)
                                .order_by(ItemFitment.id))).all()
    assert item.sku == "BRK-101"
    assert item.cost == Decimal("2.500")
    assert item.price == Decimal("4.000")
    assert [(f.make, f.model, f.year_from, f.year_to) for f in fits] == [
        ("TOYOTA", "COROLLA", 2014, 2019), ("TOYOTA", "AURIS", None, None)
    ]
    entries = await audits(db, staff.org, "inventory_item", "create")
    assert entries[-1].entity_id == str(item_id)
    assert entries[-1].after is not None
    assert entries[-1].after["sku"] == "BRK-101"


async def test_a_sku_is_unique_within_a_garage_but_another_garage_may_use_it(
    db: Database, staff: Staff
) -> None:
    await new_item(db, staff.inventory, code="OIL-5W30")
    with pytest.raises(Conflict) as err:
        await new_item(db, staff.inventory, code="oil-5w30")
    assert err.value.key == "error.inventory_sku_taken"
    other = await make_staff(db, await new_garage(db))
    assert await new_item(db, other.inventory, code="OIL-5W30") > 0


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"cost": "NaN"}, "error.amount_not_finite"),
        ({"price": "-1"}, "error.amount_negative"),
        ({"price": "1.0005"}, "error.amount_too_precise"),
        ({"cost": "1e20"}, "error.amount_invalid"),
        ({"min_level": 10, "max_level": 5}, "error.inventory_max_below_min"),
        ({"name_en": "  "}, "error.inventory_name_required"),
        ({"unit": "barrel"}, "error.inventory_invalid_unit"),
        ({"sku": "has space"}, "error.inventory_invalid_sku"),
    ],
)
async def test_bad_item_input_is_refused_before_anything_is_written(
    db: Database, staff: Staff, changes: dict[str, object], key: str
) -> None:
    spec: dict[str, object] = {"sku": "X-1", "name_en": "Part", "name_ar": "قطعة", "cost": "1", "price": "2"}
    spec.update(changes)
    with pytest.raises(InvalidInput) as err:
        async with db.unit_of_work(staff.inventory) as uow:
            await create_item(uow, ItemSpec(**spec))  # type: ignore[arg-type]
    assert err.value.key == key
    async with db.read() as s:
        rows = await s.scalars(select(InventoryItem).where(InventoryItem.organization_id == staff.org))
        assert rows.all() == []


async def test_a_technician_may_not_create_items(db: Database, staff: Staff) -> None:
    with pytest.raises(PermissionDenied):
        await new_item(db, staff.tech)


async def test_updating_an_item_audits_what_changed(db: Database, staff: Staff) -> None:
    item_id = await new_item(db, staff.inventory, price="4.000")
    async with db.unit_of_work(staff.manager) as uow:
        changes = ItemChanges(price="4.750", min_level=2, max_level=10, bin_location="A-3")
        await update_item(uow, item_id, changes)
    async with db.read() as s:
        item = (await s.execute(select(InventoryItem).where(InventoryItem.id == item_id))).scalar_one()
    assert (item.price, item.min_level, item.max_level, item.bin_location) == (
        Decimal("4.750"), Decimal("2.000"), Decimal("10.000"), "A-3")
    entry = (await audits(db, staff.org, "inventory_item", "update"))[-1]
    assert entry.before is not None
    assert entry.after is not None
    assert (entry.before["price"], entry.after["price"]) == ("4.000", "4.750")


async def test_the_default_store_is_made_once_and_store_codes_are_unique(db: Database, staff: Staff) -> None:
    async with db.unit_of_work(staff.inventory) as uow:
        first = await default_location(uow)
        assert await default_location(uow) == first
    async with db.unit_of_work(staff.inventory) as uow:
        van = await create_location(uow, code="van1", name_en="Service van", name_ar="سيارة الخدمة")
    with pytest.raises(Conflict):
        async with db.unit_of_work(staff.inventory) as uow:
            await create_location(uow, code="VAN1", name_en="Van", name_ar="سيارة")
    async with db.read() as s:
        rows = (await s.scalars(select(StockLocation).where(StockLocation.organization_id == staff.org)
                                .order_by(StockLocation.id))).all()
    assert [(r.id, r.code, r.is_default) for r in rows] == [(first, "MAIN", True), (van, "VAN1", False)]


async def test_fitment_rows_can_be_added_and_removed(db: Database, staff: Staff) -> None:
    item_id = await new_item(db, staff.inventory)
    async with db.unit_of_work(staff.inventory) as uow:
        fid = await add_fitment(uow, item_id, Fitment("Kia", "Rio", 2012, 2017))
    with pytest.raises(InvalidInput) as err:
        async with db.unit_of_work(staff.inventory) as uow:
            await add_fitment(uow, item_id, Fitment("Kia", None, 2018, 2012))
    assert err.value.key == "error.inventory_year_range"
    async with db.unit_of_work(staff.inventory) as uow:
        await remove_fitment(uow, fid)
    async with db.read() as s:
        assert (await s.scalars(select(ItemFitment).where(ItemFitment.item_id == item_id))).all() == []
    assert [e.action for e in await audits(db, staff.org, "item_fitment")] == ["create", "delete"]


async def test_search_finds_items_by_sku_names_barcode_and_vehicle(db: Database, staff: Staff) -> None:
    pads = await new_item(db, staff.inventory, code="BRK-101", name_en="Brake pads front",
                          name_ar="فحمات فرامل أمامية", barcode="6291041500213", stock=4,
                          fitments=[Fitment("Toyota", "Corolla", 2014, 2019)])
    oil = await new_item(db, staff.inventory, code="OIL-5W30", name_en="Engine oil 5W-30",
                         name_ar="زيت محرك", unit="l", fitments=[Fitment("Toyota")])
    hyundai = await new_item(db, staff.inventory, code="FLT-9", name_en="Air filter", name_ar="فلتر هواء",
                             fitments=[Fitment("Hyundai", "Elantra", 2010, 2015)])
    async with db.read() as s:
        by_sku = await search_items(s, staff.org, text="brk")
        by_en = await search_items(s, staff.org, text="ENGINE oil")
        by_ar = await search_items(s, staff.org, text="فرامل")
        by_barcode = await search_items(s, staff.org, text="6291041500213")
        corolla_2016 = await search_items(s, staff.org, make="toyota", model="Corolla", year=2016)
        corolla_2021 = await search_items(s, staff.org, make="Toyota", model="Corolla", year=2021)
        elantra = await search_items(s, staff.org, make="Hyundai", model="Elantra", year=2013)
    assert [i.id for i in by_sku] == [pads]
    assert [i.id for i in by_en] == [oil]
    assert [i.id for i in by_ar] == [pads]
    assert [(i.id, i.on_hand, i.available) for i in by_barcode] == [(pads, Decimal(4), Decimal(4))]
    assert [i.id for i in corolla_2016] == [pads, oil]
    assert [i.id for i in corolla_2021] == [oil]
    assert [i.id for i in elantra] == [hyundai]


async def test_parts_for_a_vehicle_use_its_make_model_and_year(db: Database, staff: Staff) -> None:
    pads = await new_item(db, staff.inventory, fitments=[Fitment("Toyota", "Corolla", 2014, 2019)])
    await new_item(db, staff.inventory, fitments=[Fitment("Toyota", "Corolla", 2020, 2024)])
    sid = await new_session(db, staff.advisor)  # a 2016 Toyota Corolla
    async with db.read() as s:
        vehicle_id = (await s.scalars(select(Vehicle.id).where(Vehicle.organization_id == staff.org))).one()
        found = await parts_for_vehicle(s, staff.org, vehicle_id)
    assert sid > 0
    assert [i.id for i in found] == [pads]


async def test_search_and_item_reads_never_show_another_garages_items(db: Database, staff: Staff) -> None:
    other = await make_staff(db, await new_garage(db))
    theirs = await new_item(db, other.inventory, code="SECRET-1", stock=3)
    async with db.read() as s:
        assert await search_items(s, staff.org, text="SECRET") == []
        assert await item_stock(s, staff.org, theirs) is None
    with pytest.raises(NotFound):
        async with db.unit_of_work(staff.inventory) as uow:
            await update_item(uow, theirs, ItemChanges(price="1"))

"""Parts used (from the ledger's CONSUME moves, at their exact cost) and
items that ran out, fell below their minimum, or are short for waiting sessions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from garagebot.core.inventory.items import create_location, default_location
from garagebot.core.inventory.stock import transfer_stock
from garagebot.core.models.inventory import StockMove
from garagebot.core.money import Money
from garagebot.core.reports.parts import PartUsage, Stockout, parts_usage, stockouts
from garagebot.core.reports.period import Period
from garagebot.core.uow import Database
from tests.conftest import Staff
from tests.core.reports.conftest import TWO_WEEKS, WEEK_48
from tests.core.reports.scenario import Garage, local
from tests.fakes import FakeClock

D = Decimal


async def test_parts_usage_lists_each_item_consumed_with_its_cost_most_costly_first(
    db: Database, staff: Staff, scene: Garage
) -> None:
    async with db.read() as s:
        used = await parts_usage(s, staff.org, period=TWO_WEEKS)
        later = await parts_usage(s, staff.org, period=WEEK_48)
    assert used == [
        PartUsage("PAD", "Brake pads", "pcs", D("1.000"), 1, 1, Money(D("18.000"), "JOD")),
        # Two filters from the 2.500 layer and one from the 3.000 layer.
        PartUsage("FLT", "Oil filter", "pcs", D("3.000"), 1, 1, Money(D("8.000"), "JOD")),
    ]
    assert later == []


async def test_stockouts_follow_available_stock_through_the_period(
    db: Database, staff: Staff, scene: Garage
) -> None:
    async with db.read() as s:
        found = await stockouts(s, staff.org, period=TWO_WEEKS)
    assert found == [
        # Nobody has it and session D waits for one.
        Stockout("BLT", "Fan belt", D("0.000"), D("0.000"), D("0.000"), D("0.000"), 0, 0, D("0.000"),
                 D("1.000")),
        # 4 → 1 when A reserved 3: below the minimum of 2, never out.
        Stockout("FLT", "Oil filter", D("2.000"), D("4.000"), D("1.000"), D("1.000"), 0, 1, D("1.000"),
                 D("0.000")),
        # The only set went to B: out.
        Stockout("PAD", "Brake pads", D("0.000"), D("1.000"), D("0.000"), D("0.000"), 1, 0, D("0.000"),
                 D("0.000")),
    ]


async def test_a_quiet_period_lists_only_what_is_short_now(db: Database, staff: Staff, scene: Garage) -> None:
    async with db.read() as s:
        before = await stockouts(s, staff.org, period=Period.day(dt.date(2026, 11, 14)))
        quiet = await stockouts(s, staff.org, period=WEEK_48)
    assert [i.sku for i in before] == ["BLT"]
    assert [i.sku for i in quiet] == ["BLT"]


async def test_receiving_stock_is_not_a_stockout(db: Database, staff: Staff, scene: Garage) -> None:
    # On the 15th both filter receipts took it from 0 to 4: no fall, and no
    # crossing of the minimum on the way up.
    async with db.read() as s:
        first_day = await stockouts(s, staff.org, period=Period.day(dt.date(2026, 11, 15)))
    assert [i.sku for i in first_day] == ["BLT"]


async def test_a_transfer_between_stores_is_no_dip(
    db: Database, staff: Staff, clock: FakeClock, scene: Garage
) -> None:
    # The last filter moves to the van: the ledger writes "out of the main
    # store" before "into the van", but both are one transaction and count together.
    clock.set(local(30, 10))
    async with db.unit_of_work(staff.inventory) as uow:
        main = await default_location(uow)
        van = await create_location(uow, code="VAN", name_en="Van", name_ar="الفان")
        await transfer_stock(uow, scene.filter, main, van, 1)
    async with db.read() as s:
        moves = (await s.execute(
            select(StockMove.on_hand_delta).where(StockMove.organization_id == staff.org,
                                                  StockMove.kind == "TRANSFER").order_by(StockMove.id)
        )).scalars().all()
        that_day = await stockouts(s, staff.org, period=Period.day(dt.date(2026, 11, 30)))
    assert moves == [D("-1.000"), D("1.000")]
    assert [i.sku for i in that_day] == ["BLT"]

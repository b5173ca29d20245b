"""A seeded, randomized, concurrent driver of the stock services, checking the
ledger's conservation laws after every run (and "available never below zero"
after every step). The seed comes from GARAGEBOT_TEST_SEED (default 20261122)
and is in every failure message, so a failing run can be replayed."""

from __future__ import annotations

import asyncio
import os
import random
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import TypeVar

from sqlalchemy import select

from garagebot.core.actor import Actor
from garagebot.core.errors import Conflict, InvalidTransition
from garagebot.core.ids import ItemId, ReservationId, SessionId, SupplierId
from garagebot.core.inventory.parts import buy_for_job, consume_part, pick_part, reserve_part, return_part
from garagebot.core.inventory.queries import session_parts_cost
from garagebot.core.inventory.stock import adjust_stock, receive_stock
from garagebot.core.inventory.valuation import stock_value
from garagebot.core.inventory.verify import verify_stock
from garagebot.core.models.inventory import StockLevel, StockMove
from garagebot.core.uow import Database, UnitOfWork
from tests.conftest import Staff
from tests.core.inventory.support import new_item, new_session, new_supplier

SEED = int(os.environ.get("GARAGEBOT_TEST_SEED", "20261122"))
WORKERS, STEPS = 6, 18
T = TypeVar("T")
EXPECTED = (Conflict, InvalidTransition)  # lost races and empty shelves, refused cleanly


class Worker:
    """One person at the counter: a private random stream and the reservations they made."""

    def __init__(self, db: Database, staff: Staff, rng: random.Random, items: list[ItemId],
                 sessions: list[SessionId], supplier: SupplierId) -> None:
        self.db, self.staff, self.rng = db, staff, rng
        self.items, self.sessions, self.supplier = items, sessions, supplier
        self.mine: list[ReservationId] = []
        self.refused = 0

    async def step(self) -> None:
        op = self.rng.choice(["reserve", "reserve", "pick", "consume", "return", "receive", "adjust", "buy"])
        item, sid = self.rng.choice(self.items), self.rng.choice(self.sessions)
        qty = self.rng.randint(1, 3)
        try:
            await self._run(op, item, sid, qty)
        except EXPECTED:
            self.refused += 1

    async def _run(self, op: str, item: ItemId, sid: SessionId, qty: int) -> None:
        floor, store = self.staff.tech, self.staff.inventory
        if op in ("pick", "consume", "return") and self.mine:
            rid = self.rng.choice(self.mine)
            actions: dict[str, Callable[[UnitOfWork, ReservationId], Awaitable[object]]] = {
                "pick": pick_part, "consume": consume_part, "return": return_part}
            action = actions[op]
            await self._as(floor, lambda uow: action(uow, rid))
        elif op == "receive":
            cost = f"{self.rng.randint(1000, 9999) / 1000:.3f}"
            await self._as(store, lambda uow: receive_stock(uow, item, qty, cost))
        elif op == "adjust":
            delta = self.rng.choice([-1, 1]) * qty
            await self._as(store, lambda uow: adjust_stock(uow, item, delta, "random count"))
        elif op == "buy":
            self.mine.append(await self._as(self.staff.advisor, lambda uow: buy_for_job(
                uow, sid, item, 1, self.supplier, "7.777")))
        else:
            self.mine.append(await self._as(floor, lambda uow: reserve_part(uow, sid, item, qty)))

    async def _as(self, actor: Actor, call: Callable[[UnitOfWork], Awaitable[T]]) -> T:
        async with self.db.unit_of_work(actor) as uow:
            return await call(uow)


async def _never_negative(db: Database, org: int) -> None:
    async with db.read() as s:
        rows = (await s.execute(select(StockLevel.on_hand, StockLevel.reserved)
                                .where(StockLevel.organization_id == org))).all()
    assert all(on_hand >= reserved >= 0 for on_hand, reserved in rows), (SEED, rows)


async def _drive(worker: Worker, org: int) -> None:
    for _ in range(STEPS):
        await worker.step()
        await _never_negative(worker.db, org)


async def test_random_concurrent_stock_work_keeps_the_ledger_and_the_money_conserved(
    db: Database, staff: Staff
) -> None:
    rng = random.Random(SEED)
    supplier = await new_supplier(db, staff.manager)
    items = [await new_item(db, staff.inventory, stock=rng.randint(0, 6), cost="1.234") for _ in range(3)]
    sessions = [await new_session(db, staff.advisor) for _ in range(3)]
    workers = [Worker(db, staff, random.Random(rng.random()), items, sessions, supplier)
               for _ in range(WORKERS)]
    await asyncio.gather(*(_drive(w, staff.org) for w in workers))

    async with db.read() as s:
        assert await verify_stock(s, staff.org) == [], SEED
        moves = (await s.scalars(select(StockMove).where(StockMove.organization_id == staff.org))).all()
        on_shelf = await stock_value(s, staff.org)
        parts_cost = sum([(await session_parts_cost(s, staff.org, sid)).cost_total for sid in sessions],
                         Decimal(0))
    value_in = sum((m.cost_total or 0 for m in moves if m.on_hand_delta > 0), Decimal(0))
    value_out = sum((m.cost_total or 0 for m in moves if m.on_hand_delta < 0), Decimal(0))
    consumed = sum((m.cost_total or 0 for m in moves if m.kind == "CONSUME"), Decimal(0))
    assert value_in == value_out + on_shelf, SEED
    assert consumed == parts_cost, SEED
    assert sum(w.refused for w in workers) < WORKERS * STEPS, SEED
    assert {m.kind for m in moves} >= {"RECEIVE", "RESERVE"}, SEED

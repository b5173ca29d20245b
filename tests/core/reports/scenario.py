"""Two weeks of a small garage, driven through the real services, for the
report tests (the garage is in Asia/Amman, UTC+03; times below are local).

Stock (Sun 15 Nov): oil filter FLT (min 2) 2 @ 2.500 and 2 @ 3.000; brake
pads PAD 1 @ 18.000; belt BLT none.

A  Mon 16 Nov: checked in 09:00, ETA 17:00; "Service" (est. 60 min, 3 filters).
   Tech works 09:30-11:00, the lead sends it back, tech 11:00-11:30, approved;
   filters consumed (FIFO 2.500 + 2.500 + 3.000 = 8.000); completed 12:00
   (on time). Invoice 37.120 issued 12:00, 20.000 paid 12:30; delivered 13:00.
B  Tue 17 Nov: checked in 10:00, ETA 12:00; "Brakes" (est. 30 min, pads).
   Tech2 10:00-10:45; pads consumed (18.000); completed 14:00 (late).
   Invoice 46.400 issued 14:00; voided Mon 23 Nov 09:00 (credit note) and
   invoiced again (46.400) at once.
C  Mon 23 Nov: opened 10:00, never checked in, no ETA, billed to the fleet
   account "Acme Rentals"; tech 10:00-11:00; completed 13:00; invoice 23.200
   issued 13:00; delivered Tue 24 Nov 09:00.
D  Tue 24 Nov 09:00: opened, waits for a belt (open part request), ETA passed.

Supplier "Parts Co": bill R-1 (16 Nov, 11.000, due 16 Dec), bill R-2 (17 Nov,
18.000, due 27 Nov), paid 15.000 on 20 Nov. "Oil Ltd": bill O-1 (22 Nov,
5.000, due 22 Dec), unpaid.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from sqlalchemy import select

from garagebot.core.actor import Actor
from garagebot.core.billing.enums import LineDecision
from garagebot.core.billing.fleet import bill_session_to_account, create_fleet_account
from garagebot.core.billing.invoices import create_invoice, issue_invoice, void_invoice
from garagebot.core.billing.payments import record_payment
from garagebot.core.billing.quote_flow import decide_whole_quote, send_quote
from garagebot.core.billing.quotes import create_quote
from garagebot.core.enums import SessionStatus
from garagebot.core.ids import InvoiceId, ItemId, JobCardId, ReservationId, SessionId, StepId, SupplierId
from garagebot.core.inventory.items import ItemSpec, create_item
from garagebot.core.inventory.missing import request_missing_part
from garagebot.core.inventory.parts import consume_part, pick_part, reserve_part
from garagebot.core.inventory.stock import receive_stock
from garagebot.core.models import RepairSession, Step
from garagebot.core.purchasing.bills import BillLine, record_supplier_bill, record_supplier_payment
from garagebot.core.purchasing.suppliers import SupplierSpec, create_supplier
from garagebot.core.repair.delivery import confirm_delivery, invoice_block
from garagebot.core.repair.intake import open_session
from garagebot.core.repair.qc import tick_qc_item
from garagebot.core.repair.sessions import change_status, check_in, set_eta
from garagebot.core.uow import Database
from garagebot.core.work.jobcards import add_free_job_card
from garagebot.core.work.review import review_job_card
from garagebot.core.work.steps import complete_step
from garagebot.core.work.templates import StepSpec
from garagebot.core.work.timers import start_timer
from tests.conftest import Staff
from tests.core.repair.helpers import qc_item_ids
from tests.fakes import FakeClock

AMMAN = zoneinfo.ZoneInfo("Asia/Amman")


def local(day: int, hour: int, minute: int = 0, month: int = 11) -> dt.datetime:
    """A time of the garage's day in November 2026 (UTC)."""
    return dt.datetime(2026, month, day, hour, minute, tzinfo=AMMAN).astimezone(dt.UTC)


@dataclass(frozen=True)
class Garage:
    filter: ItemId
    pads: ItemId
    belt: ItemId
    a: SessionId
    b: SessionId
    c: SessionId
    d: SessionId
    invoice_a: InvoiceId
    invoice_b2: InvoiceId
    parts_co: SupplierId
    oil_ltd: SupplierId


class Driver:
    """Runs each service call in its own unit of work at the clock's time."""

    def __init__(self, db: Database, staff: Staff, clock: FakeClock) -> None:
        self.db, self.staff, self.clock = db, staff, clock

    def at(self, when: dt.datetime) -> None:
        self.clock.set(when)

    async def item(self, sku: str, name: str, price: str, min_level: int, *stock: tuple[int, str]) -> ItemId:
        async with self.db.unit_of_work(self.staff.inventory) as uow:
            item = await create_item(uow, ItemSpec(sku=sku, name_en=name, name_ar=f"قطعة {name}",
                                                   cost="1.000", price=price, min_level=min_level))
            for quantity, cost in stock:
                await receive_stock(uow, item, quantity, cost, reason="opening stock")
        return item

    async def open(self, n: int, name: str, *, eta: dt.datetime | None, checked_in: bool = True) -> SessionId:
        async with self.db.unit_of_work(self.staff.advisor) as uow:
            sid = await open_session(uow, phone=f"07900000{n:02d}", plate=f"{10 + n}-1000{n}",
                                     complaint="Service due", client_name=name)
            await change_status(uow, sid, SessionStatus.DIAGNOSING)
            if checked_in:
                await check_in(uow, sid, None)
            if eta is not None:
                await set_eta(uow, sid, eta)
        return sid

    async def job(self, sid: SessionId, title: str, minutes: int) -> StepId:
        async with self.db.unit_of_work(self.staff.advisor) as uow:
            card = await add_free_job_card(uow, sid, title_en=title, title_ar=f"عمل {title}", steps=[
                StepSpec(name_en=title, name_ar=f"خطوة {title}", estimated_minutes=minutes)])
        async with self.db.read() as s:
            return StepId((await s.execute(select(Step.id).where(Step.job_card_id == card))).scalar_one())

    async def reserve(self, sid: SessionId, item: ItemId, quantity: int) -> ReservationId:
        async with self.db.unit_of_work(self.staff.advisor) as uow:
            return await reserve_part(uow, sid, item, quantity)

    async def approve_quote(self, sid: SessionId) -> None:
        async with self.db.unit_of_work(self.staff.advisor) as uow:
            qid = await create_quote(uow, sid)
            await send_quote(uow, qid)
            await decide_whole_quote(uow, qid, LineDecision.APPROVED, key=f"approve-{qid}")

    async def work(self, who: Actor, step: StepId, start: dt.datetime, end: dt.datetime) -> None:
        self.at(start)
        async with self.db.unit_of_work(who) as uow:
            await start_timer(uow, step)
        self.at(end)
        async with self.db.unit_of_work(who) as uow:
            await complete_step(uow, step)

    async def review(self, step: StepId, *, approve: bool) -> None:
        async with self.db.read() as s:
            card = (await s.execute(select(Step.job_card_id).where(Step.id == step))).scalar_one()
        async with self.db.unit_of_work(self.staff.lead) as uow:
            await review_job_card(uow, JobCardId(card), approve,
                                  None if approve else "Oil leak at the filter")

    async def use(self, reservation: ReservationId) -> None:
        async with self.db.unit_of_work(self.staff.tech) as uow:
            await pick_part(uow, reservation)
            await consume_part(uow, reservation)

    async def complete(self, sid: SessionId) -> None:
        for item in await qc_item_ids(self.db, self.staff.org, sid):
            async with self.db.unit_of_work(self.staff.lead) as uow:
                await tick_qc_item(uow, item)
        async with self.db.unit_of_work(self.staff.advisor) as uow:
            await change_status(uow, sid, SessionStatus.READY_FOR_PICKUP)
            await change_status(uow, sid, SessionStatus.COMPLETED)

    async def invoice(self, sid: SessionId) -> InvoiceId:
        async with self.db.unit_of_work(self.staff.advisor) as uow:
            inv = await create_invoice(uow, sid)
            await issue_invoice(uow, inv)
        return inv

    async def deliver(self, sid: SessionId) -> None:
        async with self.db.read() as s:
            pin = (await s.execute(
                select(RepairSession.delivery_pin).where(RepairSession.id == sid))).scalar_one()
        async with self.db.read() as s:
            rs = (await s.execute(select(RepairSession).where(RepairSession.id == sid))).scalar_one()
            blocked = await invoice_block(s, rs.organization_id, rs) is not None
        # A part-paid car goes on a manager's word (audited), as the delivery guard asks.
        async with self.db.unit_of_work(self.staff.manager if blocked else self.staff.advisor) as uow:
            reason = "Pays the rest at month end" if blocked else None
            assert (await confirm_delivery(uow, sid, pin=pin, override_reason=reason)).delivered


async def build(db: Database, staff: Staff, clock: FakeClock) -> Garage:
    g = Driver(db, staff, clock)
    g.at(local(15, 10))
    flt = await g.item("FLT", "Oil filter", "4.000", 2, (2, "2.500"), (2, "3.000"))
    pads = await g.item("PAD", "Brake pads", "30.000", 0, (1, "18.000"))
    belt = await g.item("BLT", "Fan belt", "12.000", 0)

    g.at(local(16, 9))
    a = await g.open(1, "Samir", eta=local(16, 17))
    step_a = await g.job(a, "Service", 60)
    filters = await g.reserve(a, flt, 3)
    await g.approve_quote(a)
    await g.work(staff.tech, step_a, local(16, 9, 30), local(16, 11))
    await g.review(step_a, approve=False)
    await g.work(staff.tech, step_a, local(16, 11), local(16, 11, 30))
    await g.review(step_a, approve=True)
    await g.use(filters)
    g.at(local(16, 12))
    await g.complete(a)
    invoice_a = await g.invoice(a)
    g.at(local(16, 12, 30))
    async with db.unit_of_work(staff.accountant) as uow:
        await record_payment(uow, invoice_a, "20.000", "CASH", reference="rct-a")
    g.at(local(16, 13))
    await g.deliver(a)

    g.at(local(17, 10))
    b = await g.open(2, "Huda", eta=local(17, 12))
    step_b = await g.job(b, "Brakes", 30)
    pad = await g.reserve(b, pads, 1)
    await g.approve_quote(b)
    await g.work(staff.tech2, step_b, local(17, 10), local(17, 10, 45))
    await g.review(step_b, approve=True)
    await g.use(pad)
    g.at(local(17, 14))
    await g.complete(b)
    invoice_b1 = await g.invoice(b)

    g.at(local(23, 9))
    async with db.unit_of_work(staff.manager) as uow:
        await void_invoice(uow, invoice_b1, reason="Wrong client details")
    invoice_b2 = await g.invoice(b)

    g.at(local(23, 10))
    c = await g.open(3, "Omar", eta=None, checked_in=False)
    async with db.unit_of_work(staff.advisor) as uow:
        await bill_session_to_account(uow, c, await create_fleet_account(uow, name="Acme Rentals"))
    step_c = await g.job(c, "Inspection", 60)
    await g.approve_quote(c)
    await g.work(staff.tech, step_c, local(23, 10), local(23, 11))
    await g.review(step_c, approve=True)
    g.at(local(23, 13))
    await g.complete(c)
    await g.invoice(c)

    g.at(local(24, 9))
    await g.deliver(c)
    d = await g.open(4, "Lina", eta=local(24, 12))
    async with db.unit_of_work(staff.advisor) as uow:
        await request_missing_part(uow, d, belt, 1)

    g.at(local(29, 18))
    async with db.unit_of_work(staff.accountant) as uow:
        parts_co = await create_supplier(uow, SupplierSpec(name="Parts Co"))
        oil_ltd = await create_supplier(uow, SupplierSpec(name="Oil Ltd"))
        await record_supplier_bill(uow, parts_co, "R-1", dt.date(2026, 11, 16), [
            BillLine("Oil filters", 2, "2.500", flt), BillLine("Oil filters", 2, "3.000", flt)])
        await record_supplier_bill(uow, parts_co, "R-2", dt.date(2026, 11, 17), [
            BillLine("Brake pads", 1, "18.000", pads)], due_date=dt.date(2026, 11, 27))
        await record_supplier_payment(uow, parts_co, "15.000", "BANK_TRANSFER", "TRF-1",
                                      dt.date(2026, 11, 20))
        await record_supplier_bill(uow, oil_ltd, "O-1", dt.date(2026, 11, 22), [BillLine("Oil", 1, "5.000")])
    return Garage(flt, pads, belt, a, b, c, d, invoice_a, invoice_b2, parts_co, oil_ltd)

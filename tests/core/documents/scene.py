"""One garage with every kind of document: an issued, part-paid invoice of
an Arabic-speaking client (with its quote and receipt), a voided invoice and
its credit note, a fleet account's invoice, a draft, and a supplier with a
purchase order, a bill and a payment. Everything goes through the services."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from garagebot.core.billing.fleet import bill_session_to_account, create_fleet_account
from garagebot.core.billing.invoices import create_invoice, issue_invoice, void_invoice
from garagebot.core.billing.payments import record_payment
from garagebot.core.documents.profile import set_document_profile
from garagebot.core.enums import SessionStatus
from garagebot.core.ids import ClientId, FleetAccountId, InvoiceId, SessionId
from garagebot.core.models import Invoice, RepairSession
from garagebot.core.purchasing.bills import BillLine, record_supplier_bill, record_supplier_payment
from garagebot.core.purchasing.orders import OrderLine, create_purchase_order, send_purchase_order
from garagebot.core.purchasing.suppliers import SupplierSpec, create_supplier
from garagebot.core.repair.intake import open_session
from garagebot.core.repair.sessions import change_status
from garagebot.core.uow import Database
from tests.conftest import Staff
from tests.core.billing.helpers import Visit, add_job, add_part, approved_quote, invoiced_visit
from tests.core.inventory.support import new_item

CLIENT_AR = "سامي الخطيب"
FLEET = "Petra Car Rental"
SUPPLIER, SUPPLIER_AR = "Amman Auto Parts", "شركة عمان لقطع السيارات"


@dataclass(frozen=True)
class Scene:
    invoice_id: int  # issued, part paid, the client reads Arabic
    invoice_number: str
    quote_id: int
    payment_id: int
    client_id: int
    void_invoice_id: int
    credit_note_id: int
    fleet_id: int
    fleet_invoice_id: int
    draft_invoice_id: int
    order_id: int
    supplier_id: int


async def visit_of(db: Database, staff: Staff, *, name: str, locale: str) -> Visit:
    tag = uuid.uuid4().int % 10**7
    async with db.unit_of_work(staff.advisor) as uow:
        sid = await open_session(uow, phone=f"+96279{tag:07d}", plate=f"12-{tag % 10**5:05d}",
                                 complaint="Brakes squeal", client_name=name, locale=locale,
                                 make="Toyota", model="Corolla", year=2018)
        await change_status(uow, sid, SessionStatus.DIAGNOSING)
    async with db.read() as s:
        rs = (await s.execute(select(RepairSession).where(RepairSession.id == sid))).scalar_one()
    return Visit(SessionId(sid), ClientId(rs.client_id), rs.number, f"+96279{tag:07d}")


async def _invoice(db: Database, staff: Staff, visit: Visit) -> tuple[int, int]:
    await add_job(db, staff, visit, "Brakes", [(60, None)])
    await add_part(db, staff.org, visit, "Brake pads", Decimal(2), Decimal("12.500"))
    quote_id = await approved_quote(db, staff, visit)
    async with db.unit_of_work(staff.advisor) as uow:
        invoice_id = await create_invoice(uow, visit.session_id)
        await issue_invoice(uow, invoice_id)
    return quote_id, invoice_id


async def _purchasing(db: Database, staff: Staff, today: dt.date) -> tuple[int, int]:
    pads = await new_item(db, staff.inventory, name_en="Brake pads", name_ar="فحمات فرامل", code="BP-01")
    oil = await new_item(db, staff.inventory, name_en="Engine oil 5W-30", name_ar="زيت محرك", code="OIL-5W30")
    async with db.unit_of_work(staff.inventory) as uow:
        supplier = await create_supplier(uow, SupplierSpec(
            name=SUPPLIER, name_ar=SUPPLIER_AR, phone="065331234", tax_number="5551234"))
        lines = [OrderLine(pads, 10, "6.250"), OrderLine(oil, 4, "7")]
        order = await create_purchase_order(uow, supplier, lines)
        await send_purchase_order(uow, order)
        await record_supplier_bill(uow, supplier, "AAP-7781", today, [
            BillLine("Brake pads", 10, "6.250"), BillLine("Engine oil 5W-30", 4, "7")], discount="2.500")
        await record_supplier_payment(uow, supplier, "50", "CASH", "PAY-1", today)
    return order, supplier


async def build(db: Database, staff: Staff) -> Scene:
    async with db.unit_of_work(staff.owner) as uow:
        await set_document_profile(uow, address_en="12 Mecca Street, Amman", address_ar="12 شارع مكة، عمّان",
                                   phone="065512345", tax_number="12345678")
    visit = await visit_of(db, staff, name=CLIENT_AR, locale="ar")
    quote_id, invoice_id = await _invoice(db, staff, visit)
    async with db.unit_of_work(staff.accountant) as uow:
        paid = await record_payment(uow, InvoiceId(invoice_id), "20.000", "CASH",
                                    reference=f"doc-{invoice_id}")
    _, void_id = await invoiced_visit(db, staff, part_price=Decimal("9.000"))
    async with db.unit_of_work(staff.accountant) as uow:
        note = await void_invoice(uow, void_id, reason="Wrong car")
    assert note is not None
    fleet_visit = await visit_of(db, staff, name="Omar Saleh", locale="en")
    async with db.unit_of_work(staff.accountant) as uow:
        fleet = await create_fleet_account(uow, name=FLEET, contact_phone="065601010", tax_number="4002345")
        await bill_session_to_account(uow, fleet_visit.session_id, FleetAccountId(fleet))
    _, fleet_invoice = await _invoice(db, staff, fleet_visit)
    _, draft = await invoiced_visit(db, staff, issue=False)
    order, supplier = await _purchasing(db, staff, dt.date(2026, 11, 22))
    async with db.read() as s:
        inv_number = (await s.execute(select(Invoice.number).where(Invoice.id == invoice_id))).scalar_one()
    return Scene(invoice_id, inv_number, quote_id, paid.payment_id, visit.client_id, void_id, note, fleet,
                 fleet_invoice, draft, order, supplier)

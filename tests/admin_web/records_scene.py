"""A client's car with two visits: an earlier one quoted, invoiced and then
cancelled, and the current one (for the client and vehicle pages)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from garagebot.core.billing.invoices import create_invoice, issue_invoice
from garagebot.core.enums import SessionStatus
from garagebot.core.ids import ClientId, SessionId, VehicleId
from garagebot.core.models import RepairSession, Vehicle
from garagebot.core.repair.intake import open_session
from garagebot.core.repair.sessions import change_status
from garagebot.core.uow import Database
from tests.conftest import Staff
from tests.core.billing.helpers import Visit, add_job, approved_quote

GOOD_VIN = "1HGCM82633A004352"  # a valid check digit
BAD_VIN = "1HGCM82643A004352"  # one digit off


@dataclass(frozen=True)
class CarWithHistory:
    client_id: ClientId
    vehicle_id: VehicleId
    plate: str
    phone: str
    first: SessionId
    first_number: str
    second: SessionId
    second_number: str


async def _visit(db: Database, staff: Staff, phone: str, plate: str, mileage: int) -> Visit:
    async with db.unit_of_work(staff.advisor) as uow:
        sid = await open_session(uow, phone=phone, plate=plate, complaint="Brakes squeal",
                                 client_name="Samir Odeh", make="Kia", model="Sportage", year=2019,
                                 mileage_km=mileage)
        await change_status(uow, sid, SessionStatus.DIAGNOSING)
    async with db.read() as s:
        rs = (await s.execute(select(RepairSession).where(RepairSession.id == sid))).scalar_one()
    return Visit(sid, ClientId(rs.client_id), rs.number, phone)


async def car_with_history(db: Database, staff: Staff, *, phone: str = "0791112233",
                           plate: str = "22-33445") -> CarWithHistory:
    first = await _visit(db, staff, phone, plate, 81000)
    await add_job(db, staff, first, "Brakes", [(60, None)])
    await approved_quote(db, staff, first)
    async with db.unit_of_work(staff.advisor) as uow:
        await issue_invoice(uow, await create_invoice(uow, first.session_id))
        await change_status(uow, first.session_id, SessionStatus.CANCELLED, note="Client took the car")
    second = await _visit(db, staff, phone, plate, 86500)
    await add_job(db, staff, second, "Oil change", [(30, None)])
    async with db.read() as s:
        vehicle = (await s.execute(select(Vehicle.id, Vehicle.plate).where(
            Vehicle.organization_id == staff.org, Vehicle.client_id == first.client_id))).one()
    return CarWithHistory(first.client_id, VehicleId(vehicle[0]), vehicle[1], phone, first.session_id,
                          first.number, second.session_id, second.number)

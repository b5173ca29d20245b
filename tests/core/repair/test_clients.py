"""Clients by phone and vehicles by plate: found or created, and edited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from garagebot.core.errors import Conflict, InvalidInput, PermissionDenied
from garagebot.core.ids import ClientId, VehicleId
from garagebot.core.models import AuditEntry, Client, Vehicle
from garagebot.core.repair.clients import find_or_create_client, update_client
from garagebot.core.repair.vehicles import register_vehicle, update_vehicle
from garagebot.core.uow import Database
from tests.conftest import Staff
from tests.core.repair.helpers import VALID_VIN, audit_actions, events, footprint, open_direct


async def _client(db: Database, staff: Staff, phone: str, **kwargs: object) -> ClientId:
    async with db.unit_of_work(staff.advisor) as uow:
        return await find_or_create_client(uow, phone=phone, **kwargs)  # type: ignore[arg-type]


async def _vehicle(db: Database, staff: Staff, client: ClientId, plate: str, **kwargs: object) -> VehicleId:
    async with db.unit_of_work(staff.advisor) as uow:
        return await register_vehicle(uow, client_id=client, plate=plate, **kwargs)  # type: ignore[arg-type]


async def _vehicle_row(db: Database, vid: int) -> Vehicle:
    async with db.read() as s:
        row = await s.get(Vehicle, vid)
        assert row is not None
        return row


async def test_a_client_is_one_client_however_the_phone_is_typed(db: Database, staff: Staff) -> None:
    first = await _client(db, staff, "079 123 4567", name="Rami")
    for typed in ("+962791234567", "00962 79 123 4567", "٠٧٩١٢٣٤٥٦٧"):
        assert await _client(db, staff, typed) == first
    async with db.read() as s:
        client = await s.get(Client, first)
    assert client is not None
    assert (client.phone, client.name, client.messaging_consent) == ("+962791234567", "Rami", True)
    assert await audit_actions(db, staff.org, "client", first) == ["create"]
    assert len(await events(db, staff.org, "client.created")) == 1


async def test_a_new_client_speaks_the_garage_default_unless_told_and_a_blank_name_is_filled(
    db: Database, staff: Staff
) -> None:
    anonymous = await _client(db, staff, "0781234567")
    arabic = await _client(db, staff, "0771234567", locale="ar")
    assert await _client(db, staff, "0781234567", name="Dana") == anonymous
    async with db.read() as s:
        rows = {c.id: c for c in (await s.scalars(select(Client).where(Client.organization_id == staff.org)))}
    assert (rows[anonymous].locale, rows[anonymous].name) == ("en", "Dana")
    assert rows[arabic].locale == "ar"
    assert await audit_actions(db, staff.org, "client", anonymous) == ["create", "update"]


async def test_editing_a_client_records_consent_and_language_before_and_after(
    db: Database, staff: Staff
) -> None:
    cid = await _client(db, staff, "0791234567", name="Rami")
    async with db.unit_of_work(staff.advisor) as uow:
        await update_client(uow, cid, messaging_consent=False, locale="ar", name="Rami Haddad")
    async with db.read() as s:
        entry = (await s.scalars(
            select(AuditEntry).where(AuditEntry.organization_id == staff.org, AuditEntry.entity == "client",
                                     AuditEntry.action == "update")
        )).one()
    assert entry.before == {"messaging_consent": True, "locale": "en", "name": "Rami"}
    assert entry.after == {"messaging_consent": False, "locale": "ar", "name": "Rami Haddad"}
    updated = await events(db, staff.org, "client.updated")
    assert updated[0].payload["fields"] == ["locale", "messaging_consent", "name"]


async def test_a_client_cannot_take_another_clients_phone(db: Database, staff: Staff) -> None:
    first = await _client(db, staff, "0791234567")
    await _client(db, staff, "0781234567")
    with pytest.raises(Conflict) as err:
        async with db.unit_of_work(staff.advisor) as uow:
            await update_client(uow, first, phone="0781234567")
    assert err.value.key == "error.client_phone_taken"


async def test_intake_fills_blanks_and_raises_the_mileage_of_a_known_vehicle(
    db: Database, staff: Staff
) -> None:
    owner = await _client(db, staff, "0791234567")
    vid = await _vehicle(db, staff, owner, "12 34567", make="Kia", mileage_km=90_000)
    again = await _vehicle(
        db, staff, owner, "12-34567", make="Hyundai", model="Sportage", vin=VALID_VIN, mileage_km=91_000
    )
    assert again == vid
    vehicle = await _vehicle_row(db, vid)
    assert (vehicle.make, vehicle.model) == ("Kia", "Sportage")
    assert (vehicle.vin, vehicle.mileage_km) == (VALID_VIN, 91_000)
    assert await audit_actions(db, staff.org, "vehicle", vid) == ["create", "update"]


async def test_intake_refuses_another_vin_or_a_lower_mileage_for_a_known_plate(
    db: Database, staff: Staff
) -> None:
    owner = await _client(db, staff, "0791234567")
    await _vehicle(db, staff, owner, "12-34567", vin=VALID_VIN, mileage_km=90_000)
    before = await footprint(db, staff.org)
    with pytest.raises(Conflict) as err:
        await open_direct(db, staff.advisor, plate="12-34567", vin="11111111111111111")
    assert err.value.key == "error.vehicle_vin_mismatch"
    with pytest.raises(InvalidInput) as err2:
        await _vehicle(db, staff, owner, "12-34567", mileage_km=9_000)
    assert err2.value.key == "error.vehicle_mileage_lower"
    assert await footprint(db, staff.org) == before


async def test_editing_a_vehicle_may_lower_the_mileage_and_move_the_owner(db: Database, staff: Staff) -> None:
    first = await _client(db, staff, "0791234567")
    second = await _client(db, staff, "0781234567")
    vid = await _vehicle(db, staff, first, "12-34567", mileage_km=190_000)
    async with db.unit_of_work(staff.advisor) as uow:
        await update_vehicle(uow, vid, mileage_km=19_000, owner_id=second, colour="White", plate="22 12345")
    vehicle = await _vehicle_row(db, vid)
    assert (vehicle.mileage_km, vehicle.client_id, vehicle.colour, vehicle.plate) == (19_000, second, "White",
                                                                                      "22-12345")
    assert [e.payload["fields"] for e in await events(db, staff.org, "vehicle.updated")] == [
        ["client_id", "colour", "mileage_km", "plate"]
    ]


async def test_a_vehicle_cannot_take_a_plate_the_garage_has(db: Database, staff: Staff) -> None:
    owner = await _client(db, staff, "0791234567")
    await _vehicle(db, staff, owner, "12-34567")
    other = await _vehicle(db, staff, owner, "12-76543")
    with pytest.raises(Conflict) as err:
        async with db.unit_of_work(staff.advisor) as uow:
            await update_vehicle(uow, other, plate="12-34567")
    assert err.value.key == "error.vehicle_plate_taken"


async def test_only_intake_staff_edit_clients_and_vehicles(db: Database, staff: Staff) -> None:
    owner = await _client(db, staff, "0791234567")
    for actor in (staff.tech, staff.lead, staff.inventory):
        with pytest.raises(PermissionDenied):
            async with db.unit_of_work(actor) as uow:
                await update_client(uow, owner, name="X")
        with pytest.raises(PermissionDenied):
            async with db.unit_of_work(actor) as uow:
                await register_vehicle(uow, client_id=owner, plate="12-34567")

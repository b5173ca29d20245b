"""Vehicles: found or created by plate at intake, and edited.

A vehicle is identified by its normalised plate within a garage (unique). Its
``client_id`` is the owner on file; the client who brings it in is recorded on
the request and the session, and intake does not move ownership (an edit
does). Intake only fills in blanks (VIN, make, model …) and raises the mileage;
a different VIN than the one on file, or a lower mileage, is refused there.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from sqlalchemy import select

from garagebot.core.errors import Conflict, InvalidInput
from garagebot.core.ids import ClientId, VehicleId
from garagebot.core.models import Client, Vehicle
from garagebot.core.normalize import plate as normal_plate
from garagebot.core.normalize import vin as normal_vin
from garagebot.core.permissions import Permission
from garagebot.core.repair import inputs
from garagebot.core.repair.rows import Upsert, apply_changes, insert_ignore
from garagebot.core.uow import UnitOfWork

MAX_MAKE = 64
MAX_COLOUR = 32


@dataclass(frozen=True, slots=True)
class VehicleInput:
    """Validated intake data of a vehicle (all but the plate optional)."""

    plate: str
    vin: str | None = None
    make: str | None = None
    model: str | None = None
    year: int | None = None
    colour: str | None = None
    mileage_km: int | None = None


def vehicle_input(
    plate: str,
    *,
    now: dt.datetime,
    vin: str | None = None,
    make: str | None = None,
    model: str | None = None,
    year: int | None = None,
    colour: str | None = None,
    mileage_km: int | None = None,
) -> VehicleInput:
    """Normalise and validate (no I/O): plate, VIN check digit, year, mileage."""
    return VehicleInput(
        plate=normal_plate(plate),
        vin=normal_vin(vin) if vin and vin.strip() else None,
        make=inputs.optional_text(make, MAX_MAKE),
        model=inputs.optional_text(model, MAX_MAKE),
        year=inputs.model_year(year, now),
        colour=inputs.optional_text(colour, MAX_COLOUR),
        mileage_km=inputs.mileage(mileage_km),
    )


async def _vehicle_id_by_plate(uow: UnitOfWork, plate: str) -> int | None:
    stmt = select(Vehicle.id).where(Vehicle.organization_id == uow.org_id, Vehicle.plate == plate)
    found = (await uow.session.execute(stmt)).scalar_one_or_none()
    return None if found is None else int(found)


def _intake_changes(vehicle: Vehicle, data: VehicleInput) -> dict[str, object]:
    """What intake may change on a known vehicle: blanks filled, mileage raised."""
    if data.vin and vehicle.vin and data.vin != vehicle.vin:
        raise Conflict("error.vehicle_vin_mismatch", plate=vehicle.plate, vin=vehicle.vin)
    recorded = vehicle.mileage_km
    if data.mileage_km is not None and recorded is not None and data.mileage_km < recorded:
        raise InvalidInput(
            "error.vehicle_mileage_lower", value=data.mileage_km, recorded=recorded
        )
    changes: dict[str, object] = {
        name: value
        for name, value in asdict(data).items()
        if name not in ("plate", "mileage_km") and value is not None and getattr(vehicle, name) is None
    }
    if data.mileage_km is not None:
        changes["mileage_km"] = data.mileage_km
    return changes


async def upsert_vehicle(uow: UnitOfWork, owner_id: int, data: VehicleInput) -> Upsert[Vehicle]:
    """The garage's vehicle with this plate, created (owned by ``owner_id``) when
    new, and row-locked so that one intake at a time decides on its sessions.
    Writes no audit entry (see ``record_vehicle``)."""
    vehicle_id = await _vehicle_id_by_plate(uow, data.plate)
    if vehicle_id is None:
        new_id = await insert_ignore(
            uow, Vehicle,
            {"organization_id": uow.org_id, "client_id": owner_id, **asdict(data), "created_at": uow.now},
            ("organization_id", "plate"),
        )
        if new_id is not None:
            return Upsert(await uow.get(Vehicle, new_id, lock=True), True)
        return await upsert_vehicle(uow, owner_id, data)  # created meanwhile by a concurrent intake
    vehicle = await uow.get(Vehicle, vehicle_id, lock=True)
    before, after = apply_changes(vehicle, _intake_changes(vehicle, data))
    return Upsert(vehicle, False, before, after)


async def record_vehicle(uow: UnitOfWork, found: Upsert[Vehicle]) -> None:
    """Audit entry and event for what intake did to the vehicle, if anything."""
    vehicle = found.row
    if found.created:
        await uow.audit("vehicle", vehicle.id, "create", after=_snapshot(vehicle))
        uow.emit("vehicle.created", {"vehicle_id": vehicle.id, "client_id": vehicle.client_id})
    elif found.after:
        await uow.audit("vehicle", vehicle.id, "update", before=found.before, after=found.after)
        uow.emit("vehicle.updated", {"vehicle_id": vehicle.id, "fields": sorted(found.after)})


def _snapshot(vehicle: Vehicle) -> dict[str, object]:
    return {
        "client_id": vehicle.client_id, "plate": vehicle.plate, "vin": vehicle.vin,
        "make": vehicle.make, "model": vehicle.model, "year": vehicle.year,
        "colour": vehicle.colour, "mileage_km": vehicle.mileage_km,
    }


async def register_vehicle(
    uow: UnitOfWork,
    *,
    client_id: ClientId,
    plate: str,
    vin: str | None = None,
    make: str | None = None,
    model: str | None = None,
    year: int | None = None,
    colour: str | None = None,
    mileage_km: int | None = None,
) -> VehicleId:
    """The vehicle with this plate in the actor's garage, created for the
    client when new (see the module docstring for a known plate)."""
    await uow.require(Permission.INTAKE)
    data = vehicle_input(
        plate, now=uow.now, vin=vin, make=make, model=model, year=year, colour=colour, mileage_km=mileage_km
    )
    await uow.get(Client, client_id)
    found = await upsert_vehicle(uow, client_id, data)
    await record_vehicle(uow, found)
    return VehicleId(found.row.id)


async def update_vehicle(
    uow: UnitOfWork,
    vehicle_id: VehicleId,
    *,
    plate: str | None = None,
    vin: str | None = None,
    make: str | None = None,
    model: str | None = None,
    year: int | None = None,
    colour: str | None = None,
    mileage_km: int | None = None,
    owner_id: ClientId | None = None,
) -> None:
    """Correct or complete a vehicle (None = leave as is). Unlike intake this
    may lower the mileage (a typing error) and change the VIN, the plate (not
    to one the garage already has) or the owner (a client of the garage)."""
    await uow.require(Permission.INTAKE)
    vehicle = await uow.get(Vehicle, vehicle_id, lock=True)
    data = vehicle_input(
        plate or vehicle.plate, now=uow.now, vin=vin, make=make, model=model, year=year, colour=colour,
        mileage_km=mileage_km,
    )
    changes: dict[str, object] = {k: v for k, v in asdict(data).items() if v is not None}
    if data.plate != vehicle.plate and await _vehicle_id_by_plate(uow, data.plate) is not None:
        raise Conflict("error.vehicle_plate_taken", plate=data.plate)
    if owner_id is not None:
        changes["client_id"] = (await uow.get(Client, owner_id)).id
    before, after = apply_changes(vehicle, changes)
    if not after:
        return
    await uow.audit("vehicle", vehicle.id, "update", before=before, after=after)
    uow.emit("vehicle.updated", {"vehicle_id": vehicle.id, "fields": sorted(after)})


async def edit_vehicle(
    uow: UnitOfWork, vehicle_id: VehicleId, *, plate: str, vin: str, make: str, model: str, year: str,
    mileage_km: str,
) -> bool:
    """The console's vehicle form, values as typed: plate, VIN (its check digit
    verified; blank keeps the one on file), make, model, year and mileage
    (Arabic-Indic digits accepted; a lower mileage is a correction and
    allowed). Audited by ``update_vehicle``; True when anything changed."""
    await uow.require(Permission.INTAKE)
    vehicle = await uow.get(Vehicle, vehicle_id)
    before = _snapshot(vehicle)
    await update_vehicle(
        uow, vehicle_id, plate=plate or None, vin=vin or None, make=make or None, model=model or None,
        year=inputs.whole_number(year, "error.vehicle_year_invalid"),
        mileage_km=inputs.whole_number(mileage_km, "error.vehicle_mileage_invalid"),
    )
    return before != _snapshot(vehicle)

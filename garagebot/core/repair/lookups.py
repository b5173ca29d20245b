"""Finding a garage's clients and vehicles by what people type (no writes)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.core.errors import NotFound
from garagebot.core.ids import ClientId, OrgId
from garagebot.core.models import Client, Vehicle
from garagebot.core.normalize import phone_e164
from garagebot.core.normalize import plate as normal_plate
from garagebot.core.repair.queries import client_info, vehicle_info
from garagebot.core.repair.views import ClientInfo, VehicleInfo


async def find_client(session: AsyncSession, org_id: OrgId, phone: str) -> ClientInfo | None:
    """The garage's client with this phone (typed any usual way), or None.
    A malformed phone is InvalidInput."""
    stmt = select(Client).where(Client.organization_id == org_id, Client.phone == phone_e164(phone))
    found = (await session.scalars(stmt)).one_or_none()
    return None if found is None else client_info(found)


async def find_vehicle(session: AsyncSession, org_id: OrgId, plate: str) -> VehicleInfo | None:
    """The garage's vehicle with this plate (typed any usual way), or None."""
    stmt = select(Vehicle).where(Vehicle.organization_id == org_id, Vehicle.plate == normal_plate(plate))
    found = (await session.scalars(stmt)).one_or_none()
    return None if found is None else vehicle_info(found)


async def client_vehicles(session: AsyncSession, org_id: OrgId, client_id: ClientId) -> list[VehicleInfo]:
    """The vehicles a client owns, by plate (NotFound for another garage's client)."""
    owner = select(Client.id).where(Client.organization_id == org_id, Client.id == client_id)
    if (await session.execute(owner)).first() is None:
        raise NotFound("error.not_found", entity="client", id=client_id)
    stmt = (
        select(Vehicle)
        .where(Vehicle.organization_id == org_id, Vehicle.client_id == client_id)
        .order_by(Vehicle.plate)
    )
    return [vehicle_info(v) for v in (await session.scalars(stmt)).all()]

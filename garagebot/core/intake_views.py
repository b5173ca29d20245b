"""What intake asks before opening a session: who the car is registered to."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.core.ids import ClientId, OrgId
from garagebot.core.models import Client, Vehicle


@dataclass(frozen=True, slots=True)
class Owner:
    """The client a plate is registered to."""

    client_id: ClientId
    name: str
    phone: str


async def plate_owner(session: AsyncSession, org_id: OrgId, plate: str) -> Owner | None:
    """The client the garage has this (canonical) plate registered to, if any."""
    row = (await session.execute(
        select(Client.id, Client.name, Client.phone).join(Vehicle, Vehicle.client_id == Client.id)
        .where(Vehicle.organization_id == org_id, Vehicle.plate == plate).limit(1)
    )).first()
    return None if row is None else Owner(ClientId(row.id), row.name, row.phone)

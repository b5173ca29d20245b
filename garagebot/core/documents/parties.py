"""Who a document is from and to: the garage, the repair visit (job number,
car, client) and the payer (the client, or a fleet account). Every query is
scoped to the garage's id."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.core.billing.enums import PayerKind
from garagebot.core.documents.profile import GarageProfile, garage_profile
from garagebot.core.errors import NotFound
from garagebot.core.models import Client, FleetAccount, Organization, RepairSession, Vehicle


@dataclass(frozen=True, slots=True)
class Party:
    name: str
    phone: str
    tax_number: str
    locale: str
    name_ar: str = ""  # a supplier's Arabic name, printed on Arabic documents


@dataclass(frozen=True, slots=True)
class Visit:
    session_id: int
    number: str
    car: str  # make, model and plate
    client: Party


def display_phone(e164: str) -> str:
    """A phone as printed: Jordanian numbers in the local form (0791234567,
    one run of digits so it keeps its order in Arabic), others as stored."""
    if e164.startswith("+962"):
        return "0" + e164[4:]
    return e164


async def garage(session: AsyncSession, org_id: int) -> GarageProfile:
    org = await session.get(Organization, org_id)
    if org is None:
        raise NotFound("error.not_found", entity="organization", id=org_id)
    return garage_profile(org)


async def visit(session: AsyncSession, org_id: int, session_id: int) -> Visit:
    row = (
        await session.execute(
            select(
                RepairSession.number,
                Client.name,
                Client.phone,
                Client.locale,
                Vehicle.make,
                Vehicle.model,
                Vehicle.plate,
            )
            .join(Client, Client.id == RepairSession.client_id)
            .join(Vehicle, Vehicle.id == RepairSession.vehicle_id)
            .where(RepairSession.organization_id == org_id, RepairSession.id == session_id)
        )
    ).one_or_none()
    if row is None:
        raise NotFound("error.not_found", entity="repair_session", id=session_id)
    number, name, phone, locale, make, model, plate = row
    car = " ".join(v for v in (make, model, plate) if v)
    return Visit(session_id, number, car, Party(name, display_phone(phone), "", locale))


async def payer(session: AsyncSession, org_id: int, kind: str, payer_id: int, client: Party) -> Party:
    """The client, or the fleet account that pays instead."""
    if kind != PayerKind.FLEET.value:
        return client
    account = (
        await session.execute(
            select(FleetAccount).where(FleetAccount.organization_id == org_id, FleetAccount.id == payer_id)
        )
    ).scalar_one_or_none()
    if account is None:
        raise NotFound("error.not_found", entity="fleet_account", id=payer_id)
    return Party(
        account.name, display_phone(account.contact_phone or ""), account.tax_number or "", client.locale
    )


async def client_party(session: AsyncSession, org_id: int, client_id: int) -> Party:
    found = (
        await session.execute(select(Client).where(Client.organization_id == org_id, Client.id == client_id))
    ).scalar_one_or_none()
    if found is None:
        raise NotFound("error.not_found", entity="client", id=client_id)
    return Party(found.name, display_phone(found.phone), "", found.locale)

"""Clients and vehicles as the console shows them: the client list (search
by name, phone or plate; keyset pages, newest client first), a client's page
(vehicles, sessions, quote and invoice totals) and a vehicle's history (every
session with its dates, work done, mileage and invoice totals).

Read-only; every query is scoped to the garage, and another garage's record
is ``NotFound``. Edits are ``repair.clients.edit_client`` and
``repair.vehicles.edit_vehicle``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import ColumnElement, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.core.billing.enums import InvoiceStatus
from garagebot.core.enums import SessionStatus
from garagebot.core.errors import NotFound
from garagebot.core.ids import ClientId, OrgId, SessionId, VehicleId
from garagebot.core.models import Client, Invoice, JobCard, Organization, Quote, RepairSession, Vehicle
from garagebot.core.money import Money
from garagebot.core.normalize import ascii_digits, clean_text

PAGE_SIZE = 25
RS = RepairSession


@dataclass(frozen=True, slots=True)
class ClientRow:
    client_id: ClientId
    name: str
    phone: str
    locale: str
    messaging_consent: bool
    plates: tuple[str, ...]


def _needle_filter(text: str) -> ColumnElement[bool]:
    needle = clean_text(text).lower()
    plate = "".join(ch for ch in ascii_digits(needle).upper() if ch.isalnum())
    digits = ascii_digits(needle).lstrip("+0")
    terms: list[ColumnElement[bool]] = [Client.name.ilike(f"%{needle}%")]
    if plate:
        # A plate is stored with its groups joined by "-": compare without them.
        terms.append(exists().where(Vehicle.organization_id == Client.organization_id,
                                    Vehicle.client_id == Client.id,
                                    func.replace(Vehicle.plate, "-", "").like(f"%{plate}%")))
    if digits.isdigit():
        terms.append(Client.phone.contains(digits))
    return or_(*terms)


async def search_clients(session: AsyncSession, org_id: OrgId, text: str = "", *, after: int | None = None,
                         limit: int = PAGE_SIZE) -> tuple[list[ClientRow], int | None]:
    """One page of the garage's clients matching ``text`` (newest first) and
    the id the next page starts after (None on the last page)."""
    where: list[ColumnElement[bool]] = [Client.organization_id == org_id]
    if text.strip():
        where.append(_needle_filter(text[:100]))
    if after is not None:
        where.append(Client.id < after)
    rows = (await session.scalars(select(Client).where(*where).order_by(Client.id.desc())
                                  .limit(limit + 1))).all()
    page = rows[:limit]
    plates: dict[int, list[str]] = {}
    if page:
        for client_id, plate in (await session.execute(
                select(Vehicle.client_id, Vehicle.plate).where(
                    Vehicle.organization_id == org_id, Vehicle.client_id.in_([c.id for c in page]))
                .order_by(Vehicle.id))).all():
            plates.setdefault(int(client_id), []).append(str(plate))
    found = [ClientRow(ClientId(c.id), c.name, c.phone, c.locale, c.messaging_consent,
                       tuple(plates.get(c.id, ()))) for c in page]
    return found, (found[-1].client_id if len(rows) > limit and found else None)


@dataclass(frozen=True, slots=True)
class Visit:
    """One session of a vehicle or client: dates, status, mileage, the work
    done (job card titles) and what was invoiced (void invoices left out)."""

    session_id: SessionId
    number: str
    status: SessionStatus
    plate: str
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    mileage_in_km: int | None
    work: tuple[tuple[str, str], ...]  # (English, Arabic) titles
    invoiced: Money | None
    paid: Money | None


@dataclass(frozen=True, slots=True)
class Totals:
    quotes: int
    invoices: int
    invoiced: Money
    paid: Money

    @property
    def balance(self) -> Money:
        return self.invoiced - self.paid


async def _currency(session: AsyncSession, org_id: OrgId) -> str:
    return str((await session.execute(select(Organization.currency).where(Organization.id == org_id)))
               .scalar_one())


async def _visits(session: AsyncSession, org_id: OrgId, *where: ColumnElement[bool],
                  limit: int = 200) -> list[Visit]:
    rows = (await session.execute(
        select(RS.id, RS.number, RS.status, Vehicle.plate, RS.opened_at,
               func.coalesce(RS.delivered_at, RS.completed_at), RS.mileage_in_km)
        .join(Vehicle, Vehicle.id == RS.vehicle_id)
        .where(RS.organization_id == org_id, Vehicle.organization_id == org_id, *where)
        .order_by(RS.opened_at.desc(), RS.id.desc()).limit(limit))).all()
    ids = [int(r[0]) for r in rows]
    work: dict[int, list[tuple[str, str]]] = {}
    money: dict[int, tuple[Decimal, Decimal]] = {}
    if ids:
        for sid, en, ar in (await session.execute(
                select(JobCard.session_id, JobCard.title_en, JobCard.title_ar)
                .where(JobCard.organization_id == org_id, JobCard.session_id.in_(ids))
                .order_by(JobCard.position, JobCard.id))).all():
            work.setdefault(int(sid), []).append((str(en), str(ar)))
        for sid, total, paid in (await session.execute(
                select(Invoice.session_id, func.sum(Invoice.total), func.sum(Invoice.paid_amount))
                .where(Invoice.organization_id == org_id, Invoice.session_id.in_(ids),
                       Invoice.status != InvoiceStatus.VOID.value)
                .group_by(Invoice.session_id))).all():
            money[int(sid)] = (Decimal(total or 0), Decimal(paid or 0))
    currency = await _currency(session, org_id)
    return [Visit(SessionId(r[0]), r[1], SessionStatus(r[2]), r[3], r[4], r[5], r[6],
                  tuple(work.get(int(r[0]), ())),
                  Money(money[int(r[0])][0], currency).rounded() if int(r[0]) in money else None,
                  Money(money[int(r[0])][1], currency).rounded() if int(r[0]) in money else None)
            for r in rows]


@dataclass(frozen=True, slots=True)
class VehicleRow:
    vehicle_id: VehicleId
    plate: str
    make: str | None
    model: str | None
    year: int | None
    mileage_km: int | None


@dataclass(frozen=True, slots=True)
class ClientPage:
    client: Client
    vehicles: tuple[VehicleRow, ...]
    visits: tuple[Visit, ...]
    totals: Totals


async def _owned(session: AsyncSession, org_id: OrgId, model: type[Client] | type[Vehicle],
                 id_: int) -> Client | Vehicle:
    row: Client | Vehicle | None = await session.get(model, id_)
    if row is None or row.organization_id != org_id:
        raise NotFound("error.not_found", entity=model.__tablename__, id=id_)
    return row


async def client_page(session: AsyncSession, org_id: OrgId, client_id: ClientId) -> ClientPage:
    """A client with their vehicles, sessions and money totals."""
    client = await _owned(session, org_id, Client, client_id)
    assert isinstance(client, Client)
    vehicles = (await session.scalars(select(Vehicle).where(
        Vehicle.organization_id == org_id, Vehicle.client_id == client_id).order_by(Vehicle.id))).all()
    visits = await _visits(session, org_id, RS.client_id == client_id)
    quotes = int((await session.execute(select(func.count(func.distinct(Quote.session_id))).where(
        Quote.organization_id == org_id,
        Quote.session_id.in_(select(RS.id).where(RS.organization_id == org_id, RS.client_id == client_id)))
    )).scalar_one())
    invoiced = (await session.execute(
        select(func.count(Invoice.id), func.sum(Invoice.total), func.sum(Invoice.paid_amount)).where(
            Invoice.organization_id == org_id, Invoice.client_id == client_id,
            Invoice.status != InvoiceStatus.VOID.value))).one()
    currency = await _currency(session, org_id)
    totals = Totals(quotes, int(invoiced[0]), Money(Decimal(invoiced[1] or 0), currency).rounded(),
                    Money(Decimal(invoiced[2] or 0), currency).rounded())
    cars = tuple(VehicleRow(VehicleId(v.id), v.plate, v.make, v.model, v.year, v.mileage_km)
                 for v in vehicles)
    return ClientPage(client, cars, tuple(visits), totals)


@dataclass(frozen=True, slots=True)
class VehiclePage:
    vehicle: Vehicle
    owner: Client
    visits: tuple[Visit, ...]


async def vehicle_page(session: AsyncSession, org_id: OrgId, vehicle_id: VehicleId) -> VehiclePage:
    """A vehicle, its owner on file and its history, newest session first."""
    vehicle = await _owned(session, org_id, Vehicle, vehicle_id)
    assert isinstance(vehicle, Vehicle)
    owner = await _owned(session, org_id, Client, vehicle.client_id)
    assert isinstance(owner, Client)
    return VehiclePage(vehicle, owner, tuple(await _visits(session, org_id, RS.vehicle_id == vehicle_id)))


def work_titles(visit: Visit, locale: str) -> Sequence[str]:
    return [ar if locale == "ar" else en for en, ar in visit.work]

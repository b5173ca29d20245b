"""Booking requests clients made by chat, answered by an advisor: confirm a
time, propose another one, or decline with a reason. (Turning one into a
session is ``open_session(request_id=…)``.)

Each answer is told to the client in the same unit of work — a message in
their language on their channel (``channel_to``) — unless they opted out of
messages; the services return whether the client was told, so that the
advisor's reply never claims a message that was not queued.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.core.enums import RequestStatus
from garagebot.core.errors import Conflict, InvalidInput
from garagebot.core.i18n import short_when
from garagebot.core.ids import RequestId
from garagebot.core.models import Client, Request, Vehicle
from garagebot.core.notify.recipient import channel_to
from garagebot.core.permissions import Permission
from garagebot.core.repair import inputs
from garagebot.core.repair.intake import close_request
from garagebot.core.uow import UnitOfWork

LIST_LIMIT = 20


@dataclass(frozen=True, slots=True)
class Booking:
    """An open booking request as the advisor sees it."""

    request_id: RequestId
    client_name: str
    phone: str
    plate: str
    car: str  # make and model, "" when unknown
    complaint: str
    preferred_time: dt.datetime | None
    created_at: dt.datetime
    confirmed: bool  # the advisor confirmed ``preferred_time`` to the client


def local_datetime(when: dt.datetime, timezone: str, locale: str) -> str:
    """``when`` in the garage's zone, written for a reader of ``locale`` ("Tue 8 Dec, 10:00")."""
    return short_when(when, timezone, locale)


def _query(org_id: int) -> Select[tuple[Request, Client, Vehicle]]:
    return (
        select(Request, Client, Vehicle)
        .join(Client, Client.id == Request.client_id)
        .outerjoin(Vehicle, Vehicle.id == Request.vehicle_id)
        .where(Request.organization_id == org_id, Request.status == RequestStatus.OPEN.value)
    )


def _booking(req: Request, client: Client, vehicle: Vehicle | None) -> Booking:
    car = " ".join(p for p in (vehicle.make, vehicle.model) if p) if vehicle else ""
    return Booking(RequestId(req.id), client.name, client.phone, vehicle.plate if vehicle else "", car,
                   req.complaint, req.preferred_time, req.created_at, req.confirmed_at is not None)


async def open_bookings(session: AsyncSession, org_id: int) -> list[Booking]:
    """The garage's open requests: those still to answer first, then by
    preferred time (any time last)."""
    rows = (await session.execute(_query(org_id).order_by(Request.id).limit(LIST_LIMIT))).all()
    found = [_booking(r, c, v) for r, c, v in rows]
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return sorted(found, key=lambda b: (b.confirmed, b.preferred_time or far, b.request_id))


async def open_booking(session: AsyncSession, org_id: int, request_id: int) -> Booking | None:
    row = (await session.execute(_query(org_id).where(Request.id == request_id))).first()
    return None if row is None else _booking(*row)


async def _open(uow: UnitOfWork, request_id: RequestId) -> Request:
    await uow.require(Permission.INTAKE)
    req = await uow.get(Request, request_id, lock=True)
    if req.status != RequestStatus.OPEN:
        raise Conflict("error.request_not_open", id=req.id)
    return req


def _future(uow: UnitOfWork, when: dt.datetime) -> dt.datetime:
    at = inputs.aware(when)
    if at <= uow.now:
        raise InvalidInput("error.booking_time_past")
    return at


async def _tell(uow: UnitOfWork, req: Request, key: str, **params: str) -> bool:
    """Queue ``key`` to the request's client in their language; False when they opted out."""
    client = await uow.get(Client, req.client_id)
    if not client.messaging_consent:
        return False
    org = await uow.organization()
    vehicle = await uow.get(Vehicle, req.vehicle_id) if req.vehicle_id is not None else None
    channel = await channel_to(uow, client.phone, key, client.locale)
    uow.send(channel, client.phone, client.locale, key, {
        "garage": org.name_ar if client.locale == "ar" else org.name_en, "name": client.name,
        "plate": vehicle.plate if vehicle else "", "id": req.id, **params,
    })
    return True


async def _when_text(uow: UnitOfWork, req: Request, when: dt.datetime) -> str:
    client = await uow.get(Client, req.client_id)
    return local_datetime(when, (await uow.organization()).timezone, client.locale)


async def confirm_booking(uow: UnitOfWork, request_id: RequestId, when: dt.datetime) -> bool:
    """Book the request for ``when`` (it stays open until the car arrives and
    a session is opened from it) and tell the client; True when they were told."""
    req = await _open(uow, request_id)
    at = _future(uow, when)
    before = {"preferred_time": req.preferred_time, "confirmed_at": req.confirmed_at}
    req.preferred_time, req.confirmed_at = at, uow.now
    await uow.audit("request", req.id, "confirm_time", before=before,
                    after={"preferred_time": at, "confirmed_at": uow.now})
    uow.emit("request.confirmed", {"request_id": req.id, "at": at.isoformat()})
    return await _tell(uow, req, "booking.confirmed", when=await _when_text(uow, req, at))


async def propose_booking_time(uow: UnitOfWork, request_id: RequestId, when: dt.datetime) -> bool:
    """Ask the client whether ``when`` suits them instead (nothing is booked
    until they answer); True when they were told."""
    req = await _open(uow, request_id)
    at = _future(uow, when)
    await uow.audit("request", req.id, "propose_time", before={"confirmed_at": req.confirmed_at},
                    after={"proposed_time": at, "confirmed_at": None})
    req.confirmed_at = None  # booked again only once the client agrees and it is confirmed
    uow.emit("request.time_proposed", {"request_id": req.id, "at": at.isoformat()})
    return await _tell(uow, req, "booking.proposed", when=await _when_text(uow, req, at))


async def decline_booking(uow: UnitOfWork, request_id: RequestId, reason: str) -> bool:
    """Close the request with ``reason`` and tell the client why; True when they were told."""
    req = await _open(uow, request_id)
    await close_request(uow, request_id, reason=reason)
    return await _tell(uow, req, "booking.declined", reason=req.close_reason or reason)

"""Intake: requests, and opening repair sessions (from a request or directly).

Lock order, the same in every intake service so that concurrent intakes
cannot deadlock: the day's session counter first (``open_session`` only),
then the client and vehicle rows, then the request, and the audit chain last
(all audit entries are written at the end). The counter row also serialises
concurrent ``open_session`` calls of a garage, which is what makes both the
gapless numbers and the one-active-session-per-vehicle rule hold.
"""

from __future__ import annotations

import datetime as dt
import secrets
import zoneinfo
from dataclasses import dataclass

from sqlalchemy import select

from garagebot.core.actor import Actor
from garagebot.core.enums import ActorKind, RequestStatus, Role, SessionStatus
from garagebot.core.errors import Conflict, InvalidInput, PermissionDenied
from garagebot.core.ids import RequestId, SessionId, UserId
from garagebot.core.models import Client, RepairSession, Request, User, Vehicle
from garagebot.core.permissions import Permission, allowed
from garagebot.core.repair import inputs
from garagebot.core.repair.clients import ClientInput, client_input, record_client, upsert_client
from garagebot.core.repair.machine import FINAL
from garagebot.core.repair.rows import Upsert
from garagebot.core.repair.transitions import record_status_change
from garagebot.core.repair.vehicles import VehicleInput, record_vehicle, upsert_vehicle, vehicle_input
from garagebot.core.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class Intake:
    """Validated intake data: who, which car, what is wrong."""

    client: ClientInput
    vehicle: VehicleInput
    complaint: str


def intake_input(
    uow: UnitOfWork, *, phone: str | None, plate: str | None, complaint: str | None, client_name: str | None,
    locale: str | None, vin: str | None, make: str | None, model: str | None, year: int | None,
    colour: str | None, mileage_km: int | None,
) -> Intake:
    """Validate everything typed at intake before anything is written."""
    if not phone or not phone.strip():
        raise InvalidInput("error.intake_phone_required")
    if not plate or not plate.strip():
        raise InvalidInput("error.intake_plate_required")
    return Intake(
        client=client_input(phone, client_name, locale),
        vehicle=vehicle_input(plate, now=uow.now, vin=vin, make=make, model=model, year=year, colour=colour,
                              mileage_km=mileage_km),
        complaint=inputs.required_text(complaint, "error.intake_complaint_required", inputs.MAX_COMPLAINT),
    )


async def create_request(
    uow: UnitOfWork, *, phone: str, plate: str, complaint: str, client_name: str | None = None,
    locale: str | None = None, vin: str | None = None, make: str | None = None, model: str | None = None,
    year: int | None = None, colour: str | None = None, mileage_km: int | None = None,
    preferred_time: dt.datetime | None = None,
) -> RequestId:
    """Record an intake (client and vehicle found by phone / plate or created)
    for a session to be opened later (``open_session(request_id=…)``). Staff
    need INTAKE; a booking by chat is made by the client (for their own
    phone) or by the contact writing from ``phone`` (``_may_request``)."""
    await _may_request(uow, phone)
    data = intake_input(
        uow, phone=phone, plate=plate, complaint=complaint, client_name=client_name, locale=locale, vin=vin,
        make=make, model=model, year=year, colour=colour, mileage_km=mileage_km,
    )
    when = None if preferred_time is None else inputs.aware(preferred_time)
    client = await upsert_client(uow, data.client)
    vehicle = await upsert_vehicle(uow, client.row.id, data.vehicle)
    req = Request(
        organization_id=uow.org_id, client_id=client.row.id, vehicle_id=vehicle.row.id,
        complaint=data.complaint, preferred_time=when, channel=uow.actor.channel.value,
        status=RequestStatus.OPEN.value, created_by_user_id=_user_id(uow.actor), created_at=uow.now,
    )
    uow.session.add(req)
    await uow.session.flush()
    await record_client(uow, client)
    await record_vehicle(uow, vehicle)
    await uow.audit("request", req.id, "create", after={
        "client_id": req.client_id, "vehicle_id": req.vehicle_id, "complaint": req.complaint,
        "preferred_time": when, "channel": req.channel,
    })
    uow.emit("request.created", {"request_id": req.id, "client_id": req.client_id,
                                 "vehicle_id": req.vehicle_id})
    return RequestId(req.id)


async def close_request(uow: UnitOfWork, request_id: RequestId, *, reason: str) -> None:
    """Close an OPEN request without a session (no-show, went elsewhere …)."""
    await uow.require(Permission.INTAKE)
    why = inputs.required_text(reason, "error.request_close_reason_required", inputs.MAX_NOTE)
    await close_open_request(uow, await uow.get(Request, request_id, lock=True), why)


async def close_open_request(uow: UnitOfWork, req: Request, why: str) -> None:
    """Close ``req`` (locked by the caller, whose permission was checked:
    staff, or the request's own client cancelling their appointment)."""
    if req.status != RequestStatus.OPEN:
        raise Conflict("error.request_not_open", id=req.id)
    req.status, req.close_reason = RequestStatus.CLOSED.value, why
    await uow.audit("request", req.id, "close", before={"status": RequestStatus.OPEN.value},
                    after={"status": req.status, "reason": why})
    uow.emit("request.closed", {"request_id": req.id, "reason": why})


async def _may_request(uow: UnitOfWork, phone: str) -> None:
    """Who may record a request for ``phone``: staff with INTAKE; a client for
    their own phone only; a contact (a number the garage does not know yet),
    whose own chat address the client engine passes as ``phone``. Never the
    system on a chat's behalf."""
    if uow.actor.kind is ActorKind.CONTACT:
        return
    if uow.actor.kind is ActorKind.CLIENT:
        client = await uow.get(Client, uow.actor.id or 0)
        if client.phone != phone:
            raise PermissionDenied("error.permission_denied", permission=Permission.INTAKE.value)
        return
    await uow.require(Permission.INTAKE)


def _user_id(actor: Actor) -> int | None:
    return actor.id if actor.kind is ActorKind.USER else None


async def session_number(uow: UnitOfWork) -> str:
    """The next SES-YYYYMMDD-NNN of the garage, "today" in the garage's zone."""
    org = await uow.organization()
    day = uow.now.astimezone(zoneinfo.ZoneInfo(org.timezone)).strftime("%Y%m%d")
    return f"SES-{day}-{await uow.next_number('SES', day):03d}"


async def resolve_advisor(uow: UnitOfWork, advisor_id: UserId | None) -> int | None:
    """The given advisor (active staff of the garage who may open sessions), or
    the acting user when they are one, or None."""
    if advisor_id is None:
        if uow.actor.kind is not ActorKind.USER:
            return None
        user = await uow.user()
        return user.id if allowed(Role(user.role), Permission.OPEN_SESSION) else None
    advisor = await uow.get(User, advisor_id)
    if not advisor.active or not allowed(Role(advisor.role), Permission.OPEN_SESSION):
        raise InvalidInput("error.session_not_an_advisor", name=advisor.name)
    return advisor.id


async def active_session_number(uow: UnitOfWork, vehicle_id: int) -> str | None:
    """The number of an active session of the vehicle, if it has one."""
    stmt = (
        select(RepairSession.number)
        .where(
            RepairSession.organization_id == uow.org_id, RepairSession.vehicle_id == vehicle_id,
            RepairSession.status.not_in([s.value for s in FINAL]),
        )
        .order_by(RepairSession.opened_at.desc())
        .limit(1)
    )
    return (await uow.session.execute(stmt)).scalar_one_or_none()


def new_delivery_pin() -> str:
    """Four random digits the client gives back at pick-up."""
    return f"{secrets.randbelow(10_000):04d}"


async def open_session(
    uow: UnitOfWork, *, request_id: RequestId | None = None, phone: str | None = None,
    plate: str | None = None, complaint: str | None = None, client_name: str | None = None,
    locale: str | None = None, vin: str | None = None, make: str | None = None, model: str | None = None,
    year: int | None = None, colour: str | None = None, mileage_km: int | None = None,
    advisor_id: UserId | None = None, priority: int = 0, confirm_second: bool = False,
) -> SessionId:
    """Open a repair session in NEW and return its id.

    From an OPEN request (which becomes CONVERTED): its client, vehicle and
    complaint are used (``complaint`` and ``mileage_km`` may be given to
    replace the complaint and record the odometer; the other intake fields are
    ignored). Or directly: ``phone``, ``plate`` and ``complaint`` are required,
    and client and vehicle are found or created as in ``create_request``.
    A vehicle with an active session gets a second one only with
    ``confirm_second`` (Conflict "error.vehicle_has_active_session" otherwise).
    The advisor is ``advisor_id``, else the acting user when they may open
    sessions. The number is SES-YYYYMMDD-NNN for the garage's day."""
    await uow.require(Permission.OPEN_SESSION)
    prio, mileage_in = inputs.priority(priority), inputs.mileage(mileage_km)
    data = None if request_id is not None else intake_input(
        uow, phone=phone, plate=plate, complaint=complaint, client_name=client_name, locale=locale, vin=vin,
        make=make, model=model, year=year, colour=colour, mileage_km=mileage_km,
    )
    number = await session_number(uow)  # the counter first: see the lock order above
    if data is None:
        assert request_id is not None
        req, client, vehicle, what = await _from_request(uow, request_id, complaint, mileage_in)
    else:
        client = await upsert_client(uow, data.client)
        vehicle = await upsert_vehicle(uow, client.row.id, data.vehicle)
        req, what = None, data.complaint
    other = await active_session_number(uow, vehicle.row.id)
    if other is not None and not confirm_second:
        raise Conflict("error.vehicle_has_active_session", number=other, plate=vehicle.row.plate)
    rs = RepairSession(
        organization_id=uow.org_id, number=number, client_id=client.row.id, vehicle_id=vehicle.row.id,
        request_id=req.id if req else None, advisor_id=await resolve_advisor(uow, advisor_id),
        status=SessionStatus.NEW.value, complaint=what, priority=prio, mileage_in_km=mileage_in,
        opened_at=uow.now, status_changed_at=uow.now, delivery_pin=new_delivery_pin(),
        delivery_pin_failures=0, second_active_confirmed=other is not None,
    )
    uow.session.add(rs)
    await uow.session.flush()
    record_status_change(uow, rs, None, SessionStatus.NEW, None)
    await _record_opening(uow, rs, client, vehicle, req)
    return SessionId(rs.id)


async def _from_request(
    uow: UnitOfWork, request_id: RequestId, complaint: str | None, mileage_km: int | None
) -> tuple[Request, Upsert[Client], Upsert[Vehicle], str]:
    """Client, vehicle and complaint of an OPEN request, which becomes CONVERTED."""
    req = await uow.get(Request, request_id, lock=True)
    if req.status != RequestStatus.OPEN:
        raise Conflict("error.request_not_open", id=req.id)
    what = inputs.optional_text(complaint, inputs.MAX_COMPLAINT) or req.complaint
    client = Upsert(await uow.get(Client, req.client_id), False)
    if req.vehicle_id is None:
        raise InvalidInput("error.intake_plate_required")
    vehicle_row = await uow.get(Vehicle, req.vehicle_id, lock=True)
    facts = vehicle_input(vehicle_row.plate, now=uow.now, mileage_km=mileage_km)
    vehicle = await upsert_vehicle(uow, client.row.id, facts)
    req.status = RequestStatus.CONVERTED.value
    return req, client, vehicle, what


async def _record_opening(
    uow: UnitOfWork, rs: RepairSession, client: Upsert[Client], vehicle: Upsert[Vehicle], req: Request | None
) -> None:
    await record_client(uow, client)
    await record_vehicle(uow, vehicle)
    if req is not None:
        await uow.audit("request", req.id, "convert", before={"status": RequestStatus.OPEN.value},
                        after={"status": req.status, "session_id": rs.id})
    await uow.audit("repair_session", rs.id, "open", after={
        "number": rs.number, "client_id": rs.client_id, "vehicle_id": rs.vehicle_id,
        "request_id": rs.request_id, "advisor_id": rs.advisor_id, "priority": rs.priority,
        "complaint": rs.complaint, "second_active_confirmed": rs.second_active_confirmed,
    })
    uow.emit("session.opened", {
        "session_id": rs.id, "number": rs.number, "from": None, "to": SessionStatus.NEW.value,
        "client_id": rs.client_id, "vehicle_id": rs.vehicle_id, "advisor_id": rs.advisor_id,
        "request_id": rs.request_id,
    })

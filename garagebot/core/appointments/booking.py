"""Booking, moving and cancelling appointments (staff), and the client's
answer to an offered or reminded one.

An appointment is made from an OPEN booking request (``core.repair.bookings``):
the advisor picks a free slot (``slots.free_slots``) or another time within
the opening hours; the appointment is BOOKED and the client is asked to
confirm ("1" / "2"). The client's "yes" makes it CONFIRMED (and the request's
time confirmed); "another time" cancels it and leaves the request open for
the advisor, who is told; "cancel" (from the reminder) cancels it and closes
the request.

No double booking (module docstring of ``models.appointments``): the overlap
query below gives the clear message; on PostgreSQL the exclusion constraints
refuse what two concurrent bookings both found free (IntegrityError → the
same Conflict), on SQLite the write lock taken at BEGIN serialises them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from garagebot.core.appointments.notices import OFFER_ANSWERS, Answer, tell_advisor, tell_client
from garagebot.core.appointments.settings import settings_of
from garagebot.core.appointments.slots import within_hours
from garagebot.core.enums import ActorKind, RequestStatus, Role
from garagebot.core.errors import Conflict, InvalidInput, PermissionDenied
from garagebot.core.i18n import short_when
from garagebot.core.models import Appointment, Bay, Request, User
from garagebot.core.models.appointments import ACTIVE_APPOINTMENT_STATUSES
from garagebot.core.permissions import Permission
from garagebot.core.repair import inputs
from garagebot.core.repair.intake import close_open_request
from garagebot.core.uow import UnitOfWork


class AppointmentStatus(StrEnum):
    BOOKED = "BOOKED"  # offered to the client, not yet confirmed by them
    CONFIRMED = "CONFIRMED"
    CONVERTED = "CONVERTED"  # the car arrived: a session was opened from it
    NO_SHOW = "NO_SHOW"
    CANCELLED = "CANCELLED"


ACTIVE = frozenset(AppointmentStatus(s) for s in ACTIVE_APPOINTMENT_STATUSES)
TECH_ROLES = frozenset({Role.TECHNICIAN, Role.LEAD_TECHNICIAN})


@dataclass(frozen=True, slots=True)
class Booked:
    appointment_id: int
    told: bool  # the client was messaged (False: they opted out)


@dataclass(frozen=True, slots=True)
class Slot:
    """Where and when: a bay, a start, a length, perhaps a technician."""

    bay_id: int
    starts_at: dt.datetime
    minutes: int | None = None  # None: the garage's slot length
    technician_id: int | None = None


async def _bay(uow: UnitOfWork, bay_id: int) -> Bay:
    bay = await uow.get(Bay, bay_id, lock=True)
    if not bay.active:
        raise InvalidInput("appointment.bay_inactive", bay=bay.name_en)
    return bay


async def _technician(uow: UnitOfWork, user_id: int | None) -> None:
    if user_id is None:
        return
    user = await uow.get(User, user_id, lock=True)
    if not user.active or Role(user.role) not in TECH_ROLES:
        raise InvalidInput("appointment.not_a_technician", name=user.name)


async def _lock(uow: UnitOfWork, slot: Slot) -> None:
    """Check and row-lock the technician, then the bay (always in that order,
    so two bookings never wait for each other in a cycle). On PostgreSQL this
    queues concurrent bookings of one bay or technician, so the overlap query
    below sees the one before it; the constraints stay the guarantee."""
    await _technician(uow, slot.technician_id)
    await _bay(uow, slot.bay_id)


async def _range(uow: UnitOfWork, slot: Slot) -> tuple[dt.datetime, dt.datetime]:
    org = await uow.organization()
    settings = settings_of(org)
    start = inputs.aware(slot.starts_at)
    minutes = slot.minutes or settings.slot_minutes
    if not 10 <= minutes <= 12 * 60:
        raise InvalidInput("appointment.length_invalid", minutes=minutes)
    end = start + dt.timedelta(minutes=minutes)
    if start <= uow.now:
        raise InvalidInput("appointment.time_past")
    if not within_hours(settings, org.timezone, start, end):
        raise InvalidInput("appointment.outside_hours", when=short_when(start, org.timezone, "en"))
    return start, end


async def _ensure_free(uow: UnitOfWork, slot: Slot, start: dt.datetime, end: dt.datetime,
                       exclude: int | None) -> None:
    """Conflict when the bay or the technician has an active appointment overlapping [start, end)."""
    who = [Appointment.bay_id == slot.bay_id]
    if slot.technician_id is not None:
        who.append(Appointment.technician_id == slot.technician_id)
    stmt = select(Appointment).where(
        Appointment.organization_id == uow.org_id, Appointment.status.in_(ACTIVE_APPOINTMENT_STATUSES),
        Appointment.starts_at < end, Appointment.ends_at > start, or_(*who))
    if exclude is not None:
        stmt = stmt.where(Appointment.id != exclude)
    other = (await uow.session.scalars(stmt.limit(1))).first()
    if other is None:
        return
    org = await uow.organization()
    when = short_when(other.starts_at, org.timezone, "en")
    if other.bay_id == slot.bay_id:
        raise Conflict("appointment.bay_taken", bay=(await uow.get(Bay, slot.bay_id)).name_en, when=when)
    raise Conflict("appointment.technician_taken", when=when)


async def _write(uow: UnitOfWork) -> None:
    """Flush the change; an exclusion constraint's refusal (PostgreSQL: a
    concurrent booking got the slot first) is the same Conflict as above."""
    try:
        await uow.session.flush()
    except IntegrityError as exc:
        raise Conflict("appointment.slot_taken") from exc


async def book_appointment(uow: UnitOfWork, request_id: int, slot: Slot) -> Booked:
    """Book the OPEN request's car into ``slot`` and ask the client to confirm."""
    user = await uow.require(Permission.INTAKE)
    req = await uow.get(Request, request_id, lock=True)
    if req.status != RequestStatus.OPEN:
        raise Conflict("error.request_not_open", id=req.id)
    if await uow.session.scalar(select(Appointment.id).where(
            Appointment.request_id == req.id, Appointment.status.in_(ACTIVE_APPOINTMENT_STATUSES))):
        raise Conflict("appointment.request_booked")
    await _lock(uow, slot)
    start, end = await _range(uow, slot)
    await _ensure_free(uow, slot, start, end, None)
    appt = Appointment(
        organization_id=uow.org_id, bay_id=slot.bay_id, technician_id=slot.technician_id,
        client_id=req.client_id, vehicle_id=req.vehicle_id, request_id=req.id, starts_at=start, ends_at=end,
        status=AppointmentStatus.BOOKED.value, awaiting="offer", created_at=uow.now,
        created_by_user_id=user.id if user is not None else None,
    )
    uow.session.add(appt)
    await _write(uow)
    req.preferred_time, req.confirmed_at = start, None
    await uow.audit("appointment", appt.id, "book", after={
        "request_id": req.id, "bay_id": slot.bay_id, "technician_id": slot.technician_id,
        "starts_at": start, "ends_at": end})
    uow.emit("appointment.booked", {"appointment_id": appt.id, "request_id": req.id})
    return Booked(appt.id, await tell_client(uow, appt, "appointment.offer", OFFER_ANSWERS))


async def _active(uow: UnitOfWork, appointment_id: int) -> Appointment:
    appt = await uow.get(Appointment, appointment_id, lock=True)
    if appt.status not in ACTIVE:
        raise Conflict("appointment.not_active")
    return appt


async def move_appointment(uow: UnitOfWork, appointment_id: int, slot: Slot) -> bool:
    """Move it to ``slot`` (staff); the client is asked to confirm the new
    time. True when they were told."""
    await uow.require(Permission.INTAKE)
    appt = await _active(uow, appointment_id)
    await _lock(uow, slot)
    start, end = await _range(uow, slot)
    await _ensure_free(uow, slot, start, end, appt.id)
    before = {"bay_id": appt.bay_id, "technician_id": appt.technician_id, "starts_at": appt.starts_at,
              "ends_at": appt.ends_at, "status": appt.status}
    appt.bay_id, appt.technician_id = slot.bay_id, slot.technician_id
    appt.starts_at, appt.ends_at = start, end
    appt.status, appt.awaiting, appt.confirmed_at, appt.reminded_at = (
        AppointmentStatus.BOOKED.value, "offer", None, None)
    await _write(uow)
    await _sync_request(uow, appt, confirmed=False)
    await uow.audit("appointment", appt.id, "move", before=before, after={
        "bay_id": slot.bay_id, "technician_id": slot.technician_id, "starts_at": start, "ends_at": end})
    return await tell_client(uow, appt, "appointment.moved", OFFER_ANSWERS)


async def _sync_request(uow: UnitOfWork, appt: Appointment, *, confirmed: bool) -> None:
    if appt.request_id is None:
        return
    req = await uow.get(Request, appt.request_id, lock=True)
    if req.status == RequestStatus.OPEN:
        req.preferred_time, req.confirmed_at = appt.starts_at, uow.now if confirmed else None


def _close(uow: UnitOfWork, appt: Appointment, status: AppointmentStatus,
           reason: str | None) -> dict[str, object]:
    before: dict[str, object] = {"status": appt.status}
    appt.status, appt.awaiting, appt.closed_at, appt.close_reason = status.value, None, uow.now, reason
    return before


async def cancel_appointment(uow: UnitOfWork, appointment_id: int, reason: str) -> bool:
    """Cancel it (staff) with ``reason``; the request stays open. True when the client was told."""
    await uow.require(Permission.INTAKE)
    why = inputs.required_text(reason, "appointment.reason_required", inputs.MAX_NOTE)
    appt = await _active(uow, appointment_id)
    before = _close(uow, appt, AppointmentStatus.CANCELLED, why)
    await uow.audit("appointment", appt.id, "cancel", before=before,
                    after={"status": appt.status, "reason": why})
    uow.emit("appointment.cancelled", {"appointment_id": appt.id})
    return await tell_client(uow, appt, "appointment.cancelled")


async def mark_no_show(uow: UnitOfWork, appointment_id: int) -> None:
    """The car did not come (staff, or the system after the grace time); only once it was due."""
    await uow.require(Permission.INTAKE)
    appt = await _active(uow, appointment_id)
    if appt.starts_at > uow.now:
        raise InvalidInput("appointment.not_due_yet")
    before = _close(uow, appt, AppointmentStatus.NO_SHOW, None)
    await uow.audit("appointment", appt.id, "no_show", before=before, after={"status": appt.status})
    uow.emit("appointment.no_show", {"appointment_id": appt.id})


def _own(uow: UnitOfWork, appt: Appointment) -> None:
    """Only the appointment's own client answers it (their chat is bound to it)."""
    if uow.actor.kind is not ActorKind.CLIENT or uow.actor.id != appt.client_id:
        raise PermissionDenied("error.not_your_account")


async def answer_appointment(uow: UnitOfWork, appointment_id: int, answer: Answer) -> Answer:
    """The client's answer; the advisor who booked it is told. Returns the answer applied."""
    appt = await uow.get(Appointment, appointment_id, lock=True)
    _own(uow, appt)
    if appt.status not in ACTIVE:
        raise Conflict("appointment.not_active")
    before: dict[str, object] = {"status": appt.status}
    if answer is Answer.CONFIRM:
        appt.status, appt.awaiting, appt.confirmed_at = AppointmentStatus.CONFIRMED.value, None, uow.now
        await _sync_request(uow, appt, confirmed=True)
        key = "appointments.client_confirmed"
    else:
        _close(uow, appt, AppointmentStatus.CANCELLED,
               "client: another time" if answer is Answer.OTHER else "client: cancelled")
        if answer is Answer.CANCEL and appt.request_id is not None:
            req = await uow.get(Request, appt.request_id, lock=True)
            if req.status == RequestStatus.OPEN:
                await close_open_request(uow, req, "client cancelled the appointment")
        else:
            await _sync_request(uow, appt, confirmed=False)
        key = "appointments.client_other_time" if answer is Answer.OTHER else "appointments.client_cancelled"
    await uow.audit("appointment", appt.id, f"client_{answer.value}", before=before,
                    after={"status": appt.status})
    uow.emit("appointment.answered", {"appointment_id": appt.id, "answer": answer.value})
    await tell_advisor(uow, appt, key)
    return answer

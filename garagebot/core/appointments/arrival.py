"""The car of an appointment arrived: a session opened from its request,
with the client, the car and the complaint filled in."""

from __future__ import annotations

from garagebot.core.appointments.booking import AppointmentStatus, _active
from garagebot.core.errors import Conflict
from garagebot.core.ids import RequestId, SessionId
from garagebot.core.permissions import Permission
from garagebot.core.repair.intake import open_session
from garagebot.core.uow import UnitOfWork


async def convert_appointment(uow: UnitOfWork, appointment_id: int, *,
                              confirm_second: bool = False) -> SessionId:
    """Open the session of an active appointment (``open_session`` with its
    request) and mark it CONVERTED; the session's id."""
    await uow.require(Permission.OPEN_SESSION)
    appt = await _active(uow, appointment_id)
    if appt.request_id is None:
        raise Conflict("appointment.no_request")
    session_id = await open_session(uow, request_id=RequestId(appt.request_id), confirm_second=confirm_second)
    before = {"status": appt.status}
    appt.status, appt.awaiting, appt.session_id, appt.closed_at = (
        AppointmentStatus.CONVERTED.value, None, session_id, uow.now)
    await uow.audit("appointment", appt.id, "convert", before=before,
                    after={"status": appt.status, "session_id": session_id})
    uow.emit("appointment.converted", {"appointment_id": appt.id, "session_id": session_id})
    return session_id

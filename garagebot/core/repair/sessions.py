"""Services on an open repair session: status changes, hold / resume / cancel,
check-in, ETA, advisor and priority.

Every service row-locks the session first (``FOR UPDATE`` on PostgreSQL; the
SQLite writer lock already serialises), so two people moving one session at
the same moment act one after the other and the second sees the first's
result.
"""

from __future__ import annotations

import datetime as dt

from garagebot.core.enums import SessionStatus
from garagebot.core.errors import Conflict, InvalidInput, InvalidTransition
from garagebot.core.ids import SessionId, UserId
from garagebot.core.models import RepairSession, Vehicle
from garagebot.core.permissions import Permission
from garagebot.core.repair import inputs
from garagebot.core.repair.intake import resolve_advisor
from garagebot.core.repair.machine import FINAL
from garagebot.core.repair.transitions import transition
from garagebot.core.uow import UnitOfWork


async def change_status(
    uow: UnitOfWork,
    session_id: SessionId,
    to: SessionStatus,
    *,
    note: str | None = None,
    override_reason: str | None = None,
) -> None:
    """Move the session along the state machine (``machine.TRANSITIONS``).

    Moving to the current status does nothing. ON_HOLD and CANCELLED need a
    ``note`` (why); leaving ON_HOLD goes only back where the session came from.
    READY_FOR_PICKUP needs the QC checklist done. COMPLETED needs no open steps
    and no unconsumed parts, unless a manager gives ``override_reason``
    (audited as "override"). DELIVERED only through ``confirm_delivery``.
    Allowed to advisors, lead technicians, managers and the system actor.
    """
    await uow.require(Permission.CHANGE_SESSION_STATUS)
    target = _status(to)
    rs = await uow.get(RepairSession, session_id, lock=True)
    await transition(uow, rs, target, note=note, override_reason=override_reason)


def _status(value: SessionStatus | str) -> SessionStatus:
    try:
        return SessionStatus(value)
    except ValueError as exc:
        raise InvalidInput("error.session_status_unknown", value=str(value)) from exc


async def resume_session(uow: UnitOfWork, session_id: SessionId, *, note: str | None = None) -> None:
    """Take an ON_HOLD session back to the status it was held from."""
    await uow.require(Permission.CHANGE_SESSION_STATUS)
    rs = await uow.get(RepairSession, session_id, lock=True)
    if rs.status != SessionStatus.ON_HOLD or rs.held_from is None:
        raise InvalidTransition("error.session_not_on_hold", number=rs.number)
    await transition(uow, rs, SessionStatus(rs.held_from), note=note)


async def cancel_session(uow: UnitOfWork, session_id: SessionId, *, reason: str) -> None:
    """Cancel an open or held session; the reason is required and kept."""
    await change_status(uow, session_id, SessionStatus.CANCELLED, note=reason)


def _require_active(rs: RepairSession) -> None:
    if SessionStatus(rs.status) in FINAL:
        raise InvalidTransition("error.session_closed", number=rs.number)


async def check_in(uow: UnitOfWork, session_id: SessionId, mileage_km: int | None) -> None:
    """The car is on site: stamp the time and the odometer reading (which also
    becomes the vehicle's mileage; lower than the one on file is refused)."""
    await uow.require(Permission.OPEN_SESSION)
    mileage = inputs.mileage(mileage_km)
    rs = await uow.get(RepairSession, session_id, lock=True)
    _require_active(rs)
    if rs.checked_in_at is not None:
        raise Conflict("error.session_already_checked_in", number=rs.number)
    vehicle = await uow.get(Vehicle, rs.vehicle_id, lock=True)
    if mileage is not None:
        if vehicle.mileage_km is not None and mileage < vehicle.mileage_km:
            raise InvalidInput("error.vehicle_mileage_lower", value=mileage, recorded=vehicle.mileage_km)
        vehicle.mileage_km = mileage
        rs.mileage_in_km = mileage
    rs.checked_in_at = uow.now
    await uow.audit("repair_session", rs.id, "check_in",
                    after={"checked_in_at": uow.now, "mileage_in_km": rs.mileage_in_km})
    uow.emit("session.checked_in", {
        "session_id": rs.id, "number": rs.number, "client_id": rs.client_id, "mileage_km": rs.mileage_in_km,
    })


async def set_eta(uow: UnitOfWork, session_id: SessionId, eta: dt.datetime | None) -> None:
    """Promise (or withdraw, with None) a ready time; it becomes the repair
    SLA's due time. It must lie in the future."""
    await uow.require(Permission.CHANGE_SESSION_STATUS)
    when = None if eta is None else inputs.aware(eta)
    if when is not None and when <= uow.now:
        raise InvalidInput("error.session_eta_in_past")
    rs = await uow.get(RepairSession, session_id, lock=True)
    _require_active(rs)
    if rs.eta == when:
        return
    before = rs.eta
    rs.eta = when
    await uow.audit("repair_session", rs.id, "set_eta", before={"eta": before}, after={"eta": when})
    uow.emit("session.eta_changed", {
        "session_id": rs.id, "number": rs.number, "client_id": rs.client_id,
        "from": before, "to": when,
    })


async def assign_advisor(uow: UnitOfWork, session_id: SessionId, advisor_id: UserId) -> None:
    """Make a member of staff who may open sessions the session's advisor."""
    await uow.require(Permission.OPEN_SESSION)
    rs = await uow.get(RepairSession, session_id, lock=True)
    _require_active(rs)
    new = await resolve_advisor(uow, advisor_id)
    if rs.advisor_id == new:
        return
    before = rs.advisor_id
    rs.advisor_id = new
    await uow.audit("repair_session", rs.id, "assign_advisor", before={"advisor_id": before},
                    after={"advisor_id": new})
    uow.emit("session.advisor_assigned", {
        "session_id": rs.id, "number": rs.number, "from": before, "to": new,
    })


async def set_priority(uow: UnitOfWork, session_id: SessionId, priority: int) -> None:
    """0 normal … 3 emergency; the board lists higher priorities first."""
    await uow.require(Permission.CHANGE_SESSION_STATUS)
    value = inputs.priority(priority)
    rs = await uow.get(RepairSession, session_id, lock=True)
    _require_active(rs)
    if rs.priority == value:
        return
    before = rs.priority
    rs.priority = value
    await uow.audit("repair_session", rs.id, "set_priority", before={"priority": before},
                    after={"priority": value})
    uow.emit("session.priority_changed", {
        "session_id": rs.id, "number": rs.number, "from": before, "to": value,
    })

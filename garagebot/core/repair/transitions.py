"""Moving a session along the state machine: table lookup, guards, side
effects, status history, audit entry and the ``session.status_changed`` event.

Callers hold the session row (``uow.get(RepairSession, id, lock=True)``) and
have checked the actor's permission; the public entry point is
``sessions.change_status``.
"""

from __future__ import annotations

from garagebot.core.enums import SessionStatus
from garagebot.core.errors import InvalidTransition
from garagebot.core.models import RepairSession, SessionStatusChange
from garagebot.core.repair import inputs, machine, qc
from garagebot.core.repair.guards import check_guards
from garagebot.core.uow import UnitOfWork

S = SessionStatus


async def transition(
    uow: UnitOfWork,
    rs: RepairSession,
    target: SessionStatus,
    *,
    note: str | None = None,
    override_reason: str | None = None,
    delivery_method: str | None = None,
) -> bool:
    """Move ``rs`` to ``target``. Moving to the current status is a no-op
    (returns False), so a repeated call changes nothing."""
    current = S(rs.status)
    if target == current:
        return False
    guards = machine.guards_for(current, target)
    if guards is None:
        raise InvalidTransition(
            "error.session_transition_forbidden", number=rs.number,
            **{"@from_status": machine.status_key(current), "@to_status": machine.status_key(target)},
        )
    clean_note = inputs.optional_text(note, inputs.MAX_NOTE)
    await check_guards(
        uow, rs, target, guards, note=clean_note, override_reason=override_reason,
        delivery_method=delivery_method,
    )
    before = {"status": current.value, "held_from": rs.held_from}
    await _apply(uow, rs, current, target, clean_note)
    record_status_change(uow, rs, current, target, clean_note)
    await uow.audit(
        "repair_session", rs.id, "status_change", before=before,
        after={"status": target.value, "held_from": rs.held_from, "note": clean_note},
    )
    uow.emit("session.status_changed", {
        "session_id": rs.id, "number": rs.number, "from": current.value, "to": target.value,
        "client_id": rs.client_id, "vehicle_id": rs.vehicle_id, "note": clean_note,
    })
    return True



async def follow(uow: UnitOfWork, rs: RepairSession, target: SessionStatus) -> None:
    """Move ``rs`` to ``target`` where the machine's table has that move from
    the current status (another part of the garage, e.g. a quote's decision,
    says where the work goes next; otherwise nothing changes). A car ON_HOLD
    stays on hold: staff lift the hold, and lifting it will land on ``target``
    (``held_from`` moves on, audited)."""
    current = S(rs.status)
    if current is S.ON_HOLD:
        held = S(rs.held_from) if rs.held_from else None
        if held is not None and held is not target and machine.guards_for(held, target) is not None:
            before = {"held_from": rs.held_from}
            rs.held_from = target.value
            await uow.audit("repair_session", rs.id, "resume_target", before=before,
                            after={"held_from": rs.held_from})
        return
    if current is not target and machine.guards_for(current, target) is not None:
        await transition(uow, rs, target, note=None)

async def _apply(
    uow: UnitOfWork, rs: RepairSession, current: SessionStatus, target: SessionStatus, note: str | None
) -> None:
    """The status and what entering it means for the session's other columns."""
    rs.status = target.value
    rs.status_changed_at = uow.now
    rs.held_from = current.value if target is S.ON_HOLD else None
    if target in machine.AFTER_DIAGNOSIS and rs.diagnosed_at is None:
        rs.diagnosed_at = uow.now
    if target is S.QA_CHECK:
        await qc.prepare_checklist(uow, rs)
    elif target is S.COMPLETED:
        rs.completed_at = uow.now
    elif target is S.DELIVERED:
        rs.delivered_at = uow.now
    elif target is S.CANCELLED:
        rs.close_reason = note


def record_status_change(
    uow: UnitOfWork, rs: RepairSession, current: SessionStatus | None, target: SessionStatus, note: str | None
) -> None:
    """One row of the session's status history (the client's timeline)."""
    uow.session.add(
        SessionStatusChange(
            organization_id=uow.org_id, session_id=rs.id, from_status=current.value if current else None,
            to_status=target.value, actor_kind=uow.actor.kind.value, actor_id=uow.actor.id, note=note,
            at=uow.now,
        )
    )

"""The guards of the session state machine (see ``machine.Guard``).

Each guard either passes or raises a domain error naming what is missing. The
WORK_CLOSED guard alone may be overridden, by a manager with a reason; the
override is audited as its own action ("override") and emitted as an event.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.core.enums import SessionStatus, StepStatus
from garagebot.core.errors import InvalidInput, InvalidTransition
from garagebot.core.inventory.guards import unconsumed_reservation_count
from garagebot.core.models import RepairSession, SessionQcItem, Step
from garagebot.core.permissions import Permission
from garagebot.core.repair import inputs
from garagebot.core.repair.machine import Guard
from garagebot.core.uow import UnitOfWork

# Steps that still need work (or a lead's decision) before a session completes.
OPEN_STEP_STATES = (StepStatus.NOT_STARTED.value, StepStatus.IN_PROGRESS.value, StepStatus.FAILED.value)


@dataclass(frozen=True, slots=True)
class OpenWork:
    """What keeps a session from COMPLETED."""

    open_steps: int
    unconsumed_parts: int

    @property
    def closed(self) -> bool:
        return self.open_steps == 0 and self.unconsumed_parts == 0


async def open_work(session: AsyncSession, org_id: int, session_id: int) -> OpenWork:
    stmt = select(func.count(Step.id)).where(
        Step.organization_id == org_id, Step.session_id == session_id, Step.status.in_(OPEN_STEP_STATES)
    )
    steps = int((await session.execute(stmt)).scalar_one())
    parts = await unconsumed_reservation_count(session, org_id, session_id)
    return OpenWork(open_steps=steps, unconsumed_parts=parts)


async def qc_missing(session: AsyncSession, org_id: int, session_id: int) -> int | None:
    """How many QC items are not ticked; None when the session has no checklist."""
    not_done = func.count(SessionQcItem.id).filter(SessionQcItem.done.is_(False))
    stmt = select(func.count(SessionQcItem.id), not_done).where(
        SessionQcItem.organization_id == org_id, SessionQcItem.session_id == session_id
    )
    total, missing = (await session.execute(stmt)).one()
    return None if int(total) == 0 else int(missing)


async def check_guards(
    uow: UnitOfWork,
    rs: RepairSession,
    target: SessionStatus,
    guards: frozenset[Guard],
    *,
    note: str | None,
    override_reason: str | None,
    delivery_method: str | None,
) -> None:
    """Raise unless every guard of the move passes (or is overridden)."""
    if Guard.REASON in guards and not note:
        raise InvalidInput("error.session_reason_required")
    if Guard.RESUME in guards and target.value != rs.held_from:
        raise InvalidTransition("error.session_resume_elsewhere", number=rs.number)
    if Guard.QC_DONE in guards:
        missing = await qc_missing(uow.session, uow.org_id, rs.id)
        if missing is None or missing > 0:
            raise InvalidTransition("error.session_qc_incomplete", number=rs.number, missing=missing or 0)
    if Guard.WORK_CLOSED in guards:
        await _work_closed_or_overridden(uow, rs, override_reason)
    if Guard.DELIVERY in guards and delivery_method is None:
        raise InvalidTransition("error.session_delivery_unconfirmed", number=rs.number)


async def _work_closed_or_overridden(uow: UnitOfWork, rs: RepairSession, override_reason: str | None) -> None:
    work = await open_work(uow.session, uow.org_id, rs.id)
    if work.closed:
        return
    if override_reason is None:
        raise InvalidTransition(
            "error.session_open_work", number=rs.number, open_steps=work.open_steps,
            parts=work.unconsumed_parts,
        )
    await uow.require(Permission.OVERRIDE_GUARD)
    reason = inputs.required_text(override_reason, "error.session_override_reason_required", inputs.MAX_NOTE)
    details = {
        "guard": Guard.WORK_CLOSED.value, "reason": reason, "open_steps": work.open_steps,
        "unconsumed_parts": work.unconsumed_parts,
    }
    await uow.audit("repair_session", rs.id, "override", before={"status": rs.status}, after=details)
    uow.emit("session.guard_overridden", {"session_id": rs.id, "number": rs.number, **details})

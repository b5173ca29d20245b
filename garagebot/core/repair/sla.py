"""Service-level targets: time to diagnose and time to repair.

Per garage (``Organization.sla_diagnose_minutes`` / ``sla_repair_minutes``),
counted from the session's opening. The diagnosis is due at opening + the
diagnose target and is over when the session first enters a status after
diagnosis (``diagnosed_at``). The repair is due at the session's ETA when one
is promised, else at opening + the repair target, and is over at
READY_FOR_PICKUP. Waiting (ON_HOLD, parts, approval) does not stop the clock:
the client waits all the same, and the board should show it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.core.enums import SessionStatus
from garagebot.core.errors import InvalidInput, NotFound
from garagebot.core.ids import OrgId
from garagebot.core.models import Organization
from garagebot.core.permissions import Permission
from garagebot.core.repair import inputs
from garagebot.core.repair.machine import FINAL, REPAIR_FINISHED
from garagebot.core.uow import UnitOfWork

MAX_DIAGNOSE_MINUTES = 7 * 24 * 60
MAX_REPAIR_MINUTES = 60 * 24 * 60


@dataclass(frozen=True, slots=True)
class SlaTargets:
    diagnose_minutes: int
    repair_minutes: int


@dataclass(frozen=True, slots=True)
class SessionSla:
    """A session's due times and whether each stage is over."""

    diagnose_due: dt.datetime
    repair_due: dt.datetime
    diagnosed: bool
    repair_finished: bool

    def diagnose_overdue(self, now: dt.datetime) -> bool:
        return not self.diagnosed and now > self.diagnose_due

    def repair_overdue(self, now: dt.datetime) -> bool:
        return not self.repair_finished and now > self.repair_due


def session_sla(
    targets: SlaTargets,
    *,
    status: SessionStatus | str,
    opened_at: dt.datetime,
    diagnosed_at: dt.datetime | None,
    eta: dt.datetime | None,
) -> SessionSla:
    """Due times of one session under the garage's targets (no I/O)."""
    state = SessionStatus(status)
    return SessionSla(
        diagnose_due=opened_at + dt.timedelta(minutes=targets.diagnose_minutes),
        repair_due=eta or opened_at + dt.timedelta(minutes=targets.repair_minutes),
        diagnosed=diagnosed_at is not None or state in FINAL,
        repair_finished=state in REPAIR_FINISHED,
    )


async def sla_targets(session: AsyncSession, org_id: OrgId) -> SlaTargets:
    """The garage's targets (NotFound for an unknown garage)."""
    stmt = select(Organization.sla_diagnose_minutes, Organization.sla_repair_minutes).where(
        Organization.id == org_id
    )
    row = (await session.execute(stmt)).one_or_none()
    if row is None:
        raise NotFound("error.garage_not_found")
    return SlaTargets(int(row[0]), int(row[1]))


async def set_sla_targets(uow: UnitOfWork, *, diagnose_minutes: int, repair_minutes: int) -> None:
    """Set the garage's targets (managers). Diagnosis cannot be due after the repair."""
    await uow.require(Permission.CONFIGURE_REPAIR)
    diagnose = inputs.positive_minutes(diagnose_minutes, MAX_DIAGNOSE_MINUTES)
    repair = inputs.positive_minutes(repair_minutes, MAX_REPAIR_MINUTES)
    if diagnose > repair:
        raise InvalidInput("error.sla_diagnose_after_repair", diagnose=diagnose, repair=repair)
    org = await uow.organization()
    before = {"diagnose_minutes": org.sla_diagnose_minutes, "repair_minutes": org.sla_repair_minutes}
    after = {"diagnose_minutes": diagnose, "repair_minutes": repair}
    if before == after:
        return
    org.sla_diagnose_minutes, org.sla_repair_minutes = diagnose, repair
    await uow.audit("organization", org.id, "sla_targets", before=before, after=after)
    uow.emit("garage.sla_changed", after)

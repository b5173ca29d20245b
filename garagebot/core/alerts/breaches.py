"""Which active sessions are past one of the garage's targets (no writes).

Stages, each with the time it counts from:

- diagnosis: NEW or DIAGNOSING past opening + the diagnose target;
- approval: AWAITING_CLIENT_APPROVAL longer than ``approval_wait_minutes``;
- parts: AWAITING_PARTS longer than ``parts_wait_minutes``;
- repair: IN_PROGRESS or QA_CHECK past the ETA (else opening + the repair target);
- pickup: READY_FOR_PICKUP longer than ``pickup_wait_minutes``.

A stage whose setting is 0 is not checked. The query reads the garage's
active sessions through the board's partial index (the same predicate as
``ix_repair_session_active_board``), narrows them in SQL by each stage's due
time and leaves out those already told (an anti-join on ``sla_breach``'s
unique key), so a run costs what the garage's open cars cost, not its
history, and a run that finds nothing new reads nothing more.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, case, exists, false, func, literal, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.core.alerts.settings import ScheduleSettings
from garagebot.core.enums import SessionStatus as S
from garagebot.core.models import RepairSession, SlaBreach, Vehicle
from garagebot.core.models.repair import ACTIVE_SESSION_SQL
from garagebot.core.repair.sla import SlaTargets


class Stage(StrEnum):
    DIAGNOSIS = "diagnosis"
    APPROVAL = "approval"
    PARTS = "parts"
    REPAIR = "repair"
    PICKUP = "pickup"


_WAITS = {S.AWAITING_CLIENT_APPROVAL: Stage.APPROVAL, S.AWAITING_PARTS: Stage.PARTS,
          S.READY_FOR_PICKUP: Stage.PICKUP}


@dataclass(frozen=True, slots=True)
class Limits:
    """Each stage's allowed time (None: not checked)."""

    diagnose: dt.timedelta | None
    repair: dt.timedelta | None
    waits: dict[Stage, dt.timedelta | None]

    @classmethod
    def of(cls, targets: SlaTargets, settings: ScheduleSettings) -> Limits:
        def minutes(n: int) -> dt.timedelta | None:
            return dt.timedelta(minutes=n) if n > 0 else None

        return cls(minutes(targets.diagnose_minutes), minutes(targets.repair_minutes), {
            Stage.APPROVAL: minutes(settings.approval_wait_minutes),
            Stage.PARTS: minutes(settings.parts_wait_minutes),
            Stage.PICKUP: minutes(settings.pickup_wait_minutes)})


@dataclass(frozen=True, slots=True)
class Found:
    """A session past ``stage`` since ``due``; ``since`` (what the stage counts
    from: the opening, the status's start, the promised ETA) names this
    occurrence: the same stage entered again, or a new ETA, is a new one."""

    session_id: int
    number: str
    plate: str
    advisor_id: int | None
    stage: Stage
    since: dt.datetime
    due: dt.datetime


@dataclass(frozen=True, slots=True)
class Timing:
    stage: Stage
    since: dt.datetime
    due: dt.datetime


def stage_due(status: str, opened_at: dt.datetime, changed_at: dt.datetime, eta: dt.datetime | None,
              limits: Limits) -> Timing | None:
    """The stage a session in ``status`` is timed against, from when, and when it is due."""
    state = S(status)
    if state in (S.NEW, S.DIAGNOSING):
        if limits.diagnose is None:
            return None
        return Timing(Stage.DIAGNOSIS, opened_at, opened_at + limits.diagnose)
    if state in (S.IN_PROGRESS, S.QA_CHECK):
        if eta is not None:
            return Timing(Stage.REPAIR, eta, eta)
        return None if limits.repair is None else Timing(Stage.REPAIR, opened_at, opened_at + limits.repair)
    stage = _WAITS.get(state)
    wait = limits.waits.get(stage) if stage is not None else None
    return None if stage is None or wait is None else Timing(stage, changed_at, changed_at + wait)


def _told() -> ColumnElement[bool]:
    """A breach of the session's current stage occurrence is recorded (the same
    stage and ``since`` as ``stage_due``, written in SQL)."""
    rs = RepairSession
    diagnosing, working = (S.NEW.value, S.DIAGNOSING.value), (S.IN_PROGRESS.value, S.QA_CHECK.value)
    stage = case((rs.status.in_(diagnosing), literal(Stage.DIAGNOSIS.value)),
                 (rs.status.in_(working), literal(Stage.REPAIR.value)),
                 *((rs.status == state.value, literal(st.value)) for state, st in _WAITS.items()))
    since = case((rs.status.in_(diagnosing), rs.opened_at),
                 (rs.status.in_(working), func.coalesce(rs.eta, rs.opened_at)), else_=rs.status_changed_at)
    return exists().where(SlaBreach.organization_id == rs.organization_id, SlaBreach.session_id == rs.id,
                          SlaBreach.stage == stage, SlaBreach.since == since)


def _predicate(limits: Limits, now: dt.datetime) -> ColumnElement[bool]:
    rs = RepairSession
    parts: list[ColumnElement[bool]] = []
    if limits.diagnose is not None:
        parts.append(and_(rs.status.in_((S.NEW.value, S.DIAGNOSING.value)),
                          rs.opened_at < now - limits.diagnose))
    late = rs.eta < now
    if limits.repair is not None:
        late = or_(late, and_(rs.eta.is_(None), rs.opened_at < now - limits.repair))
    parts.append(and_(rs.status.in_((S.IN_PROGRESS.value, S.QA_CHECK.value)), late))
    for state, stage in _WAITS.items():
        wait = limits.waits.get(stage)
        if wait is not None:
            parts.append(and_(rs.status == state.value, rs.status_changed_at < now - wait))
    return or_(*parts) if parts else false()


async def find_breaches(session: AsyncSession, org_id: int, limits: Limits, now: dt.datetime) -> list[Found]:
    """The garage's active sessions past their stage's due time now, not told yet."""
    rs = RepairSession
    stmt = (select(rs.id, rs.number, rs.status, rs.opened_at, rs.status_changed_at, rs.eta, rs.advisor_id,
                   Vehicle.plate)
            .outerjoin(Vehicle, Vehicle.id == rs.vehicle_id)
            .where(rs.organization_id == org_id, text(ACTIVE_SESSION_SQL),
                   _predicate(limits, now), ~_told()))
    found: list[Found] = []
    for sid, number, status, opened, changed, eta, advisor, plate in (await session.execute(stmt)).all():
        t = stage_due(status, opened, changed, eta, limits)
        if t is not None and t.due < now:
            found.append(Found(int(sid), str(number), str(plate or ""), advisor, t.stage, t.since, t.due))
    return found

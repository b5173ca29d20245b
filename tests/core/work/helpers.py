"""Builders for work tests: a repair session to put job cards on, job cards
with given steps, and short cuts to read rows back."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select

from garagebot.core.actor import Actor
from garagebot.core.enums import SessionStatus
from garagebot.core.ids import JobCardId, OrgId, SessionId, StepId
from garagebot.core.models import AuditEntry, OutboxRow, Step
from garagebot.core.repair.intake import open_session
from garagebot.core.repair.sessions import change_status
from garagebot.core.uow import Database
from garagebot.core.work.jobcards import add_free_job_card
from garagebot.core.work.templates import ChecklistItemSpec, StepSpec

# How a new session reaches the status a test needs, through the repair
# module's own state machine.
_PATHS: dict[SessionStatus, list[SessionStatus]] = {
    SessionStatus.NEW: [],
    SessionStatus.DIAGNOSING: [SessionStatus.DIAGNOSING],
    SessionStatus.IN_PROGRESS: [SessionStatus.IN_PROGRESS],
    SessionStatus.ON_HOLD: [SessionStatus.IN_PROGRESS, SessionStatus.ON_HOLD],
    SessionStatus.CANCELLED: [SessionStatus.CANCELLED],
}


async def make_session(
    db: Database, org: OrgId, status: SessionStatus = SessionStatus.IN_PROGRESS, priority: int = 0
) -> SessionId:
    """A repair session opened by the repair module and moved to ``status``."""
    system = Actor.system(org)
    tag = uuid.uuid4().int
    async with db.unit_of_work(system) as uow:
        sid = await open_session(
            uow, phone=f"+96279{tag % 10**7:07d}", plate=f"{tag % 90 + 10}-{tag % 10**5:05d}",
            complaint="Noise from the front", priority=priority, confirm_second=True,
        )
        for step in _PATHS[status]:
            await change_status(uow, sid, step, note="test")
    return sid


def simple_steps(n: int = 2, **overrides: object) -> list[StepSpec]:
    return [
        StepSpec(name_en=f"Step {i}", name_ar=f"الخطوة {i}", **overrides)  # type: ignore[arg-type]
        for i in range(1, n + 1)
    ]


def checked_step(name: str = "Check", items: int = 2, attachments: int = 0) -> StepSpec:
    return StepSpec(
        name_en=name, name_ar="فحص", required_attachments=attachments,
        checklist=tuple(ChecklistItemSpec(f"Item {i}", f"بند {i}") for i in range(1, items + 1)),
    )


@dataclass(frozen=True)
class Card:
    session_id: SessionId
    job_card_id: JobCardId
    step_ids: list[StepId]


async def make_card(
    db: Database, planner: Actor, steps: Sequence[StepSpec], session_id: SessionId | None = None,
    status: SessionStatus = SessionStatus.IN_PROGRESS,
) -> Card:
    """A free job card with ``steps`` on a new (or the given) session."""
    sid = session_id or await make_session(db, planner.org_id, status)
    async with db.unit_of_work(planner) as uow:
        card_id = await add_free_job_card(uow, sid, title_en="Job", title_ar="عمل", steps=steps)
    async with db.read() as s:
        ids = (await s.scalars(select(Step.id).where(Step.job_card_id == card_id)
                               .order_by(Step.position))).all()
    return Card(sid, card_id, [StepId(i) for i in ids])


async def get_step(db: Database, step_id: int) -> Step:
    async with db.read() as s:
        step = await s.get(Step, step_id)
        assert step is not None
        return step


async def audit_actions(db: Database, org: OrgId, entity: str, entity_id: int) -> list[str]:
    async with db.read() as s:
        return list((await s.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.organization_id == org, AuditEntry.entity == entity,
                   AuditEntry.entity_id == str(entity_id))
            .order_by(AuditEntry.seq)
        )).all())


async def outbox_topics(db: Database, org: OrgId) -> list[str]:
    async with db.read() as s:
        return list((await s.scalars(
            select(OutboxRow.topic).where(OutboxRow.organization_id == org).order_by(OutboxRow.id)
        )).all())


async def count_rows(db: Database, model: type[object], org: OrgId) -> int:
    async with db.read() as s:
        stmt = select(func.count()).select_from(model).where(
            model.organization_id == org  # type: ignore[attr-defined]
        )
        return int((await s.execute(stmt)).scalar_one())

"""Small read queries behind the staff chat's lists: job cards awaiting a
lead's review, drafts whose discount waits for a manager, active templates,
the people on the floor, a session's steps, and finding an active session by
its number or plate. Read-only, one garage each, frozen results.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from garagebot.core.billing.enums import DiscountStatus, QuoteStatus
from garagebot.core.enums import JobCardStatus, Role, StepStatus
from garagebot.core.ids import JobCardId, OrgId, QuoteId, SessionId, StepId, TemplateId, UserId
from garagebot.core.models import (
    JobCard,
    Quote,
    RepairSession,
    ServiceTemplate,
    Step,
    User,
    Vehicle,
)
from garagebot.core.models.repair import FINAL_SESSION_STATUSES

FLOOR_ROLES = (Role.TECHNICIAN, Role.ASSISTANT, Role.LEAD_TECHNICIAN)
_FINISHED = (StepStatus.DONE.value, StepStatus.SKIPPED.value)


@dataclass(frozen=True, slots=True)
class CardToReview:
    job_card_id: JobCardId
    session_id: SessionId
    number: str
    plate: str
    title_en: str
    title_ar: str
    steps: int


@dataclass(frozen=True, slots=True)
class PendingDiscount:
    quote_id: QuoteId
    session_id: SessionId
    number: str
    discount: Decimal
    total: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class TemplateRow:
    template_id: TemplateId
    code: str
    name_en: str
    name_ar: str


@dataclass(frozen=True, slots=True)
class Person:
    user_id: UserId
    name: str
    role: Role


@dataclass(frozen=True, slots=True)
class SessionStep:
    step_id: StepId
    name_en: str
    name_ar: str
    status: StepStatus
    assignee: str | None


async def cards_to_review(session: AsyncSession, org_id: OrgId, *, limit: int = 50) -> list[CardToReview]:
    """Open job cards whose steps are all done or skipped (oldest first)."""
    open_steps = (
        select(Step.job_card_id).where(Step.organization_id == org_id, Step.status.not_in(_FINISHED))
    )
    counts = (
        select(Step.job_card_id, func.count().label("n")).where(Step.organization_id == org_id)
        .group_by(Step.job_card_id).subquery()
    )
    rows = (await session.execute(
        select(JobCard, RepairSession.number, Vehicle.plate, counts.c.n)
        .join(counts, counts.c.job_card_id == JobCard.id)
        .join(RepairSession, RepairSession.id == JobCard.session_id)
        .join(Vehicle, Vehicle.id == RepairSession.vehicle_id)
        .where(JobCard.organization_id == org_id,
               JobCard.status.in_([JobCardStatus.IN_PROGRESS.value, JobCardStatus.PAUSED.value]),
               JobCard.id.not_in(open_steps))
        .order_by(JobCard.created_at, JobCard.id).limit(limit)
    )).all()
    return [CardToReview(JobCardId(c.id), SessionId(c.session_id), number, plate, c.title_en, c.title_ar,
                         int(n)) for c, number, plate, n in rows]


async def pending_discounts(
    session: AsyncSession, org_id: OrgId, *, limit: int = 50
) -> list[PendingDiscount]:
    """Draft quotes whose discount is above its author's limit."""
    rows = (await session.execute(
        select(Quote, RepairSession.number)
        .join(RepairSession, RepairSession.id == Quote.session_id)
        .where(Quote.organization_id == org_id, Quote.status == QuoteStatus.DRAFT.value,
               Quote.discount_status == DiscountStatus.PENDING.value)
        .order_by(Quote.created_at, Quote.id).limit(limit)
    )).all()
    return [PendingDiscount(QuoteId(q.id), SessionId(q.session_id), number, Decimal(q.discount_total),
                            Decimal(q.total), q.currency) for q, number in rows]


async def active_templates(session: AsyncSession, org_id: OrgId) -> list[TemplateRow]:
    rows = (await session.scalars(
        select(ServiceTemplate).where(ServiceTemplate.organization_id == org_id,
                                      ServiceTemplate.active.is_(True))
        .order_by(ServiceTemplate.code)
    )).all()
    return [TemplateRow(TemplateId(t.id), t.code, t.name_en, t.name_ar) for t in rows]


async def floor_people(session: AsyncSession, org_id: OrgId) -> list[Person]:
    """Active technicians, assistants and leads, by name."""
    rows = (await session.scalars(
        select(User).where(User.organization_id == org_id, User.active.is_(True),
                           User.role.in_([r.value for r in FLOOR_ROLES]))
        .order_by(User.name, User.id)
    )).all()
    return [Person(UserId(u.id), u.name, Role(u.role)) for u in rows]


async def session_steps(session: AsyncSession, org_id: OrgId, session_id: SessionId) -> list[SessionStep]:
    assignee = aliased(User)
    rows = (await session.execute(
        select(Step, assignee.name)
        .join(JobCard, JobCard.id == Step.job_card_id)
        .outerjoin(assignee, and_(assignee.id == Step.assignee_id, assignee.organization_id == org_id))
        .where(Step.organization_id == org_id, Step.session_id == session_id)
        .order_by(JobCard.position, JobCard.id, Step.position, Step.id)
    )).all()
    return [SessionStep(StepId(s.id), s.name_en, s.name_ar, StepStatus(s.status), name) for s, name in rows]


async def find_active_session(session: AsyncSession, org_id: OrgId, *, number: str | None = None,
                              plate: str | None = None) -> SessionId | None:
    """The active session with this number, or the newest active one of this plate
    (delivered and cancelled sessions are never found)."""
    stmt = select(RepairSession.id).where(RepairSession.organization_id == org_id,
                                          RepairSession.status.not_in(FINAL_SESSION_STATUSES))
    if number is not None:
        stmt = stmt.where(RepairSession.number == number)
    elif plate is not None:
        stmt = stmt.join(Vehicle, Vehicle.id == RepairSession.vehicle_id).where(Vehicle.plate == plate)
    else:
        return None
    found = (await session.execute(stmt.order_by(RepairSession.opened_at.desc()).limit(1))).scalar()
    return None if found is None else SessionId(found)

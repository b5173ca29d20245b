"""Read queries for the floor: a person's jobs, the leads' exception queue,
and a step's detail. Each is one or two indexed statements (no N+1), scoped
to one garage, returning frozen dataclasses.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, Select, Subquery, and_, bindparam, case, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from garagebot.core import pgraw
from garagebot.core.enums import ExceptionStatus, StepStatus
from garagebot.core.errors import NotFound
from garagebot.core.ids import ExceptionId, JobCardId, MediaId, OrgId, SessionId, StepId, UserId
from garagebot.core.models import (
    JobCard,
    MediaFile,
    Organization,
    RepairSession,
    Step,
    StepChecklistItem,
    StepException,
    StepNote,
    TimeLog,
    User,
    Vehicle,
)
from garagebot.core.work.machines import OPEN_STEP_STATUSES
from garagebot.core.work.timers import worked_minutes


@dataclass(frozen=True, slots=True)
class MyJobRow:
    step_id: StepId
    session_id: SessionId
    session_number: str
    plate: str
    job_card_id: JobCardId
    job_title_en: str
    job_title_ar: str
    step_name_en: str
    step_name_ar: str
    status: StepStatus
    priority: int
    eta: dt.datetime | None
    overdue: bool
    timer_started_at: dt.datetime | None  # the person's running timer on this step
    delayed_until: dt.datetime | None
    rework_count: int


def _end_of_day(now: dt.datetime, tz_name: str) -> dt.datetime:
    """The next midnight in the garage's time zone, in UTC."""
    local = now.astimezone(zoneinfo.ZoneInfo(tz_name))
    midnight = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(), tzinfo=local.tzinfo)
    return midnight.astimezone(dt.UTC)


def _picked_steps() -> Subquery:
    """The person's first ``:limit`` open steps, from ix_step_my_jobs alone: in
    progress first, then failed, then not started; oldest session first. Steps
    delayed by more than a day are left out here already (the exact end of the
    garage's day needs its time zone, applied afterwards)."""
    status_rank = case((Step.status == StepStatus.IN_PROGRESS.value, 0),
                       (Step.status == StepStatus.FAILED.value, 1), else_=2)
    return (
        select(Step.id, Step.job_card_id, Step.session_id, Step.name_en, Step.name_ar, Step.status,
               Step.position, Step.delayed_until, Step.rework_count)
        .where(
            Step.organization_id == bindparam("org_id"),
            Step.assignee_id == bindparam("user_id"),
            Step.status.in_([s.value for s in OPEN_STEP_STATUSES]),
            (Step.delayed_until.is_(None)) | (Step.delayed_until < bindparam("soon")),
        )
        .order_by(status_rank, Step.session_id, Step.position, Step.id)
        .limit(bindparam("limit", type_=Integer))
        .subquery()
    )


@functools.cache
def _my_jobs_statement() -> Select[Any]:
    """Built once with bound parameters: building and cache-keying this
    statement cost more than running it (the chat's "my jobs" runs it per message)."""
    p = _picked_steps()
    return (
        select(p, JobCard.title_en.label("title_en"), JobCard.title_ar.label("title_ar"),
               JobCard.position.label("card_position"), RepairSession.number,
               RepairSession.priority, RepairSession.eta, Vehicle.plate, Organization.timezone,
               TimeLog.started_at.label("timer"))
        .join(JobCard, JobCard.id == p.c.job_card_id)
        .join(RepairSession, RepairSession.id == p.c.session_id)
        .join(Vehicle, Vehicle.id == RepairSession.vehicle_id)
        .join(Organization, Organization.id == bindparam("org_id"))
        .outerjoin(TimeLog, and_(TimeLog.user_id == bindparam("user_id"), TimeLog.ended_at.is_(None),
                                 TimeLog.step_id == p.c.id))
    )


@functools.cache
def _my_jobs_pg() -> pgraw.Prepared:
    return pgraw.prepare(_my_jobs_statement(), org_id=0, user_id=0, soon=dt.datetime.now(dt.UTC), limit=1)


async def my_jobs(
    session: AsyncSession, org_id: OrgId, user_id: UserId, now: dt.datetime, *, limit: int = 50
) -> list[MyJobRow]:
    """The person's open steps (not started, in progress, failed) for today:
    those delayed beyond the end of the garage's day are left out. Sorted for
    the screen: the running timer first, then priority, ETA and session.

    One statement, fast at millions of steps: the steps are picked from
    ix_step_my_jobs (organization_id, assignee_id, status) and limited
    *before* their card, session, vehicle and running timer (partial index
    uq_time_log_one_running) are joined, so a person with hundreds of open
    steps costs ``limit`` key lookups. (Steps of closed job cards are never
    open: rejecting a card skips them, approving needs them finished.)"""
    ahead = session.info.get(_AHEAD)
    if ahead:  # read for a chat group beforehand (read_my_jobs_ahead): the first call takes it
        found: list[MyJobRow] | None = ahead.pop((int(org_id), int(user_id), now, limit), None)
        if found is not None:
            return found
    params = {"org_id": int(org_id), "user_id": int(user_id), "soon": now + dt.timedelta(days=1),
              "limit": limit}
    # Every "my jobs" in the chat runs this: raw asyncpg on PostgreSQL (core.pgraw).
    rows = await pgraw.fetch(session, _my_jobs_pg(), params)
    if rows is None:
        rows = [r._mapping for r in (await session.execute(_my_jobs_statement(), params)).all()]
    return _job_rows(rows, now)


_AHEAD = "garagebot.my_jobs_ahead"


@functools.cache
def _my_jobs_many_pg() -> tuple[str, pgraw.Prepared]:
    """``my_jobs``'s statement once per (garage, person) of two arrays ($1, $2),
    by LATERAL; the other parameters keep their places."""
    single = _my_jobs_pg()
    if single.names[:2] != ("org_id", "user_id") or {"org_id", "user_id"} & set(single.names[2:]):
        raise RuntimeError("my_jobs: org_id and user_id must be $1 and $2 of its statement")
    inner = re.sub(r"\$1::BIGINT\b", "t.o", single.sql)
    inner = re.sub(r"\$2::BIGINT\b", "t.u", inner)
    if re.search(r"\$[12](?!\d)", inner):
        raise RuntimeError("my_jobs: $1 or $2 left in its statement")
    sql = (f"SELECT t.u AS for_user, x.* FROM unnest($1::bigint[], $2::bigint[]) AS t(o, u) "
           f"CROSS JOIN LATERAL ({inner}) AS x")
    return sql, single


async def read_my_jobs_ahead(session: AsyncSession, people: Sequence[tuple[OrgId, UserId]],
                             now: dt.datetime, *, limit: int = 50) -> None:
    """``my_jobs`` of several people in one statement (PostgreSQL; nothing
    elsewhere), kept in the session for each one's next ``my_jobs`` call at
    ``now``, which takes it. For a chat group's turns that list the jobs before
    they change anything (``conversations.staff.technician``)."""
    raw = await pgraw.driver(session)
    if raw is None or not people:
        return
    sql, single = _my_jobs_many_pg()
    args = single.args({"org_id": 0, "user_id": 0, "soon": now + dt.timedelta(days=1), "limit": limit})
    rows = await raw.fetch(sql, [int(o) for o, _ in people], [int(u) for _, u in people], *args[2:])
    by_person: dict[int, list[Any]] = {}
    for r in rows:
        by_person.setdefault(int(r["for_user"]), []).append(r)
    ahead = session.info.setdefault(_AHEAD, {})
    for org, user in people:
        ahead[(int(org), int(user), now, limit)] = _job_rows(by_person.get(int(user), []), now)


def _job_rows(rows: Sequence[Any], now: dt.datetime) -> list[MyJobRow]:
    end_of_day = _end_of_day(now, rows[0]["timezone"]) if rows else now
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    found = sorted(
        (r for r in rows if r["delayed_until"] is None or r["delayed_until"] < end_of_day),
        key=lambda r: (r["timer"] is None, -r["priority"], r["eta"] or far, r["session_id"],
                       r["card_position"], r["position"]),
    )
    return [
        MyJobRow(
            step_id=StepId(r["id"]), session_id=SessionId(r["session_id"]), session_number=r["number"],
            plate=r["plate"], job_card_id=JobCardId(r["job_card_id"]), job_title_en=r["title_en"],
            job_title_ar=r["title_ar"], step_name_en=r["name_en"], step_name_ar=r["name_ar"],
            status=StepStatus(r["status"]), priority=r["priority"], eta=r["eta"],
            overdue=r["eta"] is not None and r["eta"] < now, timer_started_at=r["timer"],
            delayed_until=r["delayed_until"], rework_count=r["rework_count"],
        )
        for r in found
    ]


@dataclass(frozen=True, slots=True)
class OpenExceptionRow:
    exception_id: ExceptionId
    step_id: StepId
    step_name_en: str
    step_name_ar: str
    session_id: SessionId
    session_number: str
    plate: str
    job_title_en: str
    job_title_ar: str
    reason: str
    raised_by_id: UserId
    raised_by_name: str
    media_id: MediaId | None
    created_at: dt.datetime


async def open_exceptions(
    session: AsyncSession, org_id: OrgId, *, limit: int = 100
) -> list[OpenExceptionRow]:
    """The leads' queue: open exceptions of the garage, oldest first
    (ix_step_exception_queue)."""
    raiser = aliased(User)
    stmt = (
        select(StepException, Step.name_en, Step.name_ar, Step.session_id, RepairSession.number,
               Vehicle.plate, JobCard.title_en, JobCard.title_ar, raiser.name)
        .join(Step, Step.id == StepException.step_id)
        .join(JobCard, JobCard.id == Step.job_card_id)
        .join(RepairSession, RepairSession.id == Step.session_id)
        .join(Vehicle, Vehicle.id == RepairSession.vehicle_id)
        .join(raiser, raiser.id == StepException.raised_by_id)
        .where(StepException.organization_id == org_id,
               StepException.status == ExceptionStatus.OPEN.value)
        .order_by(StepException.created_at, StepException.id)
        .limit(limit)
    )
    return [
        OpenExceptionRow(
            exception_id=ExceptionId(exc.id), step_id=StepId(exc.step_id), step_name_en=name_en,
            step_name_ar=name_ar, session_id=SessionId(session_id), session_number=number,
            plate=plate, job_title_en=title_en, job_title_ar=title_ar, reason=exc.reason,
            raised_by_id=UserId(exc.raised_by_id), raised_by_name=raiser_name,
            media_id=None if exc.media_id is None else MediaId(exc.media_id),
            created_at=exc.created_at,
        )
        for exc, name_en, name_ar, session_id, number, plate, title_en, title_ar, raiser_name
        in (await session.execute(stmt)).all()
    ]


@dataclass(frozen=True, slots=True)
class ChecklistRow:
    item_id: int
    text_en: str
    text_ar: str
    done: bool


@dataclass(frozen=True, slots=True)
class StepDetail:
    step_id: StepId
    job_card_id: JobCardId
    session_id: SessionId
    name_en: str
    name_ar: str
    status: StepStatus
    assignee_id: UserId | None
    required_skill: str | None
    assembly: bool
    required_attachments: int
    attachments: int
    estimated_minutes: int
    worked_minutes: int
    rework_count: int
    delayed_until: dt.datetime | None
    checklist: tuple[ChecklistRow, ...]
    notes: tuple[str, ...]


async def step_detail(
    session: AsyncSession, org_id: OrgId, step_id: StepId, now: dt.datetime
) -> StepDetail:
    """Everything a technician needs on one step's screen; NotFound for an
    unknown step or another garage's."""
    step = (await session.execute(
        select(Step).where(Step.id == step_id, Step.organization_id == org_id)
    )).scalar_one_or_none()
    if step is None:
        raise NotFound("error.not_found", entity="step", id=step_id)
    items = (await session.execute(
        select(StepChecklistItem)
        .where(StepChecklistItem.organization_id == org_id, StepChecklistItem.step_id == step.id)
        .order_by(StepChecklistItem.position)
    )).scalars().all()
    notes = (await session.execute(
        select(StepNote.text)
        .where(StepNote.organization_id == org_id, StepNote.step_id == step.id)
        .order_by(StepNote.created_at, StepNote.id)
    )).scalars().all()
    attachments = len((await session.execute(
        select(MediaFile.id).where(MediaFile.organization_id == org_id,
                                   MediaFile.step_id == step.id)
    )).all())
    return StepDetail(
        step_id=StepId(step.id), job_card_id=JobCardId(step.job_card_id),
        session_id=SessionId(step.session_id), name_en=step.name_en, name_ar=step.name_ar,
        status=StepStatus(step.status),
        assignee_id=None if step.assignee_id is None else UserId(step.assignee_id),
        required_skill=step.required_skill, assembly=step.assembly,
        required_attachments=step.required_attachments, attachments=attachments,
        estimated_minutes=step.estimated_minutes,
        worked_minutes=await worked_minutes(session, org_id, StepId(step.id), now),
        rework_count=step.rework_count, delayed_until=step.delayed_until,
        checklist=tuple(ChecklistRow(i.id, i.text_en, i.text_ar, i.done) for i in items),
        notes=tuple(notes),
    )

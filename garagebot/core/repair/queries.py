"""Read queries of the repair domain (no writes; every one scoped to a garage).

Each runs a fixed number of indexed statements, whatever the size of the
garage: the active board is one range scan of the partial index
``ix_repair_session_active_board`` (already in board order) joined to its
vehicles and clients by primary key; a session's detail is five small
statements. Another garage's id is NotFound, as in the services.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any

from sqlalchemy import Row, Select, Subquery, and_, func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.core.enums import JobCardStatus, SessionStatus, StepStatus
from garagebot.core.errors import NotFound
from garagebot.core.ids import ClientId, OrgId, QcItemId, RequestId, SessionId, UserId, VehicleId
from garagebot.core.models import (
    Client,
    JobCard,
    Organization,
    RepairSession,
    SessionQcItem,
    SessionStatusChange,
    Step,
    User,
    Vehicle,
)
from garagebot.core.models.repair import FINAL_SESSION_STATUSES
from garagebot.core.repair.machine import next_statuses
from garagebot.core.repair.sla import SlaTargets, session_sla, sla_targets
from garagebot.core.repair.views import (
    BoardRow,
    ClientInfo,
    JobCardSummary,
    QcItemView,
    SessionDetail,
    SessionInfo,
    StatusChangeView,
    VehicleInfo,
    VisitRow,
)

RS = RepairSession
# Literal values, not bind parameters: PostgreSQL can then match the query to
# the partial index's predicate in every plan, generic ones included.
# The same values in the same order as the index predicate (SQLite compares them as written).
_ACTIVE = RS.status.not_in([literal_column(f"'{value}'") for value in FINAL_SESSION_STATUSES])


def _board_columns() -> tuple[Any, ...]:
    return (RS.id, RS.number, RS.status, RS.held_from, RS.priority, RS.opened_at, RS.eta, RS.diagnosed_at,
            RS.advisor_id, RS.vehicle_id, RS.client_id)


def board_top_statement(
    org_id: OrgId, *, limit: int = 50, statuses: Collection[SessionStatus] | None = None
) -> Select[tuple[Any, ...]]:
    """The first ``limit`` active sessions in board order: one range scan of the
    partial index, already sorted (exposed so tests and benchmarks can EXPLAIN it)."""
    stmt = (
        select(*_board_columns())
        .where(RS.organization_id == org_id, _ACTIVE)
        .order_by(RS.priority.desc(), RS.opened_at, RS.id)
        .limit(max(1, min(limit, 500)))
    )
    if statuses is not None:
        stmt = stmt.where(RS.status.in_([SessionStatus(s).value for s in statuses]))
    return stmt


def _joined(org_id: OrgId, top: Subquery) -> Select[tuple[Any, ...]]:
    """Board rows: ``top``'s sessions with their vehicles, clients and the
    garage's SLA targets, joined by primary key, in board order."""
    return (
        select(
            top, Vehicle.plate, Vehicle.make, Vehicle.model, Client.name, Client.phone,
            Organization.sla_diagnose_minutes, Organization.sla_repair_minutes,
        )
        .join(Vehicle, and_(Vehicle.id == top.c.vehicle_id, Vehicle.organization_id == org_id))
        .join(Client, and_(Client.id == top.c.client_id, Client.organization_id == org_id))
        .join(Organization, Organization.id == org_id)
        .order_by(top.c.priority.desc(), top.c.opened_at, top.c.id)
    )


def board_statement(
    org_id: OrgId, *, limit: int = 50, statuses: Collection[SessionStatus] | None = None
) -> Select[tuple[Any, ...]]:
    """The board's SELECT: the top sessions first, then their vehicles, clients
    and the garage's SLA targets joined by primary key. Limiting before joining
    keeps the plan a short index scan whatever the planner guesses about the
    joins (a garage has tens of thousands of clients)."""
    return _joined(org_id, board_top_statement(org_id, limit=limit, statuses=statuses).subquery("top"))


async def active_board(
    session: AsyncSession,
    org_id: OrgId,
    now: dt.datetime,
    *,
    limit: int = 50,
    statuses: Collection[SessionStatus] | None = None,
) -> list[BoardRow]:
    """The garage's active sessions (not DELIVERED or CANCELLED; optionally only
    ``statuses``), highest priority first, then oldest first (at most ``limit``,
    capped at 500), with SLA due times and overdue flags as of ``now``."""
    rows = (await session.execute(board_statement(org_id, limit=limit, statuses=statuses))).all()
    return [_board_row(r, SlaTargets(r.sla_diagnose_minutes, r.sla_repair_minutes), now) for r in rows]


def board_ranks_statement(org_id: OrgId, *, per_status: int) -> Select[tuple[Any, ...]]:
    """Ids of the first ``per_status`` active sessions of each status in board
    order, each with how many sessions its status has: one pass over the
    partial index, ranked per status."""
    ranked = (
        select(RS.id, RS.status,
               func.row_number().over(partition_by=RS.status,
                                      order_by=(RS.priority.desc(), RS.opened_at, RS.id)).label("rank"),
               func.count().over(partition_by=RS.status).label("in_status"))
        .where(RS.organization_id == org_id, _ACTIVE)
        .subquery("ranked")
    )
    return select(ranked.c.id, ranked.c.status, ranked.c.in_status).where(ranked.c.rank <= max(1, per_status))


async def board_columns(
    session: AsyncSession, org_id: OrgId, now: dt.datetime, *, per_status: int
) -> tuple[list[BoardRow], dict[SessionStatus, int]]:
    """The board by columns: the first ``per_status`` active sessions of each
    status (board order, SLA flags as of ``now``) and each status's full count.

    Two statements: the ranked ids, then those rows joined by primary key (one
    statement would let the planner, blind to the rank filter, hash-join every
    client of the garage)."""
    ranks = (await session.execute(board_ranks_statement(org_id, per_status=per_status))).all()
    counts: dict[SessionStatus, int] = {SessionStatus(r.status): int(r.in_status) for r in ranks}
    if not ranks:
        return [], counts
    top = select(*_board_columns()).where(RS.organization_id == org_id,
                                          RS.id.in_([int(r.id) for r in ranks])).subquery("top")
    rows = (await session.execute(_joined(org_id, top))).all()
    found = [_board_row(r, SlaTargets(r.sla_diagnose_minutes, r.sla_repair_minutes), now) for r in rows]
    return found, counts


def _board_row(r: Row[tuple[object, ...]], targets: SlaTargets, now: dt.datetime) -> BoardRow:
    sla = session_sla(targets, status=r.status, opened_at=r.opened_at, diagnosed_at=r.diagnosed_at, eta=r.eta)
    return BoardRow(
        session_id=SessionId(r.id), number=r.number, status=SessionStatus(r.status),
        held_from=SessionStatus(r.held_from) if r.held_from else None, priority=r.priority,
        opened_at=r.opened_at, eta=r.eta, plate=r.plate, make=r.make, model=r.model, client_name=r.name,
        client_phone=r.phone, advisor_id=UserId(r.advisor_id) if r.advisor_id else None,
        diagnose_due=sla.diagnose_due, repair_due=sla.repair_due,
        diagnose_overdue=sla.diagnose_overdue(now), repair_overdue=sla.repair_overdue(now),
    )


async def session_detail(session: AsyncSession, org_id: OrgId, session_id: SessionId) -> SessionDetail:
    """A session with its vehicle, client, job cards (step counts by status),
    status history (oldest first), QC checklist, SLA due times (ask
    ``detail.sla.repair_overdue(now)``) and the statuses it may move to."""
    stmt = (
        select(RS, Vehicle, Client, User.name)
        .join(Vehicle, and_(Vehicle.id == RS.vehicle_id, Vehicle.organization_id == org_id))
        .join(Client, and_(Client.id == RS.client_id, Client.organization_id == org_id))
        .outerjoin(User, and_(User.id == RS.advisor_id, User.organization_id == org_id))
        .where(RS.organization_id == org_id, RS.id == session_id)
    )
    found = (await session.execute(stmt)).one_or_none()
    if found is None:
        raise NotFound("error.not_found", entity="repair_session", id=session_id)
    rs, vehicle, client, advisor_name = found._tuple()
    status = SessionStatus(rs.status)
    held = SessionStatus(rs.held_from) if rs.held_from else None
    sla = session_sla(
        await sla_targets(session, org_id), status=status, opened_at=rs.opened_at,
        diagnosed_at=rs.diagnosed_at, eta=rs.eta,
    )
    return SessionDetail(
        session=_session_info(rs, advisor_name), vehicle=vehicle_info(vehicle), client=client_info(client),
        job_cards=await _job_cards(session, org_id, rs.id), history=await _history(session, org_id, rs.id),
        qc_items=await _qc_items(session, org_id, rs.id), sla=sla,
        next_statuses=tuple(next_statuses(status, held_from=held)),
    )


def _session_info(rs: RepairSession, advisor_name: str | None) -> SessionInfo:
    return SessionInfo(
        id=SessionId(rs.id), number=rs.number, status=SessionStatus(rs.status),
        held_from=SessionStatus(rs.held_from) if rs.held_from else None, priority=rs.priority,
        complaint=rs.complaint, request_id=RequestId(rs.request_id) if rs.request_id else None,
        advisor_id=UserId(rs.advisor_id) if rs.advisor_id else None, advisor_name=advisor_name,
        mileage_in_km=rs.mileage_in_km, opened_at=rs.opened_at, checked_in_at=rs.checked_in_at,
        diagnosed_at=rs.diagnosed_at, eta=rs.eta, completed_at=rs.completed_at, delivered_at=rs.delivered_at,
        second_active_confirmed=rs.second_active_confirmed, close_reason=rs.close_reason,
    )


def vehicle_info(v: Vehicle) -> VehicleInfo:
    return VehicleInfo(
        id=VehicleId(v.id), client_id=ClientId(v.client_id), plate=v.plate, vin=v.vin, make=v.make,
        model=v.model, year=v.year, colour=v.colour, mileage_km=v.mileage_km,
    )


def client_info(c: Client) -> ClientInfo:
    return ClientInfo(
        id=ClientId(c.id), name=c.name, phone=c.phone, locale=c.locale, messaging_consent=c.messaging_consent
    )


async def _job_cards(session: AsyncSession, org_id: OrgId, session_id: int) -> tuple[JobCardSummary, ...]:
    card_columns = (JobCard.id, JobCard.title_en, JobCard.title_ar, JobCard.status, JobCard.position)
    stmt = (
        select(*card_columns, Step.status, func.count(Step.id))
        .outerjoin(Step, and_(Step.job_card_id == JobCard.id, Step.organization_id == org_id))
        .where(JobCard.organization_id == org_id, JobCard.session_id == session_id)
        .group_by(*card_columns, Step.status)
        .order_by(JobCard.position, JobCard.id)
    )
    cards: dict[int, tuple[str, str, str, int]] = {}
    counts: dict[int, dict[StepStatus, int]] = {}
    for card_id, title_en, title_ar, status, position, step_status, n in (await session.execute(stmt)).all():
        cards[card_id] = (title_en, title_ar, status, position)
        per_status = counts.setdefault(card_id, {})
        if step_status is not None:
            per_status[StepStatus(step_status)] = int(n)
    return tuple(
        JobCardSummary(id=card_id, title_en=title_en, title_ar=title_ar, status=JobCardStatus(status),
                       position=position, steps_by_status=counts[card_id])
        for card_id, (title_en, title_ar, status, position) in cards.items()
    )


async def _history(session: AsyncSession, org_id: OrgId, session_id: int) -> tuple[StatusChangeView, ...]:
    stmt = (
        select(SessionStatusChange)
        .where(SessionStatusChange.organization_id == org_id, SessionStatusChange.session_id == session_id)
        .order_by(SessionStatusChange.at, SessionStatusChange.id)
    )
    return tuple(
        StatusChangeView(
            from_status=SessionStatus(h.from_status) if h.from_status else None,
            to_status=SessionStatus(h.to_status), actor_kind=h.actor_kind, actor_id=h.actor_id, note=h.note,
            at=h.at,
        )
        for h in (await session.scalars(stmt)).all()
    )


async def _qc_items(session: AsyncSession, org_id: OrgId, session_id: int) -> tuple[QcItemView, ...]:
    stmt = (
        select(SessionQcItem)
        .where(SessionQcItem.organization_id == org_id, SessionQcItem.session_id == session_id)
        .order_by(SessionQcItem.position)
    )
    return tuple(
        QcItemView(id=QcItemId(q.id), position=q.position, text_en=q.text_en, text_ar=q.text_ar, done=q.done,
                   done_at=q.done_at)
        for q in (await session.scalars(stmt)).all()
    )


async def vehicle_history(
    session: AsyncSession, org_id: OrgId, vehicle_id: VehicleId, *, limit: int = 50
) -> list[VisitRow]:
    """The vehicle's sessions, newest first (NotFound for another garage's vehicle)."""
    exists = select(Vehicle.id).where(Vehicle.organization_id == org_id, Vehicle.id == vehicle_id)
    if (await session.execute(exists)).first() is None:
        raise NotFound("error.not_found", entity="vehicle", id=vehicle_id)
    stmt = (
        select(RS.id, RS.number, RS.status, RS.client_id, RS.complaint, RS.mileage_in_km, RS.opened_at,
               RS.delivered_at)
        .where(RS.organization_id == org_id, RS.vehicle_id == vehicle_id)
        .order_by(RS.opened_at.desc(), RS.id.desc())
        .limit(max(1, min(limit, 500)))
    )
    return [
        VisitRow(session_id=SessionId(r.id), number=r.number, status=SessionStatus(r.status),
                 client_id=ClientId(r.client_id), complaint=r.complaint, mileage_in_km=r.mileage_in_km,
                 opened_at=r.opened_at, delivered_at=r.delivered_at)
        for r in (await session.execute(stmt)).all()
    ]

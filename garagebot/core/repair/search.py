"""Searching a garage's sessions for the console's list: by number, plate,
client phone or name, with filters, and keyset pagination (the next page
starts after the last row's (opened_at, id), never at an OFFSET)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, CompoundSelect, and_, or_, select, union
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from garagebot.core.enums import SessionStatus
from garagebot.core.ids import OrgId, SessionId, UserId
from garagebot.core.models import Client, RepairSession, User, Vehicle
from garagebot.core.models.repair import FINAL_SESSION_STATUSES
from garagebot.core.normalize import ascii_digits, clean_text

RS = RepairSession
PAGE_SIZE = 25


@dataclass(frozen=True, slots=True)
class Cursor:
    opened_at: dt.datetime
    id: int

    def encode(self) -> str:
        return f"{self.opened_at.timestamp():.6f}_{self.id}"

    @classmethod
    def decode(cls, raw: str) -> Cursor | None:
        try:
            at, id_ = raw.split("_", 1)
            return cls(dt.datetime.fromtimestamp(float(at), dt.UTC), int(id_))
        except ValueError:
            return None


@dataclass(frozen=True, slots=True)
class SessionQuery:
    text: str = ""
    status: SessionStatus | None = None
    advisor_id: UserId | None = None
    opened_from: dt.datetime | None = None
    opened_before: dt.datetime | None = None
    overdue_at: dt.datetime | None = None  # only active sessions past their ETA at this time
    oldest_first: bool = False
    after: Cursor | None = None


@dataclass(frozen=True, slots=True)
class SessionListRow:
    session_id: SessionId
    number: str
    status: SessionStatus
    plate: str
    client_name: str
    client_phone: str
    advisor_name: str | None
    opened_at: dt.datetime
    eta: dt.datetime | None


def _like(needle: str) -> str:
    """``needle`` as a LIKE pattern matching it anywhere (its own % and _ taken literally)."""
    escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _matching_ids(org_id: OrgId, text: str) -> CompoundSelect[tuple[int]]:
    """Ids of the garage's sessions whose number, plate, client name or phone contain ``text``.

    Three small look-ups joined by UNION rather than one OR across joined
    tables, so each arm uses its own index (trigram indexes on PostgreSQL)
    and a search never walks all of a big garage's sessions."""
    needle = clean_text(text).lower()
    pattern = _like(needle)
    client_terms: list[ColumnElement[bool]] = [Client.name.ilike(pattern, escape="\\")]
    typed = ascii_digits(needle)
    digits = "".join(ch for ch in typed if ch.isdigit()).lstrip("0")
    if digits and all(ch.isdigit() or ch in " +-()" for ch in typed):  # a phone, as people type one
        client_terms.append(Client.phone.like(_like(digits), escape="\\"))
    vehicles = select(Vehicle.id).where(Vehicle.organization_id == org_id,
                                        Vehicle.plate.ilike(pattern, escape="\\"))
    clients = select(Client.id).where(Client.organization_id == org_id, or_(*client_terms))
    return union(
        select(RS.id).where(RS.organization_id == org_id, RS.number.ilike(pattern, escape="\\")),
        select(RS.id).where(RS.organization_id == org_id, RS.vehicle_id.in_(vehicles)),
        select(RS.id).where(RS.organization_id == org_id, RS.client_id.in_(clients)),
    )


def _filters(org_id: OrgId, q: SessionQuery) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [RS.organization_id == org_id]
    if q.text.strip():
        where.append(RS.id.in_(_matching_ids(org_id, q.text)))
    if q.status is not None:
        where.append(RS.status == q.status.value)
    if q.advisor_id is not None:
        where.append(RS.advisor_id == q.advisor_id)
    if q.opened_from is not None:
        where.append(RS.opened_at >= q.opened_from)
    if q.opened_before is not None:
        where.append(RS.opened_at < q.opened_before)
    if q.overdue_at is not None:
        where += [RS.status.not_in([*FINAL_SESSION_STATUSES, SessionStatus.COMPLETED.value]),
                  RS.eta < q.overdue_at]
    if q.after is not None:
        at, id_ = q.after.opened_at, q.after.id
        where.append(or_(RS.opened_at > at, and_(RS.opened_at == at, RS.id > id_)) if q.oldest_first
                     else or_(RS.opened_at < at, and_(RS.opened_at == at, RS.id < id_)))
    return where


async def search_sessions(session: AsyncSession, org_id: OrgId, q: SessionQuery, *,
                          limit: int = PAGE_SIZE) -> tuple[list[SessionListRow], Cursor | None]:
    """One page of matching sessions (newest first unless ``oldest_first``) and
    the cursor of the next page (None on the last).

    The page's sessions are taken first, in the index order of
    (organization_id, opened_at, id), and only those rows are joined to their
    vehicle, client and advisor: a page costs the same at 1,000 sessions or 1,000,000."""
    order = (RS.opened_at, RS.id) if q.oldest_first else (RS.opened_at.desc(), RS.id.desc())
    page = (select(RS.id, RS.number, RS.status, RS.vehicle_id, RS.client_id, RS.advisor_id,
                   RS.opened_at, RS.eta)
            .where(*_filters(org_id, q)).order_by(*order).limit(limit + 1).subquery("page"))
    advisor = aliased(User)
    outer = (page.c.opened_at, page.c.id) if q.oldest_first else (page.c.opened_at.desc(), page.c.id.desc())
    rows = (await session.execute(
        select(page.c.id, page.c.number, page.c.status, Vehicle.plate, Client.name, Client.phone,
               advisor.name, page.c.opened_at, page.c.eta)
        .join(Vehicle, and_(Vehicle.id == page.c.vehicle_id, Vehicle.organization_id == org_id))
        .join(Client, and_(Client.id == page.c.client_id, Client.organization_id == org_id))
        .outerjoin(advisor, and_(advisor.id == page.c.advisor_id, advisor.organization_id == org_id))
        .order_by(*outer)
    )).all()
    found = [SessionListRow(SessionId(r[0]), r[1], SessionStatus(r[2]), r[3], r[4], r[5], r[6], r[7], r[8])
             for r in rows[:limit]]
    more = len(rows) > limit
    return found, Cursor(found[-1].opened_at, int(found[-1].session_id)) if more and found else None

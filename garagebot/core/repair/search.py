"""Searching a garage's sessions for the console's list: by number, plate,
client phone or name, with filters, and keyset pagination (the next page
starts after the last row's (opened_at, id), never at an OFFSET)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, or_, select
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
    vehicle_id: int = 0
    client_id: int = 0


def _text_filter(text: str) -> object:
    needle = clean_text(text).lower()
    digits = ascii_digits(needle).lstrip("+0")
    terms: list[ColumnElement[bool]] = [RS.number.ilike(f"%{needle}%"), Vehicle.plate.ilike(f"%{needle}%"),
             Client.name.ilike(f"%{needle}%")]
    if digits.isdigit():
        terms.append(Client.phone.contains(digits))
    return or_(*terms)


def _filters(org_id: OrgId, q: SessionQuery) -> list[object]:
    where: list[object] = [RS.organization_id == org_id]
    if q.text.strip():
        where.append(_text_filter(q.text))
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
    the cursor of the next page (None on the last)."""
    advisor = aliased(User)
    order = (RS.opened_at, RS.id) if q.oldest_first else (RS.opened_at.desc(), RS.id.desc())
    rows = (await session.execute(
        select(RS.id, RS.number, RS.status, Vehicle.plate, Client.name, Client.phone, advisor.name,
               RS.opened_at, RS.eta, RS.vehicle_id, RS.client_id)
        .join(Vehicle, and_(Vehicle.id == RS.vehicle_id, Vehicle.organization_id == org_id))
        .join(Client, and_(Client.id == RS.client_id, Client.organization_id == org_id))
        .outerjoin(advisor, and_(advisor.id == RS.advisor_id, advisor.organization_id == org_id))
        .where(*_filters(org_id, q))  # type: ignore[arg-type]
        .order_by(*order).limit(limit + 1)
    )).all()
    found = [SessionListRow(SessionId(r[0]), r[1], SessionStatus(r[2]), r[3], r[4], r[5], r[6], r[7], r[8],
                            r[9], r[10])
             for r in rows[:limit]]
    more = len(rows) > limit
    return found, Cursor(found[-1].opened_at, int(found[-1].session_id)) if more and found else None

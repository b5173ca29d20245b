"""The garage's audit entries for the console's audit page: newest first,
filtered by record type, action, member or day range, in keyset pages (the
next page starts below the last entry's ``seq``)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.core.enums import ActorKind
from garagebot.core.ids import OrgId, UserId
from garagebot.core.models import AuditEntry, Client, Invoice, RepairSession, User, Vehicle

PAGE_SIZE = 50


@dataclass(frozen=True, slots=True)
class AuditQuery:
    entity: str = ""
    action: str = ""
    user_id: UserId | None = None
    since: dt.datetime | None = None
    before: dt.datetime | None = None
    below_seq: int | None = None


@dataclass(frozen=True, slots=True)
class AuditRow:
    seq: int
    at: dt.datetime
    actor_kind: ActorKind
    actor_name: str | None
    channel: str
    entity: str
    entity_id: str
    action: str
    record: str | None = None  # the record's name for people (a member's name, a document number)


async def audit_page(session: AsyncSession, org_id: OrgId, q: AuditQuery, *,
                     limit: int = PAGE_SIZE) -> tuple[list[AuditRow], int | None]:
    """One page of entries and the ``below_seq`` of the next page (None on the last)."""
    e = AuditEntry
    where = [e.organization_id == org_id]
    if q.entity:
        where.append(e.entity == q.entity)
    if q.action:
        where.append(e.action == q.action)
    if q.user_id is not None:
        where += [e.actor_kind == ActorKind.USER.value, e.actor_id == q.user_id]
    if q.since is not None:
        where.append(e.at >= q.since)
    if q.before is not None:
        where.append(e.at < q.before)
    if q.below_seq is not None:
        where.append(e.seq < q.below_seq)
    rows = (await session.execute(
        select(e.seq, e.at, e.actor_kind, User.name, e.channel, e.entity, e.entity_id, e.action)
        .outerjoin(User, and_(User.id == e.actor_id, e.actor_kind == ActorKind.USER.value,
                              User.organization_id == org_id))
        .where(*where).order_by(e.seq.desc()).limit(limit + 1))).all()
    names = await _record_names(session, org_id, rows[:limit])
    found = [AuditRow(r[0], r[1], ActorKind(r[2]), r[3], r[4], r[5], r[6], r[7], names.get((r[5], r[6])))
             for r in rows[:limit]]
    return found, found[-1].seq if len(rows) > limit and found else None


# Record types named by a column people know (never by the internal id).
_NAMED: dict[str, tuple[type[Any], str]] = {
    "user": (User, "name"), "repair_session": (RepairSession, "number"), "invoice": (Invoice, "number"),
    "client": (Client, "name"), "vehicle": (Vehicle, "plate"),
}


async def _record_names(session: AsyncSession, org_id: OrgId,
                        rows: Sequence[Row[Any]]) -> dict[tuple[str, str], str]:
    wanted: dict[str, set[int]] = defaultdict(set)
    for r in rows:
        if r[5] in _NAMED and str(r[6]).isdigit():
            wanted[r[5]].add(int(r[6]))
    names: dict[tuple[str, str], str] = {}
    for entity, ids in wanted.items():
        model, column = _NAMED[entity]
        found = await session.execute(select(model.id, getattr(model, column)).where(
            model.organization_id == org_id, model.id.in_(ids)))
        names.update({(entity, str(id_)): str(name) for id_, name in found.all()})
    return names


async def entities(session: AsyncSession, org_id: OrgId) -> list[str]:
    """The record types the garage's audit has entries for (the filter's choices)."""
    return list((await session.scalars(select(AuditEntry.entity).where(AuditEntry.organization_id == org_id)
                                       .distinct().order_by(AuditEntry.entity))).all())

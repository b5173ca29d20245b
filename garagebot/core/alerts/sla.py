"""The SLA check (every few minutes): a session past a target is told once to
its advisor and the leads; still past it ``escalate_after_minutes`` later, it
is told once to the managers. Each message has the button that opens the
session; quiet hours hold them (``notify.staff.tell``).

Once: a breach is a unique ``sla_breach`` row (session, stage, marker), and
the escalation a conditional UPDATE of its ``escalated_at``, both in the unit
of work that queues the messages. A breach found over before its escalation
(the car moved on) is marked resolved and never escalated.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import InstrumentedAttribute

from garagebot.core.actor import Actor
from garagebot.core.alerts.breaches import Found, Limits, find_breaches, stage_due
from garagebot.core.alerts.settings import schedule_settings
from garagebot.core.enums import Role
from garagebot.core.ids import OrgId
from garagebot.core.models import Organization, RepairSession, SlaBreach, Vehicle
from garagebot.core.notify.staff import Person, local_when, open_choice, people_by_id, people_in, tell
from garagebot.core.notify.staff_rules import LEADS, MANAGERS
from garagebot.core.permissions import Permission
from garagebot.core.repair.sla import SlaTargets
from garagebot.core.uow import Database, UnitOfWork

ESCALATION_BATCH = 200


async def _record(uow: UnitOfWork, found: Sequence[Found]) -> Sequence[Found]:
    """Record the new breaches (``find_breaches`` left out those told before);
    a racing writer's same row fails this unit of work, so nothing is told twice."""
    uow.session.add_all([SlaBreach(organization_id=uow.org_id, session_id=f.session_id, stage=f.stage.value,
                                   since=f.since, breached_at=uow.now) for f in found])
    await uow.session.flush()
    return found


class _Audience:
    """Who hears of breaches, read once per run (a first run may find hundreds)."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self._cache: dict[object, list[Person]] = {}

    async def _get(self, key: object, load: Callable[[], Awaitable[list[Person]]]) -> list[Person]:
        if key not in self._cache:
            self._cache[key] = await load()
        return self._cache[key]

    async def breach(self, advisor_id: int | None) -> list[Person]:
        """The session's advisor (else the intake staff) and the leads."""
        uow = self.uow
        advisor = await self._get(("advisor", advisor_id), lambda: people_by_id(uow, [advisor_id]))
        if not advisor:
            advisor = await self._get("intake", lambda: people_in(uow, (Role.ADVISOR,), Permission.INTAKE))
        leads = await self._get("leads", lambda: people_in(uow, LEADS, Permission.DECIDE_EXCEPTION))
        return [*advisor, *leads]

    async def managers(self) -> list[Person]:
        return await self._get("managers", lambda: people_in(self.uow, MANAGERS, Permission.VIEW_REPORTS))


async def _tell(audience: _Audience, f: Found, zone: str, key: str, managers: bool) -> int:
    people = await audience.managers() if managers else await audience.breach(f.advisor_id)
    return await tell(audience.uow, people, f"{key}_{f.stage.value}",
                      lambda loc: {"number": f.number, "plate": f.plate, "due": local_when(f.due, zone, loc)},
                      open_choice("ses", f.session_id))


async def _escalate(audience: _Audience, limits: Limits, escalate: dt.timedelta, zone: str) -> int:
    """Escalate the breaches open ``escalate`` or longer that still hold; resolve the others."""
    uow, rs = audience.uow, RepairSession
    rows = (await uow.session.execute(
        select(SlaBreach.id, SlaBreach.stage, SlaBreach.since, rs.id, rs.number, rs.status, rs.opened_at,
               rs.status_changed_at, rs.eta, rs.advisor_id, Vehicle.plate)
        .join(rs, rs.id == SlaBreach.session_id).outerjoin(Vehicle, Vehicle.id == rs.vehicle_id)
        .where(SlaBreach.organization_id == uow.org_id, SlaBreach.escalated_at.is_(None),
               SlaBreach.resolved_at.is_(None), SlaBreach.breached_at <= uow.now - escalate)
        .order_by(SlaBreach.breached_at).limit(ESCALATION_BATCH))).all()
    holding: dict[int, Found] = {}
    cleared: list[int] = []
    for bid, stage, since, sid, number, status, opened, changed, eta, advisor, plate in rows:
        t = stage_due(status, opened, changed, eta, limits)
        if t is not None and t.stage.value == stage and t.since == since:
            holding[bid] = Found(sid, number, plate or "", advisor, t.stage, t.since, t.due)
        else:
            cleared.append(bid)
    await _settle(uow, cleared, SlaBreach.resolved_at)
    queued = 0
    for bid in await _settle(uow, list(holding), SlaBreach.escalated_at):
        queued += await _tell(audience, holding[bid], zone, "schedule.escalated", managers=True)
    return queued


async def _settle(uow: UnitOfWork, ids: Sequence[int],
                  column: InstrumentedAttribute[dt.datetime | None]) -> list[int]:
    """Set ``column`` of the breaches ``ids`` still open (one statement); the ids this call settled."""
    if not ids:
        return []
    won = await uow.session.execute(update(SlaBreach).where(
        SlaBreach.id.in_(list(ids)), SlaBreach.escalated_at.is_(None), SlaBreach.resolved_at.is_(None))
        .values({column: uow.now}).returning(SlaBreach.id).execution_options(synchronize_session=False))
    return sorted(int(i) for i in won.scalars().all())


def _limits(org: Organization) -> tuple[Limits, dt.timedelta | None]:
    settings = schedule_settings(org.settings)
    escalate = settings.escalate_after_minutes
    return (Limits.of(SlaTargets(org.sla_diagnose_minutes, org.sla_repair_minutes), settings),
            dt.timedelta(minutes=escalate) if escalate > 0 else None)


async def _anything_to_do(db: Database, org_id: int, now: dt.datetime) -> bool:
    """A first look without a transaction (most runs find nothing): a new breach,
    or one due for escalation. The unit of work then looks again."""
    async with db.lookup() as s:
        org = await s.get(Organization, org_id)
        if org is None:
            return False
        limits, escalate = _limits(org)
        if await find_breaches(s, org_id, limits, now):
            return True
        if escalate is None:
            return False
        due = await s.execute(select(SlaBreach.id).where(
            SlaBreach.organization_id == org_id, SlaBreach.escalated_at.is_(None),
            SlaBreach.resolved_at.is_(None), SlaBreach.breached_at <= now - escalate).limit(1))
        return due.first() is not None


async def check_sla(db: Database, org_id: int, now: dt.datetime) -> int:
    """One SLA check of one garage: new breaches told, old ones escalated; messages queued."""
    if not await _anything_to_do(db, org_id, now):
        return 0
    async with db.unit_of_work(Actor.system(OrgId(org_id))) as uow:
        org = await uow.organization()
        limits, escalate = _limits(org)
        queued, audience = 0, _Audience(uow)
        for f in await _record(uow, await find_breaches(uow.session, org_id, limits, now)):
            queued += await _tell(audience, f, org.timezone, "schedule.breach", managers=False)
        if escalate is not None:
            queued += await _escalate(audience, limits, escalate, org.timezone)
        return queued

"""A car's service history for the reminder tests: a visit finished as a service
of a template, as the garage's records would hold it after delivery."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from garagebot.core.enums import JobCardStatus, SessionStatus
from garagebot.core.ids import OrgId
from garagebot.core.models import JobCard, RepairSession, ServiceTemplate
from garagebot.core.uow import Database


async def template(db: Database, org: OrgId, code: str = "oil") -> int:
    """The garage's template ``code`` ("Oil service" / "تغيير الزيت"), made once."""
    async with db.raw_transaction() as s:
        found = (await s.scalars(select(ServiceTemplate.id).where(
            ServiceTemplate.organization_id == org, ServiceTemplate.code == code))).first()
        if found is not None:
            return int(found)
        row = ServiceTemplate(organization_id=org, code=code, name_en="Oil service", name_ar="تغيير الزيت",
                              active=True)
        s.add(row)
        await s.flush()
        return row.id


async def serviced(db: Database, org: OrgId, session_id: int, at: dt.datetime, *, code: str = "oil",
                   mileage: int | None = None) -> None:
    """``session_id`` was a ``code`` service delivered at ``at`` (with the mileage written at check-in)."""
    template_id = await template(db, org, code)
    async with db.raw_transaction() as s:
        s.add(JobCard(organization_id=org, session_id=session_id, template_id=template_id,
                      title_en="Oil service", title_ar="تغيير الزيت", status=JobCardStatus.COMPLETED.value,
                      position=0, created_at=at))
        await s.execute(update(RepairSession).where(RepairSession.id == session_id).values(
            status=SessionStatus.DELIVERED.value, completed_at=at, delivered_at=at, status_changed_at=at,
            mileage_in_km=mileage))

"""The client hears of a published inspection: its report's signed link on
their channel, in their language (``inspection.published`` →
``inspections.report_ready``)."""

from __future__ import annotations

from sqlalchemy import func, select

from garagebot.core.dispatch.registry import DomainEvent
from garagebot.core.inspections.enums import Severity
from garagebot.core.links import inspection_url
from garagebot.core.models import Inspection, InspectionFinding
from garagebot.core.notify.config import NotifyConfig
from garagebot.core.notify.recipient import notify, session_target
from garagebot.core.uow import UnitOfWork


class InspectionRules:
    def __init__(self, config: NotifyConfig) -> None:
        self.config = config

    async def published(self, uow: UnitOfWork, event: DomainEvent) -> None:
        raw = event.payload.get("inspection_id")
        if not isinstance(raw, int):
            return
        row = await uow.get(Inspection, raw)
        target = await session_target(uow, row.session_id)
        if target is None:
            return
        counts = dict((await uow.session.execute(
            select(InspectionFinding.severity, func.count()).where(
                InspectionFinding.organization_id == uow.org_id, InspectionFinding.inspection_id == row.id,
            ).group_by(InspectionFinding.severity))).tuples().all())
        notify(uow, target, "inspections.report_ready", {
            "car": target.car, "critical": counts.get(Severity.CRITICAL.value, 0),
            "advisory": counts.get(Severity.ADVISORY.value, 0), "ok": counts.get(Severity.OK.value, 0),
            "link": inspection_url(self.config.public_url, self.config.secret, row.id, now=uow.now)})

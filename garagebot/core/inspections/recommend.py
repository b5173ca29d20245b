"""From findings to quote lines, and the report to the client.

``recommend`` puts the work of every ADVISORY and CRITICAL finding into the
session's draft quote (labour from the template's hours at the garage's
rate, the part whose category and fitment match the car at its price), plus
the critical findings of this car the client declined at an earlier visit
(offered again once). The advisor then edits the draft as any other (the
quote flow). ``publish_inspection`` sends that draft (``send_quote``; the
client hears of it through the report, not through the approval message)
and emits ``inspection.published``, which the notification rule turns into
the report's link on the client's channel.
"""

from __future__ import annotations

from sqlalchemy import select

from garagebot.core.billing.enums import LineDecision, LineKind, QuoteStatus
from garagebot.core.billing.quote_flow import send_quote
from garagebot.core.billing.quotes import NewLine, add_quote_line, create_quote
from garagebot.core.billing.settings import load_settings
from garagebot.core.errors import InvalidTransition
from garagebot.core.ids import QuoteId, SessionId
from garagebot.core.inspections.enums import FINDINGS, InspectionId, InspectionStatus, Severity
from garagebot.core.inspections.service import template_copy
from garagebot.core.inspections.templates import Item
from garagebot.core.inventory.fitment import fits
from garagebot.core.models import (
    Inspection,
    InspectionFinding,
    InspectionLine,
    InventoryItem,
    ItemFitment,
    Quote,
    QuoteLine,
    Vehicle,
)
from garagebot.core.permissions import Permission
from garagebot.core.uow import UnitOfWork


async def _draft_of(uow: UnitOfWork, session_id: int) -> QuoteId:
    latest = (await uow.session.execute(select(Quote.id, Quote.status).where(
        Quote.organization_id == uow.org_id, Quote.session_id == session_id,
    ).order_by(Quote.version.desc()).limit(1))).first()
    if latest is not None and latest.status == QuoteStatus.DRAFT.value:
        return QuoteId(latest.id)
    return await create_quote(uow, SessionId(session_id))


async def _part_for(uow: UnitOfWork, vehicle: Vehicle, category: str) -> InventoryItem | None:
    if not vehicle.make:
        return None
    return (await uow.session.scalars(
        select(InventoryItem).join(ItemFitment, ItemFitment.item_id == InventoryItem.id).where(
            InventoryItem.organization_id == uow.org_id, InventoryItem.category == category,
            fits(vehicle.make, vehicle.model, vehicle.year),
        ).order_by(InventoryItem.price, InventoryItem.id).limit(1))).first()


async def _lines_for(uow: UnitOfWork, quote_id: QuoteId, item: Item, vehicle: Vehicle) -> list[int]:
    settings = await load_settings(uow)
    out: list[int] = []
    if item.labour_hours is not None and item.work_en:
        out.append(await add_quote_line(uow, quote_id, NewLine(
            LineKind.LABOUR, item.work_en, item.work_ar or item.work_en, item.labour_hours,
            settings.labour_rate.amount)))
    part = await _part_for(uow, vehicle, item.part_category) if item.part_category else None
    if part is not None:
        out.append(await add_quote_line(uow, quote_id, NewLine(
            LineKind.PART, part.name_en, part.name_ar, "1", part.price)))
    return out


async def declined_critical(uow: UnitOfWork, vehicle_id: int, before_id: int) -> list[InspectionFinding]:
    """Critical findings of this car at earlier inspections whose work the
    client declined and that no later inspection has offered again."""
    rows = (await uow.session.execute(
        select(InspectionFinding, QuoteLine.decision, InspectionLine.inspection_id)
        .join(Inspection, Inspection.id == InspectionFinding.inspection_id)
        .join(InspectionLine, InspectionLine.finding_id == InspectionFinding.id)
        .join(QuoteLine, QuoteLine.id == InspectionLine.quote_line_id)
        .where(InspectionFinding.organization_id == uow.org_id, Inspection.vehicle_id == vehicle_id,
               Inspection.id < before_id, InspectionFinding.severity == Severity.CRITICAL.value)
        .order_by(InspectionFinding.id)
    )).all()
    declined: dict[int, InspectionFinding] = {}
    offered_again: set[int] = set()
    for finding, decision, shown_on in rows:
        if shown_on != finding.inspection_id:
            offered_again.add(finding.id)
        elif decision == LineDecision.DECLINED.value:
            declined[finding.id] = finding
    return [f for fid, f in declined.items() if fid not in offered_again]


async def recommend(uow: UnitOfWork, inspection_id: InspectionId) -> QuoteId:
    """Quote lines for the findings not yet quoted, in the session's draft."""
    await uow.require(Permission.PUBLISH_INSPECTION)
    row = await uow.get(Inspection, inspection_id, lock=True)
    if row.status != InspectionStatus.COMPLETED.value:
        raise InvalidTransition("error.inspection_not_completed")
    quote_id = await _draft_of(uow, row.session_id)
    vehicle = await uow.get(Vehicle, row.vehicle_id)
    template = template_copy(row)
    quoted = set((await uow.session.scalars(select(InspectionLine.finding_id).where(
        InspectionLine.organization_id == uow.org_id, InspectionLine.inspection_id == row.id))).all())
    findings = (await uow.session.scalars(select(InspectionFinding).where(
        InspectionFinding.organization_id == uow.org_id, InspectionFinding.inspection_id == row.id,
        InspectionFinding.severity.in_([s.value for s in FINDINGS]),
    ).order_by(InspectionFinding.position))).all()
    again = await declined_critical(uow, row.vehicle_id, row.id)
    added = 0
    for finding in [*findings, *again]:
        found = template.item(finding.item_key) if finding.inspection_id == row.id else \
            template_copy(await uow.get(Inspection, finding.inspection_id)).item(finding.item_key)
        if finding.id in quoted or found is None:
            continue
        for line_id in await _lines_for(uow, quote_id, found[1], vehicle):
            uow.session.add(InspectionLine(organization_id=uow.org_id, inspection_id=row.id,
                                           finding_id=finding.id, quote_line_id=line_id))
            added += 1
    row.quote_id = quote_id
    await uow.session.flush()
    await uow.audit("inspection", row.id, "recommend", after={
        "quote_id": quote_id, "lines": added, "offered_again": [f.id for f in again]})
    return quote_id


async def publish_inspection(uow: UnitOfWork, inspection_id: InspectionId) -> bool:
    """Send the report to the client (the advisor). The draft quote with its
    recommended work is sent with it; returns whether a quote went."""
    await uow.require(Permission.PUBLISH_INSPECTION)
    row = await uow.get(Inspection, inspection_id, lock=True)
    if row.status == InspectionStatus.PUBLISHED.value:
        raise InvalidTransition("error.inspection_already_published")
    if row.status != InspectionStatus.COMPLETED.value:
        raise InvalidTransition("error.inspection_not_completed")
    quote_sent = False
    if row.quote_id is not None:
        quote = await uow.get(Quote, row.quote_id)
        if quote.status == QuoteStatus.DRAFT.value:
            await send_quote(uow, QuoteId(quote.id), announce=False)
            quote_sent = True
    row.status, row.published_at = InspectionStatus.PUBLISHED.value, uow.now
    await uow.audit("inspection", row.id, "publish", before={"status": InspectionStatus.COMPLETED.value},
                    after={"status": row.status, "quote_id": row.quote_id})
    uow.emit("inspection.published", {"inspection_id": row.id, "session_id": row.session_id,
                                      "quote_id": row.quote_id})
    return quote_sent

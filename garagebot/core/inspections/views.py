"""Reads of inspections: the client's report, a car's history with the
trends of its measurements, and the figures for the dashboard."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.core.billing.enums import LineDecision, QuoteStatus
from garagebot.core.billing.views import QuoteLineView, QuoteView, quote_view
from garagebot.core.client_pages import PageVisit, page_visit
from garagebot.core.errors import NotFound
from garagebot.core.ids import MediaId, OrgId, QuoteId, SessionId
from garagebot.core.inspections.enums import FINDINGS, InspectionId, InspectionStatus, Severity
from garagebot.core.inspections.templates import Measure, from_json
from garagebot.core.models import (
    Inspection,
    InspectionFinding,
    InspectionLine,
    InspectionMedia,
    MediaFile,
    QuoteLine,
    RepairSession,
)


@dataclass(frozen=True, slots=True)
class FindingMedia:
    media_id: MediaId
    kind: str  # photo or video
    caption: str | None


@dataclass(frozen=True, slots=True)
class FindingView:
    id: int
    inspection_id: int
    section_en: str
    section_ar: str
    name_en: str
    name_ar: str
    severity: Severity
    value: Decimal | None
    measure: Measure | None
    note: str | None
    media: tuple[FindingMedia, ...]
    lines: tuple[QuoteLineView, ...]
    earlier: bool  # a declined critical finding of an earlier visit, offered again


@dataclass(frozen=True, slots=True)
class Report:
    id: InspectionId
    visit: PageVisit
    status: InspectionStatus
    inspected_at: dt.datetime
    findings: tuple[FindingView, ...]
    quote: QuoteView | None
    other_lines: tuple[QuoteLineView, ...] = ()  # the quote's work not from a finding (the job cards')

    def by_severity(self, severity: Severity) -> list[FindingView]:
        return [f for f in self.findings if f.severity is severity and not f.earlier]

    @property
    def earlier(self) -> list[FindingView]:
        return [f for f in self.findings if f.earlier]

    @property
    def open_for_decision(self) -> bool:
        return self.quote is not None and self.quote.status is QuoteStatus.SENT

    def pending_lines(self) -> list[QuoteLineView]:
        lines = [*(ln for f in self.findings for ln in f.lines), *self.other_lines]
        return [ln for ln in lines if ln.decision is LineDecision.PENDING]


async def _media(session: AsyncSession, org_id: OrgId,
                 finding_ids: list[int]) -> dict[int, list[FindingMedia]]:
    out: dict[int, list[FindingMedia]] = {}
    if not finding_ids:
        return out
    rows = (await session.execute(
        select(InspectionMedia.finding_id, MediaFile.id, MediaFile.kind, MediaFile.caption)
        .join(MediaFile, MediaFile.id == InspectionMedia.media_id)
        .where(InspectionMedia.organization_id == org_id, InspectionMedia.finding_id.in_(finding_ids),
               MediaFile.organization_id == org_id)
        .order_by(InspectionMedia.id))).all()
    for finding_id, media_id, kind, caption in rows:
        out.setdefault(finding_id, []).append(FindingMedia(MediaId(media_id), kind, caption))
    return out


async def _templates(session: AsyncSession, ids: set[int]) -> dict[int, object]:
    rows = (await session.execute(
        select(Inspection.id, Inspection.template).where(Inspection.id.in_(ids)))).all()
    return {int(i): t for i, t in rows}


async def report(session: AsyncSession, org_id: OrgId, inspection_id: InspectionId) -> Report:
    """The report of one inspection of this garage; NotFound otherwise."""
    row = (await session.execute(select(Inspection).where(
        Inspection.organization_id == org_id, Inspection.id == inspection_id))).scalar_one_or_none()
    if row is None:
        raise NotFound("error.link_invalid")
    visit = await page_visit(session, org_id, SessionId(row.session_id))
    quote = None if row.quote_id is None else await quote_view(session, org_id, QuoteId(row.quote_id))
    lines = {ln.id: ln for ln in (quote.lines if quote else ())}
    links = (await session.execute(select(InspectionLine.finding_id, InspectionLine.quote_line_id).where(
        InspectionLine.organization_id == org_id, InspectionLine.inspection_id == row.id,
    ).order_by(InspectionLine.id))).all()
    own = list((await session.scalars(select(InspectionFinding).where(
        InspectionFinding.organization_id == org_id, InspectionFinding.inspection_id == row.id,
    ).order_by(InspectionFinding.position))).all())
    earlier_ids = {f for f, _ in links} - {f.id for f in own}
    earlier = list((await session.scalars(select(InspectionFinding).where(
        InspectionFinding.organization_id == org_id, InspectionFinding.id.in_(earlier_ids)))).all()) \
        if earlier_ids else []
    templates = await _templates(session, {row.id, *(f.inspection_id for f in earlier)})
    media = await _media(session, org_id, [f.id for f in own])
    views = []
    for f in [*own, *earlier]:
        template = from_json(templates[f.inspection_id])  # type: ignore[arg-type]
        found = template.item(f.item_key)
        if found is None:
            continue
        section, item = found
        views.append(FindingView(
            f.id, f.inspection_id, section.name_en, section.name_ar, item.name_en, item.name_ar,
            Severity(f.severity), f.value, item.measure, f.note, tuple(media.get(f.id, ())),
            tuple(lines[q] for fid, q in links if fid == f.id and q in lines), f.inspection_id != row.id))
    linked = {q for _, q in links}
    return Report(InspectionId(row.id), visit, InspectionStatus(row.status),
                  row.completed_at or row.started_at, tuple(views), quote,
                  tuple(ln for ln in (quote.lines if quote else ()) if ln.id not in linked))


async def report_for_link(session: AsyncSession, inspection_id: InspectionId) -> Report:
    """The report a signed link names (the link carries no garage: the
    inspection's own is used, and every read is scoped to it)."""
    org_id = (await session.execute(select(Inspection.organization_id).where(
        Inspection.id == inspection_id))).scalar_one_or_none()
    if org_id is None:
        raise NotFound("error.link_invalid")
    return await report(session, OrgId(org_id), inspection_id)


async def published_of(session: AsyncSession, org_id: OrgId, session_id: int) -> InspectionId | None:
    """The session's latest published inspection (the timeline links to its report)."""
    found = (await session.execute(select(Inspection.id).where(
        Inspection.organization_id == org_id, Inspection.session_id == session_id,
        Inspection.status == InspectionStatus.PUBLISHED.value,
    ).order_by(Inspection.id.desc()).limit(1))).scalar_one_or_none()
    return None if found is None else InspectionId(found)


@dataclass(frozen=True, slots=True)
class PastInspection:
    id: InspectionId
    number: str  # the session's
    at: dt.datetime
    status: InspectionStatus
    counts: Mapping[Severity, int]


@dataclass(frozen=True, slots=True)
class Trend:
    item_key: str
    name_en: str
    name_ar: str
    unit: str
    points: tuple[tuple[dt.datetime, Decimal], ...]  # oldest first


@dataclass(frozen=True, slots=True)
class History:
    inspections: tuple[PastInspection, ...]  # newest first
    trends: tuple[Trend, ...]


async def inspection_history(session: AsyncSession, org_id: OrgId, vehicle_id: int) -> History:
    """Every inspection of a car (newest first) and each measurement over the visits."""
    rows = (await session.execute(
        select(Inspection, RepairSession.number)
        .join(RepairSession, RepairSession.id == Inspection.session_id)
        .where(Inspection.organization_id == org_id, Inspection.vehicle_id == vehicle_id)
        .order_by(Inspection.started_at.desc(), Inspection.id.desc()))).all()
    ids = [r[0].id for r in rows]
    findings = (await session.execute(select(
        InspectionFinding.inspection_id, InspectionFinding.item_key, InspectionFinding.severity,
        InspectionFinding.value).where(InspectionFinding.organization_id == org_id,
                                       InspectionFinding.inspection_id.in_(ids)))).all() if ids else []
    past: list[PastInspection] = []
    series: dict[str, tuple[str, str, str, list[tuple[dt.datetime, Decimal]]]] = {}
    for ins, number in rows:
        mine = [f for f in findings if f.inspection_id == ins.id]
        counts = {s: sum(f.severity == s.value for f in mine) for s in Severity}
        past.append(PastInspection(InspectionId(ins.id), number, ins.started_at, InspectionStatus(ins.status),
                                   counts))
        template = from_json(ins.template)
        for f in mine:
            found = template.item(f.item_key)
            if f.value is None or found is None or found[1].measure is None:
                continue
            item = found[1]
            assert item.measure is not None
            key = f.item_key
            entry = series.setdefault(key, (item.name_en, item.name_ar, item.measure.unit, []))
            entry[3].append((ins.started_at, f.value))
    trends = tuple(Trend(k, en, ar, unit, tuple(sorted(points)))
                   for k, (en, ar, unit, points) in series.items())
    return History(tuple(past), trends)


@dataclass(frozen=True, slots=True)
class InspectionKpis:
    in_progress: int
    findings_decided: int  # advisory / critical findings whose work the client decided
    findings_approved: int

    @property
    def approved_share(self) -> Decimal | None:
        if not self.findings_decided:
            return None
        return (Decimal(self.findings_approved) * 100 / self.findings_decided).quantize(Decimal("1"))


async def inspection_kpis(session: AsyncSession, org_id: OrgId) -> InspectionKpis:
    """Inspections in progress, and of the findings put to clients, how many they approved."""
    in_progress = (await session.execute(select(func.count()).select_from(Inspection).where(
        Inspection.organization_id == org_id, Inspection.status == InspectionStatus.IN_PROGRESS.value,
    ))).scalar_one()
    rows = (await session.execute(
        select(InspectionLine.finding_id, QuoteLine.decision)
        .join(QuoteLine, QuoteLine.id == InspectionLine.quote_line_id)
        .join(InspectionFinding, InspectionFinding.id == InspectionLine.finding_id)
        .where(InspectionLine.organization_id == org_id,
               InspectionFinding.severity.in_([s.value for s in FINDINGS])))).all()
    decided: dict[int, bool] = {}
    for finding_id, decision in rows:
        if decision == LineDecision.PENDING.value:
            continue
        decided[finding_id] = decided.get(finding_id, False) or decision == LineDecision.APPROVED.value
    return InspectionKpis(int(in_progress), len(decided), sum(decided.values()))

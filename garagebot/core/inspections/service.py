"""Doing an inspection: start it on a session (or go back to the one begun),
answer its items one by one (a severity, or a measured value that sets it),
add a note, a photo or a video to a finding, skip a section. When no item is
left the inspection is COMPLETED.

Technicians and leads (``Permission.INSPECT``) record; a finding is changed
only while its inspection is IN_PROGRESS.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from garagebot.core.enums import SessionStatus
from garagebot.core.errors import InvalidInput, InvalidTransition
from garagebot.core.inspections.enums import FindingId, InspectionId, InspectionStatus, Severity
from garagebot.core.inspections.templates import Item, Template, from_json, template_of, to_json
from garagebot.core.models import Inspection, InspectionFinding, InspectionMedia, RepairSession
from garagebot.core.money import parse_decimal
from garagebot.core.normalize import clean_text
from garagebot.core.permissions import Permission
from garagebot.core.ports import FileStorage
from garagebot.core.uow import UnitOfWork
from garagebot.core.work.media import MediaKind, attach_media

MAX_NOTE = 1000
CLOSED_SESSIONS = (SessionStatus.DELIVERED.value, SessionStatus.CANCELLED.value)


@dataclass(frozen=True, slots=True)
class Recorded:
    finding_id: FindingId
    severity: Severity
    value: Decimal | None
    completed: bool  # that was the last item


async def _acting_user(uow: UnitOfWork) -> int | None:
    user = await uow.require(Permission.INSPECT)
    return None if user is None else user.id


async def open_inspection(uow: UnitOfWork, session_id: int) -> Inspection | None:
    """The session's inspection still in progress, if any."""
    return (await uow.session.scalars(select(Inspection).where(
        Inspection.organization_id == uow.org_id, Inspection.session_id == session_id,
        Inspection.status == InspectionStatus.IN_PROGRESS.value,
    ).order_by(Inspection.id.desc()).limit(1))).first()


async def start_inspection(uow: UnitOfWork, session_id: int) -> tuple[InspectionId, bool]:
    """The session's inspection in progress (resumed), or a new one with a
    copy of the garage's template. Returns (id, resumed)."""
    user_id = await _acting_user(uow)
    rs = await uow.get(RepairSession, session_id, lock=True)
    if rs.status in CLOSED_SESSIONS:
        raise InvalidTransition("error.inspection_session_closed", number=rs.number)
    found = await open_inspection(uow, rs.id)
    if found is not None:
        return InspectionId(found.id), True
    template = template_of((await uow.organization()).settings)
    row = Inspection(organization_id=uow.org_id, session_id=rs.id, vehicle_id=rs.vehicle_id,
                     status=InspectionStatus.IN_PROGRESS.value, template=to_json(template),
                     started_by_id=user_id, started_at=uow.now)
    uow.session.add(row)
    await uow.session.flush()
    await uow.audit("inspection", row.id, "start",
                    after={"session_id": rs.id, "items": len(template.items())})
    uow.emit("inspection.started", {"inspection_id": row.id, "session_id": rs.id})
    return InspectionId(row.id), False


def template_copy(row: Inspection) -> Template:
    return from_json(row.template)  # type: ignore[arg-type]


async def _in_progress(uow: UnitOfWork, inspection_id: int) -> Inspection:
    row = await uow.get(Inspection, inspection_id, lock=True)
    if row.status != InspectionStatus.IN_PROGRESS.value:
        raise InvalidTransition("error.inspection_not_in_progress")
    return row


async def findings_of(uow: UnitOfWork, inspection_id: int) -> dict[str, InspectionFinding]:
    rows = (await uow.session.scalars(select(InspectionFinding).where(
        InspectionFinding.organization_id == uow.org_id, InspectionFinding.inspection_id == inspection_id,
    ))).all()
    return {r.item_key: r for r in rows}


def next_item(template: Template, answered: set[str] | dict[str, InspectionFinding]) -> int | None:
    """The index of the first unanswered item, None when every item has an answer."""
    return next((n for n, (_, item) in enumerate(template.items()) if item.key not in answered), None)


def severity_for(item: Item, severity: Severity | None, value: str | None) -> tuple[Severity, Decimal | None]:
    """The severity of an answer: a measured value sets it (unless a severity
    is given with it); a severity alone for items without a measurement."""
    measured: Decimal | None = None
    if value is not None:
        if item.measure is None:
            raise InvalidInput("error.inspection_not_a_measurement")
        measured = parse_decimal(value.strip().replace("−", "-"), 3, allow_negative=True, field="value")
    if severity is None:
        if measured is None or item.measure is None:
            raise InvalidInput("error.inspection_answer_required")
        return item.measure.severity(measured), measured
    return severity, measured


async def record_item(uow: UnitOfWork, inspection_id: InspectionId, item_key: str, *,
                      severity: Severity | None = None, value: str | None = None) -> Recorded:
    """Answer (or answer again) one item of an inspection in progress."""
    user_id = await _acting_user(uow)
    row = await _in_progress(uow, inspection_id)
    template = template_copy(row)
    found = template.item(item_key)
    if found is None:
        raise InvalidInput("error.inspection_item_unknown")
    section, item = found
    sev, measured = severity_for(item, severity, value)
    if sev is Severity.SKIPPED:
        raise InvalidInput("error.inspection_answer_required")
    findings = await findings_of(uow, row.id)
    finding = findings.get(item.key)
    if finding is None:
        position = [i.key for _, i in template.items()].index(item.key) + 1
        finding = InspectionFinding(organization_id=uow.org_id, inspection_id=row.id, section_key=section.key,
                                    item_key=item.key, position=position, severity=sev.value)
        uow.session.add(finding)
        findings[item.key] = finding
    before = {"severity": finding.severity, "value": finding.value} if finding.id else None
    finding.severity, finding.value = sev.value, measured
    finding.recorded_by_id, finding.recorded_at = user_id, uow.now
    await uow.session.flush()
    await uow.audit("inspection_finding", finding.id, "record", before=before, after={
        "inspection_id": row.id, "item": item.key, "severity": sev, "value": measured})
    completed = await _complete_if_done(uow, row, template, findings)
    return Recorded(FindingId(finding.id), sev, measured, completed)


async def _complete_if_done(uow: UnitOfWork, row: Inspection, template: Template,
                            findings: dict[str, InspectionFinding]) -> bool:
    if next_item(template, findings) is not None:
        return False
    row.status, row.completed_at = InspectionStatus.COMPLETED.value, uow.now
    counts = {s.value: sum(f.severity == s.value for f in findings.values()) for s in Severity}
    await uow.audit("inspection", row.id, "complete", before={"status": InspectionStatus.IN_PROGRESS.value},
                    after={"status": row.status, **counts})
    uow.emit("inspection.completed", {"inspection_id": row.id, "session_id": row.session_id, **counts})
    return True


async def skip_section(uow: UnitOfWork, inspection_id: InspectionId, section_key: str) -> Recorded | None:
    """Mark every unanswered item of a section SKIPPED; returns the last one
    written (None when nothing was left in it)."""
    user_id = await _acting_user(uow)
    row = await _in_progress(uow, inspection_id)
    template = template_copy(row)
    findings = await findings_of(uow, row.id)
    keys = [i.key for _, i in template.items()]
    section = next((s for s in template.sections if s.key == section_key), None)
    if section is None:
        raise InvalidInput("error.inspection_item_unknown")
    last: InspectionFinding | None = None
    for item in section.items:
        if item.key in findings:
            continue
        last = InspectionFinding(organization_id=uow.org_id, inspection_id=row.id, section_key=section.key,
                                 item_key=item.key, position=keys.index(item.key) + 1,
                                 severity=Severity.SKIPPED.value, recorded_by_id=user_id, recorded_at=uow.now)
        uow.session.add(last)
        findings[item.key] = last
    if last is None:
        return None
    await uow.session.flush()
    await uow.audit("inspection", row.id, "skip_section", after={"section": section.key})
    completed = await _complete_if_done(uow, row, template, findings)
    return Recorded(FindingId(last.id), Severity.SKIPPED, None, completed)


async def _finding_in_progress(uow: UnitOfWork, finding_id: FindingId) -> InspectionFinding:
    finding = await uow.get(InspectionFinding, finding_id)
    await _in_progress(uow, finding.inspection_id)
    return finding


async def note_finding(uow: UnitOfWork, finding_id: FindingId, note: str) -> None:
    """Set a finding's note (what the technician saw, in their words)."""
    await _acting_user(uow)
    text = clean_text(note)
    if not text or len(text) > MAX_NOTE:
        raise InvalidInput("error.inspection_note_invalid", max=MAX_NOTE)
    finding = await uow.get(InspectionFinding, finding_id)
    inspection = await uow.get(Inspection, finding.inspection_id, lock=True)
    if inspection.status == InspectionStatus.PUBLISHED.value:
        raise InvalidTransition("error.inspection_already_published")
    before = finding.note
    finding.note = text
    await uow.audit("inspection_finding", finding.id, "note", before={"note": before}, after={"note": text})


async def attach_to_finding(uow: UnitOfWork, storage: FileStorage, finding_id: FindingId, *, kind: MediaKind,
                            content_type: str, data: bytes, caption: str | None = None) -> int:
    """Store a photo or a video of a finding (size and type checked by
    ``attach_media``); the file is visible to the client on the report."""
    await _acting_user(uow)
    if kind not in (MediaKind.PHOTO, MediaKind.VIDEO):
        raise InvalidInput("error.inspection_media_kind")
    finding = await uow.get(InspectionFinding, finding_id)
    inspection = await uow.get(Inspection, finding.inspection_id)
    if inspection.status == InspectionStatus.PUBLISHED.value:
        raise InvalidTransition("error.inspection_already_published")
    media_id = await attach_media(uow, storage, session_id=inspection.session_id,  # type: ignore[arg-type]
                                  kind=kind.value, content_type=content_type, data=data, caption=caption,
                                  client_visible=True)
    uow.session.add(InspectionMedia(organization_id=uow.org_id, finding_id=finding.id, media_id=media_id))
    await uow.session.flush()
    return media_id

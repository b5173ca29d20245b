"""What the inspection chat shows: the cars to inspect, the item being
answered, the summary of an inspection and a car's history. Reads only."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from garagebot.conversations.router import StepContext
from garagebot.conversations.staff import common as c
from garagebot.conversations.staff.labels import label
from garagebot.conversations.types import Choice
from garagebot.core.inspections.enums import InspectionStatus, Severity
from garagebot.core.inspections.templates import (
    UNIT_KEYS,
    Item,
    Measure,
    Section,
    Template,
    plain_number,
)
from garagebot.core.models import Inspection, InspectionFinding, RepairSession, Vehicle
from garagebot.core.models.repair import FINAL_SESSION_STATUSES

ICONS = {Severity.OK: "✅", Severity.ADVISORY: "⚠️", Severity.CRITICAL: "⛔", Severity.SKIPPED: "⏭"}
LIST_SIZE = 12


@dataclass(frozen=True, slots=True)
class Car:
    session_id: int
    number: str
    plate: str
    inspection: Inspection | None


async def cars(ctx: StepContext) -> list[Car]:
    """The garage's cars on site, newest first, with their latest inspection."""
    rows = (await ctx.uow.session.execute(
        select(RepairSession.id, RepairSession.number, Vehicle.plate)
        .join(Vehicle, Vehicle.id == RepairSession.vehicle_id)
        .where(RepairSession.organization_id == ctx.me.org_id,
               RepairSession.status.not_in(FINAL_SESSION_STATUSES))
        .order_by(RepairSession.id.desc()).limit(LIST_SIZE))).all()
    ids = [r.id for r in rows]
    latest: dict[int, Inspection] = {}
    if ids:
        for ins in (await ctx.uow.session.scalars(select(Inspection).where(
                Inspection.organization_id == ctx.me.org_id, Inspection.session_id.in_(ids))
                .order_by(Inspection.id))).all():
            latest[ins.session_id] = ins
    return [Car(r.id, r.number, r.plate, latest.get(r.id)) for r in rows]


def car_choice(ctx: StepContext, car: Car) -> Choice:
    state = "new" if car.inspection is None else car.inspection.status.lower()
    return Choice(f"ip:{car.session_id}", f"inspections.car_{state}",
                  {"plate": car.plate, "number": car.number})


def fmt(value: Decimal) -> str:
    return plain_number(value)


def unit(ctx: StepContext, written: str) -> str:
    """A unit in the reader's language ("mm", "ملم")."""
    return label(ctx, UNIT_KEYS[written]) if written in UNIT_KEYS else written


def item_key(measure: Measure | None) -> str:
    """The prompt of an item: plain, or a measurement whose low (high) values are bad."""
    if measure is None:
        return "inspections.item"
    return "inspections.item_low" if measure.low_is_bad else "inspections.item_high"


def item_params(ctx: StepContext, template: Template, index: int) -> dict[str, str | int]:
    section, item = template.items()[index]
    params: dict[str, str | int] = {
        "section": c.localized(ctx, section.name_en, section.name_ar),
        "item": c.localized(ctx, item.name_en, item.name_ar), "n": index + 1, "total": len(template.items())}
    if item.measure is not None:
        params.update(advisory=fmt(item.measure.advisory), critical=fmt(item.measure.critical),
                      unit=unit(ctx, item.measure.unit))
    return params


def severity_label(ctx: StepContext, severity: Severity) -> str:
    return f"{ICONS[severity]} {label(ctx, 'inspections.sev_' + severity.value.lower())}"


def finding_line(ctx: StepContext, section: Section, item: Item, f: InspectionFinding) -> str:
    value = ""
    if f.value is not None and item.measure is not None:
        value = f" — {fmt(f.value)} {unit(ctx, item.measure.unit)}"
    note = f" — {f.note}" if f.note else ""
    return f"{ICONS[Severity(f.severity)]} {c.localized(ctx, item.name_en, item.name_ar)}{value}{note}"


def summary_params(ctx: StepContext, template: Template, findings: dict[str, InspectionFinding],
                   row: Inspection, number: str) -> dict[str, str | int]:
    counts = {s: sum(f.severity == s.value for f in findings.values()) for s in Severity}
    lines = [finding_line(ctx, s, i, findings[i.key]) for s, i in template.items()
             if i.key in findings and findings[i.key].severity in (Severity.ADVISORY, Severity.CRITICAL)]
    state = label(ctx, f"inspections.status_{InspectionStatus(row.status).value.lower()}")
    return {"number": number, "ok": counts[Severity.OK], "advisory": counts[Severity.ADVISORY],
            "critical": counts[Severity.CRITICAL], "skipped": counts[Severity.SKIPPED],
            "findings": "\n".join(lines) or label(ctx, "inspections.no_findings"), "status": state}

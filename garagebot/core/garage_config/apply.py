"""Apply a garage configuration: all of it or nothing, and only what differs.

``import_config`` parses the file, then applies each section through the
core services that own its rules (``create_template`` / ``update_template``,
``set_qc_items``, ``configure_billing``, ``set_sla_targets``,
``set_client_step_updates``, ``set_whatsapp_template``) in the caller's unit
of work. A service that refuses a value becomes a problem at that value's
line and the import goes on, so one run reports every mistake; then, when
there is any problem, ``ConfigInvalid`` rolls the whole unit of work back.
A section equal to what the garage has is not touched, so importing the same
file twice changes nothing and writes no audit entry the second time.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from garagebot.core.billing.enums import TaxCategory
from garagebot.core.billing.settings import DEFAULT_DISCOUNT_LIMITS, DEFAULT_TAX_RATE, configure_billing
from garagebot.core.errors import DomainError, InvalidInput
from garagebot.core.garage_config.appointments import AppointmentsConfig, apply_appointments
from garagebot.core.garage_config.digests import apply_digests
from garagebot.core.garage_config.export import current_billing, current_whatsapp
from garagebot.core.garage_config.parse import parse_config
from garagebot.core.garage_config.schedule import apply_schedule
from garagebot.core.garage_config.schema import BillingConfig, GarageConfig, Problem, TemplateConfig
from garagebot.core.ids import TemplateId
from garagebot.core.inspections.settings import set_inspection_template
from garagebot.core.messaging import set_whatsapp_template
from garagebot.core.models import Organization, ServiceTemplate
from garagebot.core.notify.garage import set_client_step_updates
from garagebot.core.permissions import Permission
from garagebot.core.repair.qc import qc_items_of, set_qc_items
from garagebot.core.repair.sla import set_sla_targets
from garagebot.core.uow import UnitOfWork
from garagebot.core.work.templates import (
    create_template,
    template_step_specs,
    update_template,
    validate_steps,
)


class ConfigInvalid(InvalidInput):
    """The file has problems; nothing was changed. ``problems`` lists them by line."""

    key = "config.invalid"

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(count=len(problems))
        self.problems = sorted(problems, key=lambda p: p.line)


@dataclass(frozen=True, slots=True)
class ImportResult:
    changed: tuple[str, ...]  # the sections that changed, in file order


async def import_config(uow: UnitOfWork, text: str) -> ImportResult:
    """Apply configuration file ``text`` to the unit of work's garage (owner or
    system); ConfigInvalid, and nothing changed, when anything in it is wrong."""
    await uow.require(Permission.MANAGE_GARAGE)
    config, problems = parse_config(text)
    changed: list[str] = []
    for name, run in _sections(config):
        try:
            if await run(uow, problems):
                changed.append(name)
        except DomainError as exc:
            problems.append(_problem(exc, _line_of(config, name)))
    if problems:
        raise ConfigInvalid(problems)
    if changed:
        org = await uow.organization()
        await uow.audit("organization", org.id, "config_import", after={"sections": changed})
        uow.emit("garage.settings_changed", {"organization_id": org.id, "fields": changed})
    return ImportResult(tuple(changed))


Section = Callable[[UnitOfWork, list[Problem]], Awaitable[bool]]


def _sections(config: GarageConfig) -> list[tuple[str, Section]]:
    out: list[tuple[str, Section]] = []
    if config.billing is not None:
        billing = config.billing
        out.append(("billing", lambda uow, problems: _billing(uow, billing, problems)))
    if config.sla is not None:
        sla = config.sla
        out.append(("sla", lambda uow, _p: _sla(uow, sla.diagnose_minutes, sla.repair_minutes)))
    if config.client_step_updates is not None:
        enabled = config.client_step_updates
        out.append(("notifications", lambda uow, _p: set_client_step_updates(uow, enabled)))
    if config.qc_items is not None:
        items = config.qc_items
        out.append(("qc_items", lambda uow, _p: _qc(uow, items)))
    if config.templates is not None:
        templates = config.templates
        out.append(("templates", lambda uow, problems: _templates(uow, templates, problems)))
    if config.whatsapp_templates is not None:
        out.append(("whatsapp_templates", lambda uow, problems: _whatsapp(uow, config, problems)))
    if config.schedule is not None:
        schedule = config.schedule
        out.append(("schedule", lambda uow, _p: apply_schedule(uow, schedule)))
    if config.digests is not None:
        digests = config.digests
        out.append(("digests", lambda uow, _p: apply_digests(uow, digests)))
    if isinstance(config.appointments, AppointmentsConfig):
        booking = config.appointments
        out.append(("appointments", lambda uow, _p: apply_appointments(uow, booking)))
    if config.inspection_template is not None:
        inspection = config.inspection_template
        out.append(("inspection_template", lambda uow, _p: set_inspection_template(uow, inspection)))
    return out


def _line_of(config: GarageConfig, section: str) -> int:
    lines = {"billing": config.billing.line if config.billing else 0,
             "sla": config.sla.line if config.sla else 0,
             "notifications": config.notifications_line, "qc_items": config.qc_line,
             "schedule": config.schedule_line,
             "digests": config.digests[0].line if config.digests else 0,
             "appointments": config.appointments.line if isinstance(config.appointments, AppointmentsConfig)
             else 0,
             "inspection_template": config.inspection_line}
    return lines.get(section, 1) or 1


def _problem(exc: DomainError, line: int) -> Problem:
    return Problem(line, exc.key, tuple((k, str(v)) for k, v in exc.params.items()))


async def _sla(uow: UnitOfWork, diagnose: int, repair: int) -> bool:
    org = await uow.organization()
    if (org.sla_diagnose_minutes, org.sla_repair_minutes) == (diagnose, repair):
        return False
    await set_sla_targets(uow, diagnose_minutes=diagnose, repair_minutes=repair)
    return True


async def _qc(uow: UnitOfWork, items: tuple[tuple[str, str], ...]) -> bool:
    if [tuple(i) for i in qc_items_of(await uow.organization())] == list(items):
        return False
    await set_qc_items(uow, items)
    return True


def _rates(given: tuple[tuple[str, str], ...], defaults: dict[str, Decimal]) -> dict[str, Decimal]:
    return {**defaults, **{k: Decimal(v) for k, v in given}}


async def _billing(uow: UnitOfWork, wanted: BillingConfig, problems: list[Problem]) -> bool:
    """The billing fields that differ from the garage's effective values, one
    ``configure_billing`` call each, so that each refused value has its line."""
    change = await _billing_changes(uow, wanted)
    lines = dict(wanted.field_lines)
    for name, value in change.items():
        try:
            await configure_billing(uow, **{name: value})  # type: ignore[arg-type]
        except DomainError as exc:
            problems.append(_problem(exc, lines.get(name, wanted.line)))
    return bool(change)


async def _billing_changes(uow: UnitOfWork, wanted: BillingConfig) -> dict[str, object]:
    have = current_billing(await uow.organization())
    taxes = {c.value: DEFAULT_TAX_RATE for c in TaxCategory}
    limits = {r.value: v for r, v in DEFAULT_DISCOUNT_LIMITS.items()}
    change: dict[str, object] = {}
    if wanted.labour_rate is not None and Decimal(wanted.labour_rate) != Decimal(str(have.labour_rate)):
        change["labour_rate"] = wanted.labour_rate
    if wanted.billing_mode is not None and wanted.billing_mode != have.billing_mode:
        change["billing_mode"] = wanted.billing_mode
    if wanted.quote_valid_days is not None and wanted.quote_valid_days != have.quote_valid_days:
        change["quote_valid_days"] = wanted.quote_valid_days
    if wanted.tax_rates is not None and _rates(wanted.tax_rates, taxes) != _rates(have.tax_rates or (), {}):
        change["tax_rates"] = dict(wanted.tax_rates)
    if wanted.discount_limits is not None and (
            _rates(wanted.discount_limits, limits) != _rates(have.discount_limits or (), {})):
        change["discount_limits"] = dict(wanted.discount_limits)
    if wanted.default_fees is not None and _fees(wanted) != _fees(have):
        change["default_fees"] = [
            {"kind": f.kind, "name_en": f.name_en, "name_ar": f.name_ar, "amount": f.amount}
            for f in wanted.default_fees]
    return change


def _fees(b: BillingConfig) -> list[tuple[str, str, str, Decimal]]:
    return [(f.kind, f.name_en, f.name_ar, Decimal(f.amount)) for f in b.default_fees or ()]


async def _templates(uow: UnitOfWork, wanted: tuple[TemplateConfig, ...], problems: list[Problem]) -> bool:
    rows = (await uow.session.execute(
        select(ServiceTemplate).where(ServiceTemplate.organization_id == uow.org_id))).scalars().all()
    existing = {t.code: t for t in rows}
    changed = False
    for t in wanted:
        try:
            changed = await _template(uow, t, existing.get(t.code)) or changed
        except DomainError as exc:
            problems.append(_problem(exc, _step_line(t, exc)))
    return changed


def _step_line(t: TemplateConfig, exc: DomainError) -> int:
    """The line of the step a template error is about (by position, or the
    step that reopens a parallel group), else the template's line."""
    position = exc.params.get("position")
    group = exc.params.get("group")
    if not isinstance(position, int) and isinstance(group, int):
        seen = [i for i, s in enumerate(t.steps, start=1) if s.parallel_group == group]
        position = next((b for a, b in itertools.pairwise(seen) if b != a + 1), None)
    if isinstance(position, int) and 0 < position <= len(t.step_lines):
        return t.step_lines[position - 1]
    return t.line


async def _template(uow: UnitOfWork, t: TemplateConfig, row: ServiceTemplate | None) -> bool:
    if row is None:
        new_id = await create_template(uow, code=t.code, name_en=t.name_en, name_ar=t.name_ar, steps=t.steps)
        if not t.active:
            await update_template(uow, new_id, active=False)
        return True
    steps = validate_steps(t.steps)
    same_steps = steps == await template_step_specs(uow, row.id)
    names = (t.name_en, t.name_ar) != (row.name_en, row.name_ar)
    if same_steps and not names and t.active == row.active:
        return False
    await update_template(
        uow, TemplateId(row.id), name_en=t.name_en if names else None, name_ar=t.name_ar if names else None,
        steps=None if same_steps else steps, active=None if t.active == row.active else t.active,
    )
    return True


async def _whatsapp(uow: UnitOfWork, config: GarageConfig, problems: list[Problem]) -> bool:
    org: Organization = await uow.organization()
    have = {(t.key, t.locale): t for t in current_whatsapp(org)}
    changed = False
    for t in config.whatsapp_templates or ():
        old = have.get((t.key, t.locale))
        if old is not None and (old.name, old.language, old.params) == (t.name, t.language, t.params):
            continue
        try:
            await set_whatsapp_template(uow, t.key, t.locale, name=t.name, language=t.language,
                                        params=t.params)
            changed = True
        except DomainError as exc:
            problems.append(_problem(exc, t.line))
    return changed

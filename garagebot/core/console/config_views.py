"""The garage's configuration as the console's settings pages read it: the
service templates (list, and one with its steps), billing as the
configuration file has it, quiet hours and WhatsApp template names.

Read-only; the changes go through the services that own each setting
(``work.templates``, ``billing.settings``, ``notify.staff``, ``messaging``)
and the whole file through ``garage_config``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import func, select

from garagebot.core.errors import NotFound
from garagebot.core.garage_config.export import current_billing, current_whatsapp
from garagebot.core.garage_config.schema import BillingConfig, WhatsAppTemplateConfig
from garagebot.core.ids import TemplateId
from garagebot.core.models import ServiceTemplate, TemplateStep
from garagebot.core.notify.staff import QUIET_HOURS
from garagebot.core.uow import UnitOfWork
from garagebot.core.work.templates import StepSpec, template_step_specs


@dataclass(frozen=True, slots=True)
class TemplateRow:
    template_id: TemplateId
    code: str
    name_en: str
    name_ar: str
    active: bool
    steps: int


async def template_list(uow: UnitOfWork) -> list[TemplateRow]:
    """The garage's service templates, by code, with their number of steps."""
    counts = (select(TemplateStep.template_id, func.count(TemplateStep.id).label("n"))
              .where(TemplateStep.organization_id == uow.org_id).group_by(TemplateStep.template_id)
              .subquery())
    rows = (await uow.session.execute(
        select(ServiceTemplate, counts.c.n).outerjoin(counts, counts.c.template_id == ServiceTemplate.id)
        .where(ServiceTemplate.organization_id == uow.org_id).order_by(ServiceTemplate.code))).all()
    return [TemplateRow(TemplateId(t.id), t.code, t.name_en, t.name_ar, t.active, int(n or 0))
            for t, n in rows]


@dataclass(frozen=True, slots=True)
class TemplateDetail:
    template_id: TemplateId
    code: str
    name_en: str
    name_ar: str
    active: bool
    steps: tuple[StepSpec, ...]


async def template_detail(uow: UnitOfWork, template_id: TemplateId) -> TemplateDetail:
    """One template of the garage with its steps and checklists (NotFound for another garage's)."""
    t = await uow.session.get(ServiceTemplate, template_id)
    if t is None or t.organization_id != uow.org_id:
        raise NotFound("error.not_found", entity="service_template", id=template_id)
    return TemplateDetail(TemplateId(t.id), t.code, t.name_en, t.name_ar, t.active,
                          tuple(await template_step_specs(uow, t.id)))


@dataclass(frozen=True, slots=True)
class NoticeSettings:
    quiet_start: str
    quiet_end: str
    whatsapp: tuple[WhatsAppTemplateConfig, ...]


async def notice_settings(uow: UnitOfWork) -> NoticeSettings:
    org = await uow.organization()
    quiet = (org.settings or {}).get(QUIET_HOURS)
    start = end = ""
    if isinstance(quiet, Mapping):
        start, end = str(quiet.get("start") or ""), str(quiet.get("end") or "")
    return NoticeSettings(start, end, current_whatsapp(org))


async def billing_config(uow: UnitOfWork) -> BillingConfig:
    """Billing as the configuration file writes it (exact strings)."""
    return current_billing(await uow.organization())

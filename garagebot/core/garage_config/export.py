"""A garage's configuration as it is (``read_config``) and as a file (``to_yaml``).

The file written here is exactly what ``parse_config`` reads back, so export
then import changes nothing, and importing into another garage makes it the same.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import cast

import yaml
from sqlalchemy import select

from garagebot.core.alerts.settings import schedule_settings
from garagebot.core.billing.enums import TaxCategory
from garagebot.core.billing.settings import billing_settings
from garagebot.core.enums import Role
from garagebot.core.garage_config.appointments import AppointmentsConfig, current_appointments, to_document
from garagebot.core.garage_config.digests import current_digests, digests_yaml
from garagebot.core.garage_config.schedule import schedule_doc
from garagebot.core.garage_config.schema import (
    FORMAT_VERSION,
    BillingConfig,
    FeeConfig,
    GarageConfig,
    SlaConfig,
    TemplateConfig,
    WhatsAppTemplateConfig,
    exact,
)
from garagebot.core.inspections.templates import template_of
from garagebot.core.inspections.templates import to_json as inspection_json
from garagebot.core.messaging import TEMPLATES_SETTING
from garagebot.core.models import Organization, ServiceTemplate
from garagebot.core.notify.garage import step_updates_enabled
from garagebot.core.repair.qc import qc_items_of
from garagebot.core.uow import UnitOfWork
from garagebot.core.work.templates import StepSpec, template_step_specs

HEADER = "# garagebot garage configuration (see docs/garage-config.example.yaml)\n"


async def read_config(uow: UnitOfWork) -> GarageConfig:
    """Everything a configuration file can set, as the garage has it now."""
    org = await uow.organization()
    rows = (await uow.session.execute(
        select(ServiceTemplate).where(ServiceTemplate.organization_id == uow.org_id)
        .order_by(ServiceTemplate.id)
    )).scalars().all()
    templates = tuple([
        TemplateConfig(t.code, t.name_en, t.name_ar, tuple(await template_step_specs(uow, t.id)), t.active)
        for t in rows
    ])
    return GarageConfig(
        templates=templates, qc_items=tuple(qc_items_of(org)), billing=current_billing(org),
        sla=SlaConfig(org.sla_diagnose_minutes, org.sla_repair_minutes),
        client_step_updates=step_updates_enabled(org.settings),
        whatsapp_templates=current_whatsapp(org), schedule=schedule_settings(org.settings),
        digests=current_digests(org),
        appointments=await current_appointments(uow),
        inspection_template=template_of(org.settings),
    )


def current_billing(org: Organization) -> BillingConfig:
    bs = billing_settings(org)
    return BillingConfig(
        labour_rate=exact(bs.labour_rate.amount), billing_mode=bs.mode.value,
        quote_valid_days=bs.quote_valid_days,
        tax_rates=tuple((c.value, exact(bs.tax_rate(c).normalize())) for c in TaxCategory),
        discount_limits=tuple((r.value, exact(bs.discount_limits[r].normalize())) for r in Role
                              if r in bs.discount_limits),
        default_fees=tuple(FeeConfig(f.kind.value, f.name_en, f.name_ar, exact(f.amount)) for f in bs.fees),
    )


def current_whatsapp(org: Organization) -> tuple[WhatsAppTemplateConfig, ...]:
    registry = (org.settings or {}).get(TEMPLATES_SETTING)
    out: list[WhatsAppTemplateConfig] = []
    for key, entry in sorted(registry.items() if isinstance(registry, Mapping) else ()):
        if not isinstance(entry, Mapping) or not isinstance(entry.get("languages"), Mapping):
            continue
        params = tuple(str(p) for p in cast(Sequence[object], entry.get("params") or []))
        languages = cast(Mapping[str, object], entry["languages"])
        for locale in ("en", "ar"):
            ref = languages.get(locale)
            if isinstance(ref, Mapping):
                out.append(WhatsAppTemplateConfig(str(key), str(locale), str(ref.get("name", "")),
                                                  str(ref.get("language", "")), params))
    return tuple(out)


def _step(s: StepSpec) -> dict[str, object]:
    out: dict[str, object] = {"name_en": s.name_en, "name_ar": s.name_ar}
    if s.required_skill:
        out["skill"] = str(s.required_skill)
    out["minutes"] = s.estimated_minutes
    if s.parallel_group is not None:
        out["parallel_group"] = s.parallel_group
    if s.assembly:
        out["assembly"] = True
    if s.required_attachments:
        out["attachments"] = s.required_attachments
    if s.flat_price is not None:
        out["price"] = exact(s.flat_price)
    if s.checklist:
        out["checklist"] = [{"en": c.text_en, "ar": c.text_ar} for c in s.checklist]
    return out


def _billing(b: BillingConfig) -> dict[str, object]:
    return {
        "labour_rate": b.labour_rate, "billing_mode": b.billing_mode, "quote_valid_days": b.quote_valid_days,
        "tax_rates": dict(b.tax_rates or ()), "discount_limits": dict(b.discount_limits or ()),
        "default_fees": [{"kind": f.kind.lower(), "name_en": f.name_en, "name_ar": f.name_ar,
                          "amount": f.amount} for f in b.default_fees or ()],
    }


def _whatsapp(items: Sequence[WhatsAppTemplateConfig]) -> dict[str, object]:
    out: dict[str, dict[str, object]] = {}
    for t in items:
        entry = out.setdefault(t.key, {"params": list(t.params)})
        entry[t.locale] = {"name": t.name, "language": t.language}
    return dict(out)


def to_yaml(config: GarageConfig) -> str:
    """The configuration as a file ``parse_config`` reads back unchanged."""
    doc: dict[str, object] = {"version": FORMAT_VERSION}
    if config.billing is not None:
        doc["billing"] = _billing(config.billing)
    if config.sla is not None:
        doc["sla"] = {"diagnose_minutes": config.sla.diagnose_minutes,
                      "repair_minutes": config.sla.repair_minutes}
    if config.client_step_updates is not None:
        doc["notifications"] = {"client_step_updates": config.client_step_updates}
    if config.qc_items is not None:
        doc["qc_items"] = [{"en": en, "ar": ar} for en, ar in config.qc_items]
    if config.templates is not None:
        doc["templates"] = [
            {"code": t.code, "name_en": t.name_en, "name_ar": t.name_ar, "active": t.active,
             "steps": [_step(s) for s in t.steps]}
            for t in config.templates
        ]
    if config.whatsapp_templates is not None:
        doc["whatsapp_templates"] = _whatsapp(config.whatsapp_templates)
    if config.schedule is not None:
        doc["schedule"] = schedule_doc(config.schedule)
    if config.digests is not None:
        doc["digests"] = digests_yaml(config.digests)
    if isinstance(config.appointments, AppointmentsConfig):
        doc["appointments"] = to_document(config.appointments)
    if config.inspection_template is not None:
        doc["inspection_template"] = inspection_json(config.inspection_template)
    body = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=110)
    return HEADER + body

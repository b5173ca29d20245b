"""A garage configuration file (YAML) → ``GarageConfig``, with every
structural mistake reported at its line.

This checks shape and types only (a mapping where one is expected, whole
numbers, yes/no, known choices, no unknown or repeated keys). The business
rules (step minutes, percentages, amounts, template codes …) are the core
services' own and are checked when the file is applied (``apply``), still
before anything is committed.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import yaml

from garagebot.core.billing.enums import BillingMode, LineKind, TaxCategory
from garagebot.core.enums import Role, Skill
from garagebot.core.errors import DomainError
from garagebot.core.garage_config.appointments import parse_appointments
from garagebot.core.garage_config.digests import parse_digests
from garagebot.core.garage_config.nodes import Reader, compose, line_of
from garagebot.core.garage_config.schedule import parse_schedule
from garagebot.core.garage_config.schema import (
    FORMAT_VERSION,
    BillingConfig,
    FeeConfig,
    GarageConfig,
    Problem,
    SlaConfig,
    TemplateConfig,
    WhatsAppTemplateConfig,
)
from garagebot.core.inspections.templates import Template, from_json
from garagebot.core.work.templates import ChecklistItemSpec, StepSpec

SECTIONS = ("version", "templates", "qc_items", "billing", "sla", "notifications", "whatsapp_templates",
            "schedule", "digests", "appointments", "inspection_template")
_TEMPLATE = ("code", "name_en", "name_ar", "active", "steps")
_STEP = ("name_en", "name_ar", "skill", "minutes", "parallel_group", "assembly", "attachments", "price",
         "checklist")
_BILLING = ("labour_rate", "billing_mode", "quote_valid_days", "tax_rates", "discount_limits", "default_fees")
_FEE = ("kind", "name_en", "name_ar", "amount")
_FEE_KINDS = (LineKind.FEE.value.lower(), LineKind.SURCHARGE.value.lower())


def parse_config(text: str) -> tuple[GarageConfig, list[Problem]]:
    """The configuration the file holds, and every problem found (by line)."""
    root, syntax = compose(text)
    if syntax is not None:
        return GarageConfig(), [syntax]
    if root is None:
        return GarageConfig(), [Problem(1, "config.empty")]
    r = Reader()
    top = r.mapping(root, SECTIONS)
    if top is None:
        return GarageConfig(), r.problems
    version = r.integer(top.get("version")) if "version" in top else FORMAT_VERSION
    if "version" in top and version is not None and version != FORMAT_VERSION:
        r.problem(top["version"], "config.unknown_version", value=version, supported=FORMAT_VERSION)
    notes, inspection = top.get("notifications"), top.get("inspection_template")
    config = GarageConfig(
        templates=_templates(r, top["templates"]) if "templates" in top else None,
        qc_items=_qc_items(r, top["qc_items"]) if "qc_items" in top else None,
        qc_line=line_of(top["qc_items"]) if "qc_items" in top else 0,
        billing=_billing(r, top["billing"]) if "billing" in top else None,
        sla=_sla(r, top["sla"]) if "sla" in top else None,
        client_step_updates=_step_updates(r, notes) if notes is not None else None,
        notifications_line=line_of(notes) if notes is not None else 0,
        whatsapp_templates=_whatsapp(r, top["whatsapp_templates"]) if "whatsapp_templates" in top else None,
        schedule=parse_schedule(r, top["schedule"]) if "schedule" in top else None,
        schedule_line=line_of(top["schedule"]) if "schedule" in top else 0,
        digests=parse_digests(r, top["digests"]) if "digests" in top else None,
        appointments=parse_appointments(r, top["appointments"]) if "appointments" in top else None,
        inspection_template=_inspection(r, inspection) if inspection is not None else None,
        inspection_line=line_of(inspection) if inspection is not None else 0,
    )
    return config, r.problems


def _templates(r: Reader, node: yaml.Node) -> tuple[TemplateConfig, ...]:
    out: list[TemplateConfig] = []
    seen: set[str] = set()
    for item in r.sequence(node) or ():
        f = r.mapping(item, _TEMPLATE, ("code", "name_en", "name_ar", "steps"))
        if f is None:
            continue
        code = r.text(f.get("code"))
        if code is not None and code.lower() in seen:
            r.problem(f["code"], "config.duplicate_template", code=code)
            code = None
        steps = [(line_of(s), _step(r, s)) for s in r.sequence(f["steps"]) or ()] if "steps" in f else []
        name_en, name_ar = r.text(f.get("name_en")), r.text(f.get("name_ar"))
        active = r.boolean(f["active"]) if "active" in f else True
        if code is None or name_en is None or name_ar is None or active is None:
            continue
        seen.add(code.lower())
        if any(s is None for _, s in steps):
            continue
        out.append(TemplateConfig(
            code=code.lower(), name_en=name_en, name_ar=name_ar, active=active,
            steps=tuple(s for _, s in steps if s is not None), line=line_of(item),
            step_lines=tuple(line for line, _ in steps),
        ))
    return tuple(out)


def _step(r: Reader, node: yaml.Node) -> StepSpec | None:
    f = r.mapping(node, _STEP, ("name_en", "name_ar"))
    if f is None:
        return None
    before = len(r.problems)
    skill = r.choice(f["skill"], [s.value for s in Skill]) if "skill" in f else None
    checklist = [r.pairs(c) for c in r.sequence(f["checklist"]) or ()] if "checklist" in f else []
    spec = StepSpec(
        name_en=r.text(f.get("name_en")) or "", name_ar=r.text(f.get("name_ar")) or "",
        required_skill=skill,
        assembly=bool(r.boolean(f["assembly"])) if "assembly" in f else False,
        parallel_group=r.integer(f["parallel_group"]) if "parallel_group" in f else None,
        required_attachments=(r.integer(f["attachments"]) or 0) if "attachments" in f else 0,
        estimated_minutes=(r.integer(f["minutes"]) or 0) if "minutes" in f else 30,
        flat_price=_decimal(r, f["price"]) if "price" in f else None,
        checklist=tuple(ChecklistItemSpec(*c) for c in checklist if c is not None),
    )
    return spec if len(r.problems) == before else None


def _decimal(r: Reader, node: yaml.Node) -> Decimal | None:
    raw = r.text(node)
    if raw is None:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite():
        r.problem(node, "config.expected_number", value=raw)
        return None
    return value


def _number_text(r: Reader, node: yaml.Node | None) -> str | None:
    if node is None:
        return None
    value = _decimal(r, node)
    return None if value is None else r.text(node)


def _qc_items(r: Reader, node: yaml.Node) -> tuple[tuple[str, str], ...] | None:
    """The list, or None (nothing to apply) when an item is wrong or it is not a list."""
    nodes = r.sequence(node)
    items = [r.pairs(item) for item in nodes or ()]
    return None if nodes is None or None in items else tuple(p for p in items if p is not None)


def _rates(r: Reader, node: yaml.Node, choices: list[str]) -> tuple[tuple[str, str], ...] | None:
    f = r.mapping(node, choices)
    if f is None:
        return None
    out = [(key, _number_text(r, value)) for key, value in f.items()]
    return tuple((k, v) for k, v in out if v is not None)


def _fee(r: Reader, node: yaml.Node) -> FeeConfig | None:
    f = r.mapping(node, _FEE, _FEE)
    if f is None:
        return None
    kind, amount = r.choice(f.get("kind"), _FEE_KINDS), _number_text(r, f.get("amount"))
    name_en, name_ar = r.text(f.get("name_en")), r.text(f.get("name_ar"))
    if kind is None or amount is None or name_en is None or name_ar is None:
        return None
    return FeeConfig(kind.upper(), name_en, name_ar, amount)


def _billing(r: Reader, node: yaml.Node) -> BillingConfig | None:
    f = r.mapping(node, _BILLING)
    if f is None:
        return None
    fees = [_fee(r, x) for x in r.sequence(f["default_fees"]) or ()] if "default_fees" in f else None
    return BillingConfig(
        labour_rate=_number_text(r, f.get("labour_rate")),
        billing_mode=r.choice(f["billing_mode"], [m.value for m in BillingMode]) if "billing_mode" in f
        else None,
        quote_valid_days=r.integer(f.get("quote_valid_days")),
        tax_rates=_rates(r, f["tax_rates"], [c.value for c in TaxCategory]) if "tax_rates" in f else None,
        discount_limits=_rates(r, f["discount_limits"], [x.value for x in Role]) if "discount_limits" in f
        else None,
        default_fees=None if fees is None else tuple(x for x in fees if x is not None),
        line=line_of(node), field_lines=tuple((k, line_of(v)) for k, v in f.items()),
    )


def _sla(r: Reader, node: yaml.Node) -> SlaConfig | None:
    f = r.mapping(node, ("diagnose_minutes", "repair_minutes"), ("diagnose_minutes", "repair_minutes"))
    if f is None:
        return None
    diagnose, repair = r.integer(f.get("diagnose_minutes")), r.integer(f.get("repair_minutes"))
    return None if diagnose is None or repair is None else SlaConfig(diagnose, repair, line_of(node))


def _step_updates(r: Reader, node: yaml.Node) -> bool | None:
    f = r.mapping(node, ("client_step_updates",), ("client_step_updates",))
    return None if f is None else r.boolean(f.get("client_step_updates"))


def _whatsapp(r: Reader, node: yaml.Node) -> tuple[WhatsAppTemplateConfig, ...]:
    out: list[WhatsAppTemplateConfig] = []
    for key, entry in (r.mapping(node, ()) or {}).items():
        f = r.mapping(entry, ("params", "en", "ar"))
        if f is None:
            continue
        params = [r.text(p) for p in r.sequence(f["params"]) or ()] if "params" in f else []
        for locale in ("en", "ar"):
            if locale not in f:
                continue
            ref = r.mapping(f[locale], ("name", "language"), ("name", "language"))
            name = r.text(ref.get("name")) if ref else None
            language = r.text(ref.get("language")) if ref else None
            if name is not None and language is not None and None not in params:
                given = tuple(p for p in params if p is not None)
                out.append(WhatsAppTemplateConfig(key, locale, name, language, given, line_of(f[locale])))
    return tuple(out)


def _inspection(r: Reader, node: yaml.Node) -> Template | None:
    """The inspection template (sections of items, see ``core.inspections.templates``),
    checked as a whole; a problem at the section's line when it is not valid."""
    try:
        return from_json(yaml.constructor.SafeConstructor().construct_document(node))
    except (DomainError, yaml.YAMLError) as exc:
        params = exc.params if isinstance(exc, DomainError) else {}
        r.problem(node, exc.key if isinstance(exc, DomainError) else "error.inspection_template_invalid",
                  **{"field": "inspection_template", **params})
        return None

"""Service templates: common jobs as ordered steps or parallel groups.

A template's steps run in list order; consecutive steps sharing a
``parallel_group`` may run at the same time. Job cards copy a template's
steps and checklists, so editing a template never changes work already planned.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import delete, select

from garagebot.core.enums import Skill
from garagebot.core.errors import Conflict, InvalidInput
from garagebot.core.ids import TemplateId
from garagebot.core.models import ServiceTemplate, TemplateChecklistItem, TemplateStep
from garagebot.core.normalize import clean_text
from garagebot.core.permissions import Permission
from garagebot.core.uow import UnitOfWork

_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
MAX_ATTACHMENTS = 20
MAX_STEP_MINUTES = 7 * 24 * 60


@dataclass(frozen=True, slots=True)
class ChecklistItemSpec:
    text_en: str
    text_ar: str


@dataclass(frozen=True, slots=True)
class StepSpec:
    """One step to create (on a template or directly on a job card)."""

    name_en: str
    name_ar: str
    required_skill: Skill | str | None = None
    assembly: bool = False  # assembly/disassembly: assistants may do it
    parallel_group: int | None = None
    required_attachments: int = 0
    estimated_minutes: int = 30
    flat_price: Decimal | None = None
    checklist: Sequence[ChecklistItemSpec] = ()


def _required_text(value: str, field: str, position: int) -> str:
    text = clean_text(value)
    if not text or len(text) > 200:
        raise InvalidInput("error.step_text_required", field=field, position=position)
    return text


def _validate_numbers(spec: StepSpec, position: int) -> None:
    if not 0 < spec.estimated_minutes <= MAX_STEP_MINUTES:
        raise InvalidInput("error.step_minutes_invalid", position=position,
                           value=spec.estimated_minutes)
    if not 0 <= spec.required_attachments <= MAX_ATTACHMENTS:
        raise InvalidInput("error.step_attachments_invalid", position=position,
                           value=spec.required_attachments)
    price = spec.flat_price
    if price is not None and (
        not isinstance(price, Decimal) or not price.is_finite() or price < 0
        or price.as_tuple().exponent < -3  # type: ignore[operator]
    ):
        raise InvalidInput("error.step_price_invalid", position=position, value=str(price))


def validate_steps(specs: Sequence[StepSpec]) -> list[StepSpec]:
    """Cleaned copies of ``specs``, or InvalidInput naming the first bad step
    (1-based position). A parallel group must be one run of consecutive steps:
    a step in between would force them to run one after another anyway."""
    if not specs:
        raise InvalidInput("error.steps_required")
    cleaned: list[StepSpec] = []
    closed_groups: set[int] = set()
    for position, spec in enumerate(specs, start=1):
        try:
            skill = Skill(spec.required_skill) if spec.required_skill else None
        except ValueError as exc:
            raise InvalidInput("error.unknown_skill", value=str(spec.required_skill)) from exc
        _validate_numbers(spec, position)
        previous = cleaned[-1].parallel_group if cleaned else None
        if previous is not None and previous != spec.parallel_group:
            closed_groups.add(previous)
        if spec.parallel_group is not None and spec.parallel_group in closed_groups:
            raise InvalidInput("error.parallel_group_not_contiguous", group=spec.parallel_group)
        checklist = [
            ChecklistItemSpec(_required_text(c.text_en, "checklist_en", position),
                              _required_text(c.text_ar, "checklist_ar", position))
            for c in spec.checklist
        ]
        cleaned.append(StepSpec(
            name_en=_required_text(spec.name_en, "name_en", position),
            name_ar=_required_text(spec.name_ar, "name_ar", position),
            required_skill=skill, assembly=bool(spec.assembly),
            parallel_group=spec.parallel_group, required_attachments=spec.required_attachments,
            estimated_minutes=spec.estimated_minutes, flat_price=spec.flat_price,
            checklist=tuple(checklist),
        ))
    return cleaned


def step_snapshot(specs: Sequence[StepSpec]) -> list[dict[str, object]]:
    """The steps as plain values, for audit entries."""
    return [
        {"name_en": s.name_en, "name_ar": s.name_ar, "skill": s.required_skill,
         "assembly": s.assembly, "group": s.parallel_group,
         "attachments": s.required_attachments, "minutes": s.estimated_minutes,
         "price": s.flat_price, "checklist": [c.text_en for c in s.checklist]}
        for s in specs
    ]


async def _write_steps(uow: UnitOfWork, template_id: int, specs: Sequence[StepSpec]) -> None:
    for position, spec in enumerate(specs, start=1):
        row = TemplateStep(
            organization_id=uow.org_id, template_id=template_id, position=position,
            parallel_group=spec.parallel_group, name_en=spec.name_en, name_ar=spec.name_ar,
            required_skill=spec.required_skill, assembly=spec.assembly,
            required_attachments=spec.required_attachments,
            estimated_minutes=spec.estimated_minutes, flat_price=spec.flat_price,
        )
        uow.session.add(row)
        await uow.session.flush()
        for item_pos, item in enumerate(spec.checklist, start=1):
            uow.session.add(TemplateChecklistItem(
                organization_id=uow.org_id, template_step_id=row.id, position=item_pos,
                text_en=item.text_en, text_ar=item.text_ar,
            ))
    await uow.session.flush()


async def create_template(
    uow: UnitOfWork, *, code: str, name_en: str, name_ar: str, steps: Sequence[StepSpec]
) -> TemplateId:
    """A new service template with its steps and checklists. ``code`` is a short
    unique handle per garage (``oil_service``)."""
    await uow.require(Permission.MANAGE_TEMPLATES)
    code = clean_text(code).lower()
    if not _CODE.match(code):
        raise InvalidInput("error.template_code_invalid", value=code)
    names = (_required_text(name_en, "name_en", 0), _required_text(name_ar, "name_ar", 0))
    specs = validate_steps(steps)
    taken = await uow.session.execute(
        select(ServiceTemplate.id).where(ServiceTemplate.organization_id == uow.org_id,
                                         ServiceTemplate.code == code)
    )
    if taken.first() is not None:
        raise Conflict("error.template_code_taken", value=code)
    template = ServiceTemplate(organization_id=uow.org_id, code=code, name_en=names[0],
                               name_ar=names[1], active=True)
    uow.session.add(template)
    await uow.session.flush()
    await _write_steps(uow, template.id, specs)
    await uow.audit("service_template", template.id, "create", after={
        "code": code, "name_en": names[0], "name_ar": names[1], "steps": step_snapshot(specs),
    })
    uow.emit("template.created", {"template_id": template.id, "code": code})
    return TemplateId(template.id)


async def template_step_specs(uow: UnitOfWork, template_id: int) -> list[StepSpec]:
    """The template's steps and checklists as specs, in order."""
    steps = (await uow.session.execute(
        select(TemplateStep)
        .where(TemplateStep.organization_id == uow.org_id, TemplateStep.template_id == template_id)
        .order_by(TemplateStep.position)
    )).scalars().all()
    items = (await uow.session.execute(
        select(TemplateChecklistItem)
        .where(TemplateChecklistItem.organization_id == uow.org_id,
               TemplateChecklistItem.template_step_id.in_([s.id for s in steps]))
        .order_by(TemplateChecklistItem.position)
    )).scalars().all()
    return [
        StepSpec(
            name_en=s.name_en, name_ar=s.name_ar, required_skill=s.required_skill,
            assembly=s.assembly, parallel_group=s.parallel_group,
            required_attachments=s.required_attachments, estimated_minutes=s.estimated_minutes,
            flat_price=s.flat_price,
            checklist=tuple(ChecklistItemSpec(i.text_en, i.text_ar)
                            for i in items if i.template_step_id == s.id),
        )
        for s in steps
    ]


async def update_template(
    uow: UnitOfWork,
    template_id: TemplateId,
    *,
    name_en: str | None = None,
    name_ar: str | None = None,
    steps: Sequence[StepSpec] | None = None,
    active: bool | None = None,
) -> None:
    """Change a template's names, replace its steps, or (de)activate it.
    Job cards made from it earlier keep their own copies."""
    await uow.require(Permission.MANAGE_TEMPLATES)
    template = await uow.get(ServiceTemplate, template_id, lock=True)
    specs = validate_steps(steps) if steps is not None else None
    before = {"name_en": template.name_en, "name_ar": template.name_ar, "active": template.active}
    after = dict(before)
    if name_en is not None:
        template.name_en = after["name_en"] = _required_text(name_en, "name_en", 0)
    if name_ar is not None:
        template.name_ar = after["name_ar"] = _required_text(name_ar, "name_ar", 0)
    if active is not None:
        template.active = after["active"] = active
    if specs is not None:
        before["steps"] = step_snapshot(await template_step_specs(uow, template.id))
        await _delete_steps(uow, template.id)
        await _write_steps(uow, template.id, specs)
        after["steps"] = step_snapshot(specs)
    await uow.audit("service_template", template.id, "update", before=before, after=after)
    uow.emit("template.updated", {"template_id": template.id})


async def _delete_steps(uow: UnitOfWork, template_id: int) -> None:
    step_ids = select(TemplateStep.id).where(
        TemplateStep.organization_id == uow.org_id, TemplateStep.template_id == template_id
    )
    await uow.session.execute(
        delete(TemplateChecklistItem).where(
            TemplateChecklistItem.organization_id == uow.org_id,
            TemplateChecklistItem.template_step_id.in_(step_ids),
        )
    )
    await uow.session.execute(
        delete(TemplateStep).where(
            TemplateStep.organization_id == uow.org_id, TemplateStep.template_id == template_id
        )
    )

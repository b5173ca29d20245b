"""Service templates: ordered steps, parallel groups, checklists, prices."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from garagebot.core.enums import Skill
from garagebot.core.errors import Conflict, InvalidInput, PermissionDenied
from garagebot.core.models import ServiceTemplate, TemplateChecklistItem, TemplateStep
from garagebot.core.uow import Database
from garagebot.core.work.templates import (
    ChecklistItemSpec,
    StepSpec,
    create_template,
    update_template,
)
from tests.conftest import Staff
from tests.core.work.helpers import audit_actions, count_rows, outbox_topics

BRAKES = [
    StepSpec("Remove wheels", "فك العجلات", assembly=True, estimated_minutes=15),
    StepSpec("Replace front pads", "تبديل الفحمات الأمامية", Skill.MECHANICAL, parallel_group=1,
             estimated_minutes=40, flat_price=Decimal("12.500"),
             checklist=(ChecklistItemSpec("Pads seated", "الفحمات مثبتة"),
                        ChecklistItemSpec("Caliper bolts torqued", "براغي الملقط مشدودة"))),
    StepSpec("Replace rear pads", "تبديل الفحمات الخلفية", Skill.MECHANICAL, parallel_group=1,
             estimated_minutes=40, required_attachments=1),
    StepSpec("Refit wheels", "تركيب العجلات", assembly=True),
]


async def test_a_lead_creates_a_template_with_ordered_and_parallel_steps(
    db: Database, staff: Staff
) -> None:
    async with db.unit_of_work(staff.lead) as uow:
        tid = await create_template(uow, code="Brake_Pads", name_en="Brake pads",
                                    name_ar="فحمات الفرامل", steps=BRAKES)
    async with db.read() as s:
        template = await s.get(ServiceTemplate, tid)
        steps = (await s.scalars(select(TemplateStep).where(TemplateStep.template_id == tid)
                                 .order_by(TemplateStep.position))).all()
        items = (await s.scalars(select(TemplateChecklistItem).where(
            TemplateChecklistItem.template_step_id == steps[1].id))).all()
    assert template is not None
    assert template.code == "brake_pads"
    assert template.active
    assert [(st.position, st.parallel_group, st.assembly) for st in steps] == [
        (1, None, True), (2, 1, False), (3, 1, False), (4, None, True)]
    assert steps[1].required_skill == "mechanical"
    assert steps[1].flat_price == Decimal("12.500")
    assert steps[2].required_attachments == 1
    assert [(i.text_en, i.text_ar) for i in items] == [
        ("Pads seated", "الفحمات مثبتة"), ("Caliper bolts torqued", "براغي الملقط مشدودة")]
    assert await audit_actions(db, staff.org, "service_template", tid) == ["create"]
    assert "template.created" in await outbox_topics(db, staff.org)


async def test_updating_a_template_replaces_its_steps_and_is_audited(
    db: Database, staff: Staff
) -> None:
    async with db.unit_of_work(staff.manager) as uow:
        tid = await create_template(uow, code="oil", name_en="Oil", name_ar="زيت", steps=BRAKES)
    async with db.unit_of_work(staff.lead) as uow:
        await update_template(uow, tid, name_en="Oil service", active=False,
                              steps=[StepSpec("Drain oil", "تفريغ الزيت")])
    async with db.read() as s:
        template = await s.get(ServiceTemplate, tid)
        names = (await s.scalars(select(TemplateStep.name_en)
                                 .where(TemplateStep.template_id == tid))).all()
    assert template is not None
    assert template.name_en == "Oil service"
    assert not template.active
    assert names == ["Drain oil"]
    assert await count_rows(db, TemplateChecklistItem, staff.org) == 0
    assert await audit_actions(db, staff.org, "service_template", tid) == ["create", "update"]


async def test_a_technician_may_not_manage_templates(db: Database, staff: Staff) -> None:
    with pytest.raises(PermissionDenied) as err:
        async with db.unit_of_work(staff.tech) as uow:
            await create_template(uow, code="x", name_en="X", name_ar="س", steps=BRAKES)
    assert err.value.params == {"permission": "manage_templates"}
    assert await count_rows(db, ServiceTemplate, staff.org) == 0


@pytest.mark.parametrize(
    ("steps", "key"),
    [
        ([], "error.steps_required"),
        ([StepSpec("", "س")], "error.step_text_required"),
        ([StepSpec("A", "أ", estimated_minutes=0)], "error.step_minutes_invalid"),
        ([StepSpec("A", "أ", required_attachments=-1)], "error.step_attachments_invalid"),
        ([StepSpec("A", "أ", flat_price=Decimal("-1"))], "error.step_price_invalid"),
        ([StepSpec("A", "أ", flat_price=Decimal("1.0001"))], "error.step_price_invalid"),
        ([StepSpec("A", "أ", required_skill="juggling")], "error.unknown_skill"),
        ([StepSpec("A", "أ", parallel_group=1), StepSpec("B", "ب"),
          StepSpec("C", "ج", parallel_group=1)], "error.parallel_group_not_contiguous"),
        ([StepSpec("A", "أ", checklist=(ChecklistItemSpec("ok", " "),))],
         "error.step_text_required"),
    ],
)
async def test_bad_template_steps_are_refused_and_nothing_is_written(
    db: Database, staff: Staff, steps: list[StepSpec], key: str
) -> None:
    with pytest.raises(InvalidInput) as err:
        async with db.unit_of_work(staff.lead) as uow:
            await create_template(uow, code="bad", name_en="Bad", name_ar="سيء", steps=steps)
    assert err.value.key == key
    assert await count_rows(db, ServiceTemplate, staff.org) == 0
    assert await count_rows(db, TemplateStep, staff.org) == 0


async def test_a_template_code_is_unique_per_garage(db: Database, staff: Staff) -> None:
    async with db.unit_of_work(staff.lead) as uow:
        await create_template(uow, code="ac", name_en="AC", name_ar="مكيف", steps=BRAKES)
    with pytest.raises(Conflict) as err:
        async with db.unit_of_work(staff.lead) as uow:
            await create_template(uow, code="AC", name_en="AC 2", name_ar="مكيف", steps=BRAKES)
    assert err.value.key == "error.template_code_taken"
    with pytest.raises(InvalidInput) as bad:
        async with db.unit_of_work(staff.lead) as uow:
            await create_template(uow, code="a c!", name_en="AC", name_ar="مكيف", steps=BRAKES)
    assert bad.value.key == "error.template_code_invalid"

"""Suggesting and assigning people to steps: skills, availability, workload, roles."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from garagebot.core.enums import Skill, StepStatus
from garagebot.core.errors import InvalidInput, NotFound, PermissionDenied
from garagebot.core.models import TimeLog, User
from garagebot.core.uow import Database
from garagebot.core.work.assignment import assign_step, suggest_assignee
from garagebot.core.work.templates import StepSpec
from garagebot.core.work.timers import start_step
from tests.conftest import Staff, make_staff, new_garage
from tests.core.work.helpers import audit_actions, get_step, make_card, outbox_topics


async def _set_user(db: Database, user_id: int, **values: object) -> None:
    async with db.raw_transaction() as s:
        await s.execute(update(User).where(User.id == user_id).values(**values))


async def test_the_least_loaded_qualified_person_is_suggested(db: Database, staff: Staff) -> None:
    # Mechanical: lead, tech and tech2 qualify; nobody has work yet, so the
    # lowest id (the lead, created first) wins the tie.
    load = await make_card(db, staff.lead, [StepSpec("Big job", "عمل كبير", Skill.MECHANICAL,
                                                     estimated_minutes=120)])
    async with db.unit_of_work(staff.advisor) as uow:
        first = await suggest_assignee(uow, load.step_ids[0])
    assert first == staff.id(staff.lead)
    async with db.unit_of_work(staff.advisor) as uow:
        await assign_step(uow, load.step_ids[0], staff.id(staff.lead))
    small = await make_card(db, staff.lead, [StepSpec("Small", "صغير", Skill.MECHANICAL,
                                                      estimated_minutes=10)] * 2)
    async with db.unit_of_work(staff.advisor) as uow:
        await assign_step(uow, small.step_ids[0], staff.id(staff.tech))
    async with db.unit_of_work(staff.advisor) as uow:
        # lead 120 min, tech 10 min, tech2 0 min.
        assert await suggest_assignee(uow, small.step_ids[1]) == staff.id(staff.tech2)
    await _set_user(db, staff.id(staff.tech2), available=False)
    async with db.unit_of_work(staff.lead) as uow:
        assert await suggest_assignee(uow, small.step_ids[1]) == staff.id(staff.tech)


async def test_only_people_with_the_skill_are_suggested_and_none_when_nobody_has_it(
    db: Database, staff: Staff
) -> None:
    card = await make_card(db, staff.lead, [StepSpec("AC gas", "غاز المكيف", Skill.AC),
                                            StepSpec("Paint", "دهان", Skill.PAINT)])
    async with db.unit_of_work(staff.advisor) as uow:
        assert await suggest_assignee(uow, card.step_ids[0]) == staff.id(staff.tech2)
        assert await suggest_assignee(uow, card.step_ids[1]) is None


async def test_assistants_are_suggested_only_for_assembly_steps(db: Database, staff: Staff) -> None:
    card = await make_card(db, staff.lead, [StepSpec("Remove bumper", "فك الصدام", assembly=True),
                                            StepSpec("Inspect", "فحص")])
    for user in (staff.lead, staff.tech, staff.tech2):
        await _set_user(db, staff.id(user), available=False)
    async with db.unit_of_work(staff.advisor) as uow:
        assert await suggest_assignee(uow, card.step_ids[0]) == staff.id(staff.assistant)
        assert await suggest_assignee(uow, card.step_ids[1]) is None


async def test_an_advisor_assigns_a_qualified_person_and_it_is_audited(
    db: Database, staff: Staff
) -> None:
    card = await make_card(db, staff.lead, [StepSpec("Brakes", "فرامل", Skill.MECHANICAL)])
    step_id = card.step_ids[0]
    async with db.unit_of_work(staff.advisor) as uow:
        await assign_step(uow, step_id, staff.id(staff.tech))
    assert (await get_step(db, step_id)).assignee_id == staff.id(staff.tech)
    assert await audit_actions(db, staff.org, "step", step_id) == ["assign"]
    assert "step.assigned" in await outbox_topics(db, staff.org)


async def test_assigning_someone_without_the_skill_needs_a_leads_override(
    db: Database, staff: Staff
) -> None:
    card = await make_card(db, staff.lead, [StepSpec("Wiring", "أسلاك", Skill.ELECTRICAL)])
    step_id = card.step_ids[0]
    with pytest.raises(InvalidInput) as no_skill:
        async with db.unit_of_work(staff.lead) as uow:
            await assign_step(uow, step_id, staff.id(staff.tech))
    assert (no_skill.value.key, no_skill.value.params) == (
        "error.assignee_lacks_skill", {"user": staff.id(staff.tech), "skill": "electrical"})
    with pytest.raises(PermissionDenied) as advisor:
        async with db.unit_of_work(staff.advisor) as uow:
            await assign_step(uow, step_id, staff.id(staff.tech), override=True)
    assert advisor.value.key == "error.override_needs_lead"
    assert (await get_step(db, step_id)).assignee_id is None
    async with db.unit_of_work(staff.lead) as uow:
        await assign_step(uow, step_id, staff.id(staff.tech), override=True)
    assert (await get_step(db, step_id)).assignee_id == staff.id(staff.tech)
    assert await audit_actions(db, staff.org, "step", step_id) == ["assign_override"]


async def test_an_unavailable_person_is_refused_without_override(db: Database, staff: Staff) -> None:
    card = await make_card(db, staff.lead, [StepSpec("Oil", "زيت")])
    await _set_user(db, staff.id(staff.tech), available=False)
    with pytest.raises(InvalidInput) as err:
        async with db.unit_of_work(staff.advisor) as uow:
            await assign_step(uow, card.step_ids[0], staff.id(staff.tech))
    assert err.value.key == "error.assignee_unavailable"


async def test_an_assistant_on_a_non_assembly_step_is_always_refused(
    db: Database, staff: Staff
) -> None:
    card = await make_card(db, staff.lead, [StepSpec("Diagnose", "تشخيص"),
                                            StepSpec("Strip door", "فك الباب", assembly=True)])
    with pytest.raises(InvalidInput) as err:
        async with db.unit_of_work(staff.lead) as uow:
            await assign_step(uow, card.step_ids[0], staff.id(staff.assistant), override=True)
    assert err.value.key == "error.assistant_only_assembly"
    async with db.unit_of_work(staff.advisor) as uow:
        await assign_step(uow, card.step_ids[1], staff.id(staff.assistant))
    assert (await get_step(db, card.step_ids[1])).assignee_id == staff.id(staff.assistant)
    with pytest.raises(InvalidInput) as office:
        async with db.unit_of_work(staff.lead) as uow:
            await assign_step(uow, card.step_ids[0], staff.id(staff.accountant), override=True)
    assert office.value.key == "error.assignee_not_floor_staff"


async def test_only_a_lead_reassigns_a_step_in_progress_and_the_old_timer_stops(
    db: Database, staff: Staff
) -> None:
    card = await make_card(db, staff.lead, [StepSpec("Gearbox", "ناقل الحركة", Skill.MECHANICAL)])
    step_id = card.step_ids[0]
    async with db.unit_of_work(staff.tech) as uow:
        await start_step(uow, step_id)
    with pytest.raises(PermissionDenied) as advisor:
        async with db.unit_of_work(staff.advisor) as uow:
            await assign_step(uow, step_id, staff.id(staff.tech2))
    assert advisor.value.key == "error.reassign_needs_lead"
    with pytest.raises(PermissionDenied):
        async with db.unit_of_work(staff.tech) as uow:
            await assign_step(uow, step_id, staff.id(staff.tech2))
    async with db.unit_of_work(staff.lead) as uow:
        await assign_step(uow, step_id, staff.id(staff.tech2))
    step = await get_step(db, step_id)
    assert (step.assignee_id, step.status) == (staff.id(staff.tech2), StepStatus.IN_PROGRESS)
    async with db.read() as s:
        logs = (await s.scalars(select(TimeLog).where(TimeLog.step_id == step_id))).all()
    assert [(lg.user_id, lg.ended_at is not None) for lg in logs] == [(staff.id(staff.tech), True)]


async def test_another_garages_person_cannot_be_assigned_or_suggested(
    db: Database, staff: Staff
) -> None:
    other = await make_staff(db, await new_garage(db))
    card = await make_card(db, staff.lead, [StepSpec("Oil", "زيت", Skill.MECHANICAL)])
    with pytest.raises(NotFound):
        async with db.unit_of_work(staff.lead) as uow:
            await assign_step(uow, card.step_ids[0], other.id(other.tech), override=True)
    async with db.unit_of_work(staff.lead) as uow:
        suggested = await suggest_assignee(uow, card.step_ids[0])
    assert suggested in {staff.id(staff.lead), staff.id(staff.tech), staff.id(staff.tech2)}
    with pytest.raises(NotFound):
        async with db.unit_of_work(other.lead) as uow:
            await suggest_assignee(uow, card.step_ids[0])

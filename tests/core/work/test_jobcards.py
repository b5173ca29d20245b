"""Job cards from templates and free job cards; rejecting a job."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from garagebot.core.enums import ExceptionStatus, JobCardStatus, SessionStatus, Skill, StepStatus
from garagebot.core.errors import InvalidInput, InvalidTransition, NotFound, PermissionDenied
from garagebot.core.models import JobCard, Step, StepChecklistItem, StepException
from garagebot.core.uow import Database
from garagebot.core.work.exceptions import flag_exception
from garagebot.core.work.jobcards import add_free_job_card, add_job_card, reject_job_card
from garagebot.core.work.templates import ChecklistItemSpec, StepSpec, create_template, update_template
from garagebot.core.work.timers import start_step
from tests.conftest import Staff
from tests.core.work.helpers import (
    audit_actions,
    count_rows,
    get_step,
    make_card,
    make_session,
    outbox_topics,
    simple_steps,
)

STEPS = [
    StepSpec("Drain oil", "تفريغ الزيت", Skill.MECHANICAL, estimated_minutes=20,
             checklist=(ChecklistItemSpec("Plug tightened", "السدادة مشدودة"),)),
    StepSpec("Replace filter", "تبديل الفلتر", Skill.MECHANICAL, parallel_group=7,
             flat_price=Decimal("3.250")),
    StepSpec("Top up", "تعبئة", parallel_group=7, required_attachments=2),
]


async def test_a_job_card_from_a_template_copies_its_steps_and_checklists(
    db: Database, staff: Staff
) -> None:
    async with db.unit_of_work(staff.lead) as uow:
        tid = await create_template(uow, code="oil", name_en="Oil service", name_ar="تغيير زيت",
                                    steps=STEPS)
    sid = await make_session(db, staff.org)
    async with db.unit_of_work(staff.advisor) as uow:
        card_id = await add_job_card(uow, sid, tid)
    # Editing the template afterwards leaves the planned work alone.
    async with db.unit_of_work(staff.lead) as uow:
        await update_template(uow, tid, steps=[StepSpec("Other", "أخرى")])
    async with db.read() as s:
        card = await s.get(JobCard, card_id)
        steps = (await s.scalars(select(Step).where(Step.job_card_id == card_id)
                                 .order_by(Step.position))).all()
        items = (await s.scalars(select(StepChecklistItem)
                                 .where(StepChecklistItem.step_id == steps[0].id))).all()
    assert card is not None
    assert (card.status, card.title_en, card.template_id, card.position) == (
        "PENDING", "Oil service", tid, 1)
    assert [(st.name_en, st.parallel_group, st.status) for st in steps] == [
        ("Drain oil", None, "NOT_STARTED"), ("Replace filter", 7, "NOT_STARTED"),
        ("Top up", 7, "NOT_STARTED")]
    assert steps[1].flat_price == Decimal("3.250")
    assert steps[2].required_attachments == 2
    assert all(st.session_id == sid and st.rework_count == 0 for st in steps)
    assert [(i.text_ar, i.done) for i in items] == [("السدادة مشدودة", False)]
    assert await audit_actions(db, staff.org, "job_card", card_id) == ["create"]
    assert "job_card.added" in await outbox_topics(db, staff.org)


async def test_a_free_job_card_takes_its_steps_and_cards_are_numbered_in_the_session(
    db: Database, staff: Staff
) -> None:
    first = await make_card(db, staff.advisor, simple_steps(2))
    second = await make_card(db, staff.lead, simple_steps(3), session_id=first.session_id)
    async with db.read() as s:
        positions = (await s.scalars(select(JobCard.position).where(
            JobCard.session_id == first.session_id).order_by(JobCard.id))).all()
    assert positions == [1, 2]
    assert len(first.step_ids) == 2
    assert len(second.step_ids) == 3


async def test_an_inactive_template_or_a_closed_session_takes_no_job_card(
    db: Database, staff: Staff
) -> None:
    async with db.unit_of_work(staff.lead) as uow:
        tid = await create_template(uow, code="old", name_en="Old", name_ar="قديم", steps=STEPS)
        await update_template(uow, tid, active=False)
    sid = await make_session(db, staff.org)
    with pytest.raises(InvalidInput) as inactive:
        async with db.unit_of_work(staff.advisor) as uow:
            await add_job_card(uow, sid, tid)
    assert inactive.value.key == "error.template_inactive"
    cancelled = await make_session(db, staff.org, SessionStatus.CANCELLED)
    with pytest.raises(InvalidTransition) as closed:
        async with db.unit_of_work(staff.advisor) as uow:
            await add_free_job_card(uow, cancelled, title_en="J", title_ar="ع",
                                    steps=simple_steps(1))
    assert closed.value.key == "error.session_not_plannable"
    assert await count_rows(db, JobCard, staff.org) == 0


async def test_only_planners_add_job_cards_and_unknown_ids_are_not_found(
    db: Database, staff: Staff
) -> None:
    sid = await make_session(db, staff.org)
    with pytest.raises(PermissionDenied):
        async with db.unit_of_work(staff.tech) as uow:
            await add_free_job_card(uow, sid, title_en="J", title_ar="ع", steps=simple_steps(1))
    with pytest.raises(NotFound):
        async with db.unit_of_work(staff.advisor) as uow:
            await add_job_card(uow, sid, 999_999_999)  # type: ignore[arg-type]
    with pytest.raises(NotFound):
        async with db.unit_of_work(staff.advisor) as uow:
            await add_free_job_card(uow, 999_999_999, title_en="J", title_ar="ع",  # type: ignore[arg-type]
                                    steps=simple_steps(1))
    with pytest.raises(InvalidInput) as untitled:
        async with db.unit_of_work(staff.advisor) as uow:
            await add_free_job_card(uow, sid, title_en=" ", title_ar="ع", steps=simple_steps(1))
    assert untitled.value.key == "error.job_title_required"
    assert await count_rows(db, JobCard, staff.org) == 0


async def test_rejecting_a_job_skips_its_open_steps_stops_timers_and_closes_exceptions(
    db: Database, staff: Staff
) -> None:
    card = await make_card(db, staff.lead, simple_steps(3, parallel_group=1))
    async with db.unit_of_work(staff.tech) as uow:
        await start_step(uow, card.step_ids[0])
    async with db.unit_of_work(staff.tech2) as uow:
        await start_step(uow, card.step_ids[1])
        await flag_exception(uow, card.step_ids[1], "Seized bolt")
    with pytest.raises(InvalidInput) as no_reason:
        async with db.unit_of_work(staff.advisor) as uow:
            await reject_job_card(uow, card.job_card_id, "  ")
    assert no_reason.value.key == "error.reason_required"
    async with db.unit_of_work(staff.advisor) as uow:
        await reject_job_card(uow, card.job_card_id, "Client declined")
    async with db.read() as s:
        job = await s.get(JobCard, card.job_card_id)
        exc = (await s.scalars(select(StepException))).all()
    assert job is not None
    assert job.status == JobCardStatus.REJECTED
    assert job.review_note == "Client declined"
    assert [(await get_step(db, i)).status for i in card.step_ids] == [StepStatus.SKIPPED] * 3
    mine = [e for e in exc if e.step_id == card.step_ids[1]]
    assert [(e.status, e.comment) for e in mine] == [(ExceptionStatus.SKIPPED, "Client declined")]
    assert await audit_actions(db, staff.org, "job_card", card.job_card_id) == [
        "create", "start", "reject"]
    with pytest.raises(InvalidTransition) as again:
        async with db.unit_of_work(staff.advisor) as uow:
            await reject_job_card(uow, card.job_card_id, "twice")
    assert again.value.key == "error.job_card_transition"

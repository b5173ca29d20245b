"""Two garages: no work service reads or writes across them. Bad input is
refused with a keyed domain error and leaves nothing half-written."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from garagebot.core.errors import DomainError, NotFound, PermissionDenied
from garagebot.core.ids import ExceptionId, JobCardId, SessionId, StepId, TemplateId, UserId
from garagebot.core.models import AuditEntry, OutboxRow, StepChecklistItem
from garagebot.core.uow import Database, UnitOfWork
from garagebot.core.work.assignment import assign_step, suggest_assignee
from garagebot.core.work.exceptions import decide_exception, flag_exception
from garagebot.core.work.jobcards import add_free_job_card, add_job_card, reject_job_card
from garagebot.core.work.media import attach_media
from garagebot.core.work.review import review_job_card
from garagebot.core.work.steps import add_step_note, complete_step, tick_checklist_item
from garagebot.core.work.templates import StepSpec, create_template, update_template
from garagebot.core.work.timers import add_manual_time, pause_timer, start_step, stop_timer
from tests.conftest import Staff, make_staff, new_garage
from tests.core.work.helpers import Card, checked_step, make_card
from tests.fakes import MemoryFileStorage

Call = Callable[[UnitOfWork], Awaitable[object]]


async def _footprint(db: Database) -> tuple[int, int]:
    async with db.read() as s:
        audit = (await s.execute(select(func.count()).select_from(AuditEntry))).scalar_one()
        outbox = (await s.execute(select(func.count()).select_from(OutboxRow))).scalar_one()
    return int(audit), int(outbox)


@dataclass(frozen=True)
class GarageWork:
    template: TemplateId
    card: Card
    item: int
    exception: ExceptionId


async def _garage_with_work(db: Database, staff: Staff) -> GarageWork:
    async with db.unit_of_work(staff.lead) as uow:
        template = await create_template(uow, code="oil", name_en="Oil", name_ar="زيت",
                                         steps=[StepSpec("Drain", "تفريغ")])
    card = await make_card(db, staff.lead, [checked_step(items=1)])
    async with db.unit_of_work(staff.tech) as uow:
        await start_step(uow, card.step_ids[0])
        exc = await flag_exception(uow, card.step_ids[0], "Stuck")
    async with db.read() as s:
        item = (await s.scalars(select(StepChecklistItem.id).where(
            StepChecklistItem.step_id == card.step_ids[0]))).one()
    return GarageWork(template, card, item, exc)


async def test_no_work_service_reaches_into_another_garage(
    db: Database, staff: Staff, storage: MemoryFileStorage
) -> None:
    mine = await _garage_with_work(db, staff)
    template, card, item, exc = mine.template, mine.card, mine.item, mine.exception
    step = card.step_ids[0]
    other = await make_staff(db, await new_garage(db))
    async with db.unit_of_work(other.lead) as uow:
        own_template = await create_template(uow, code="oil", name_en="Oil", name_ar="زيت",
                                             steps=[StepSpec("Drain", "تفريغ")])
    sid, jid = card.session_id, card.job_card_id
    calls: list[tuple[str, Call]] = [
        ("add_job_card", lambda u: add_job_card(u, sid, own_template)),
        ("add_job_card template", lambda u: add_job_card(u, sid, template)),
        ("add_free_job_card", lambda u: add_free_job_card(
            u, sid, title_en="X", title_ar="س", steps=[StepSpec("A", "أ")])),
        ("update_template", lambda u: update_template(u, template, name_en="Mine")),
        ("reject_job_card", lambda u: reject_job_card(u, jid, "no")),
        ("review_job_card", lambda u: review_job_card(u, jid, approve=True)),
        ("assign_step", lambda u: assign_step(u, step, other.id(other.tech), override=True)),
        ("suggest_assignee", lambda u: suggest_assignee(u, step)),
        ("start_step", lambda u: start_step(u, step)),
        ("pause_timer", lambda u: pause_timer(u, step)),
        ("stop_timer", lambda u: stop_timer(u, step)),
        ("add_manual_time", lambda u: add_manual_time(u, step, 10)),
        ("complete_step", lambda u: complete_step(u, step)),
        ("tick_checklist_item", lambda u: tick_checklist_item(u, item)),
        ("add_step_note", lambda u: add_step_note(u, step, "hello")),
        ("flag_exception", lambda u: flag_exception(u, step, "no")),
        ("decide_exception", lambda u: decide_exception(u, exc, "retry")),
        ("attach_media step", lambda u: attach_media(
            u, storage, step_id=step, kind="photo", content_type="image/png", data=b"x")),
        ("attach_media session", lambda u: attach_media(
            u, storage, session_id=sid, kind="photo", content_type="image/png", data=b"x")),
    ]
    before = await _footprint(db)
    not_found = []
    for name, call in calls:
        try:
            async with db.unit_of_work(other.lead) as uow:
                await call(uow)
        except NotFound:
            not_found.append(name)
    assert not_found == [name for name, _ in calls]
    assert await _footprint(db) == before
    assert storage.files == {}


async def test_unknown_ids_are_not_found_and_nothing_is_written(
    db: Database, staff: Staff, storage: MemoryFileStorage
) -> None:
    unknown = 987_654_321
    calls: list[Call] = [
        lambda u: add_job_card(u, SessionId(unknown), TemplateId(unknown)),
        lambda u: update_template(u, TemplateId(unknown), name_en="X"),
        lambda u: reject_job_card(u, JobCardId(unknown), "no"),
        lambda u: review_job_card(u, JobCardId(unknown), approve=True),
        lambda u: assign_step(u, StepId(unknown), UserId(unknown)),
        lambda u: start_step(u, StepId(unknown)),
        lambda u: pause_timer(u, StepId(unknown)),
        lambda u: add_manual_time(u, StepId(unknown), 5),
        lambda u: complete_step(u, StepId(unknown)),
        lambda u: tick_checklist_item(u, unknown),
        lambda u: add_step_note(u, StepId(unknown), "x"),
        lambda u: flag_exception(u, StepId(unknown), "x"),
        lambda u: decide_exception(u, ExceptionId(unknown), "retry"),
        lambda u: attach_media(u, storage, step_id=StepId(unknown), kind="photo",
                               content_type="image/png", data=b"x"),
    ]
    before = await _footprint(db)
    for call in calls:
        with pytest.raises(NotFound) as err:
            async with db.unit_of_work(staff.lead) as uow:
                await call(uow)
        assert err.value.key == "error.not_found"
    assert await _footprint(db) == before


async def test_a_refused_call_rolls_back_what_it_had_already_done(
    db: Database, staff: Staff
) -> None:
    # Starting the step assigns it and moves it before the timer check fails.
    first = await make_card(db, staff.lead, [StepSpec("A", "أ")])
    second = await make_card(db, staff.lead, [StepSpec("B", "ب")])
    async with db.unit_of_work(staff.tech) as uow:
        await start_step(uow, first.step_ids[0])
    before = await _footprint(db)
    with pytest.raises(DomainError) as err:
        async with db.unit_of_work(staff.tech) as uow:
            await start_step(uow, second.step_ids[0])
    assert err.value.key == "error.timer_already_running"
    assert await _footprint(db) == before


async def test_a_missing_permission_is_refused_before_anything_is_looked_up(
    db: Database, staff: Staff
) -> None:
    card = await make_card(db, staff.lead, [checked_step(items=1)])
    step = card.step_ids[0]
    calls: list[Call] = [
        lambda u: start_step(u, step), lambda u: complete_step(u, step),
        lambda u: flag_exception(u, step, "x"), lambda u: add_step_note(u, step, "x"),
        lambda u: tick_checklist_item(u, 987_654_321), lambda u: start_step(u, StepId(987_654_321)),
        lambda u: review_job_card(u, card.job_card_id, approve=True),
        lambda u: assign_step(u, step, staff.id(staff.tech)),
    ]
    before = await _footprint(db)
    keys = []
    for call in calls:
        with pytest.raises(PermissionDenied) as err:
            async with db.unit_of_work(staff.accountant) as uow:
                await call(uow)
        keys.append(err.value.key)
    assert set(keys) == {"error.permission_denied"}
    assert await _footprint(db) == before

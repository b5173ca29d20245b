"""A cancelled session drops its open jobs (event subscriber)."""

from __future__ import annotations

from sqlalchemy import select

from garagebot.core.actor import Actor
from garagebot.core.dispatch import DomainEvent, Subscribers
from garagebot.core.enums import JobCardStatus, StepStatus
from garagebot.core.ids import OrgId
from garagebot.core.models import JobCard, OutboxRow, TimeLog
from garagebot.core.repair.sessions import cancel_session
from garagebot.core.uow import Database
from garagebot.core.work.subscribers import on_session_status_changed, register
from garagebot.core.work.timers import start_step
from tests.conftest import Staff
from tests.core.work.helpers import get_step, make_card, simple_steps


async def _deliver(db: Database, org: OrgId, topic: str) -> int:
    """Hand the garage's pending events of ``topic`` to the handler, as the dispatcher does."""
    async with db.read() as s:
        rows = (await s.scalars(select(OutboxRow).where(
            OutboxRow.organization_id == org, OutboxRow.topic == topic).order_by(OutboxRow.id))).all()
    for row in rows:
        event = DomainEvent(row.id, org, row.topic, row.payload, row.created_at)
        async with db.unit_of_work(Actor.system(org)) as uow:
            await on_session_status_changed(uow, event)
    return len(rows)


async def test_cancelling_a_session_rejects_its_open_job_cards(db: Database, staff: Staff) -> None:
    card = await make_card(db, staff.lead, simple_steps(2))
    async with db.unit_of_work(staff.tech) as uow:
        await start_step(uow, card.step_ids[0])
    async with db.unit_of_work(staff.advisor) as uow:
        await cancel_session(uow, card.session_id, reason="Client took the car")
    # Every status change is delivered (IN_PROGRESS earlier, then CANCELLED);
    # only the cancellation acts, and delivering it twice changes nothing more.
    assert await _deliver(db, staff.org, "session.status_changed") == 2
    await _deliver(db, staff.org, "session.status_changed")
    async with db.read() as s:
        job = await s.get(JobCard, card.job_card_id)
        running = (await s.scalars(select(TimeLog).where(TimeLog.ended_at.is_(None),
                                                         TimeLog.step_id.in_(card.step_ids)))).all()
    assert job is not None
    assert job.status == JobCardStatus.REJECTED
    assert job.review_note is not None
    assert job.review_note.endswith("cancelled: Client took the car")
    assert [(await get_step(db, i)).status for i in card.step_ids] == [StepStatus.SKIPPED] * 2
    assert running == []


def test_the_handler_is_registered_for_session_status_changes() -> None:
    subscribers = Subscribers()
    register(subscribers)
    assert subscribers.handlers_for("session.status_changed") == (on_session_status_changed,)

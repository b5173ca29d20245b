"""What the work module does when other parts of the garage change: a
cancelled session drops its open jobs (their steps are skipped, timers
stopped, exceptions closed), so nobody keeps working on a car that is gone;
a decided quote takes the declined and deferred work off the floor
(``withdraw``).

The composition root registers these with ``register(subscribers)``.
"""

from __future__ import annotations

from sqlalchemy import select

from garagebot.core.dispatch.registry import DomainEvent, Subscribers
from garagebot.core.enums import SessionStatus
from garagebot.core.ids import JobCardId
from garagebot.core.models import JobCard
from garagebot.core.uow import UnitOfWork
from garagebot.core.work.jobcards import reject_job_card
from garagebot.core.work.machines import CLOSED_JOB_CARD_STATUSES
from garagebot.core.work.withdraw import withdraw_unapproved_work


async def on_session_status_changed(uow: UnitOfWork, event: DomainEvent) -> None:
    """On ``session.status_changed`` to CANCELLED: reject the session's open job
    cards with the cancellation note as the reason. Runs again harmlessly (an
    already rejected card is left alone)."""
    if event.payload.get("to") != SessionStatus.CANCELLED.value:
        return
    session_id = int(str(event.payload["session_id"]))
    note = str(event.payload.get("note") or "").strip()
    reason = f"session {event.payload.get('number')} cancelled" + (f": {note}" if note else "")
    open_cards = (await uow.session.execute(
        select(JobCard.id).where(
            JobCard.organization_id == uow.org_id, JobCard.session_id == session_id,
            JobCard.status.not_in([s.value for s in CLOSED_JOB_CARD_STATUSES]),
        ).order_by(JobCard.id)
    )).scalars().all()
    for card_id in open_cards:
        await reject_job_card(uow, JobCardId(card_id), reason)


async def on_quote_decided(uow: UnitOfWork, event: DomainEvent) -> None:
    """On ``billing.quote_decided``: the declined and deferred work leaves the floor."""
    quote_id = event.payload.get("quote_id")
    if isinstance(quote_id, int):
        await withdraw_unapproved_work(uow, quote_id)


def register(subscribers: Subscribers) -> None:
    """Subscribe the work module's handlers."""
    subscribers.subscribe("session.status_changed", on_session_status_changed)
    subscribers.subscribe("billing.quote_decided", on_quote_decided)



"""Work the client did not approve leaves the floor.

When the client has decided a quote, every line they declined or put off
("later") takes its work off the floor: a step line's step is skipped, a
job card line's open steps are skipped (the whole card is rejected when none
of it was done), each with the reason and an audit entry, running timers
stop, and the technicians who held those steps are told on Telegram.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select

from garagebot.core.billing.enums import LineDecision
from garagebot.core.enums import StepStatus
from garagebot.core.errors import NotFound
from garagebot.core.ids import JobCardId
from garagebot.core.models import JobCard, Quote, QuoteLine, RepairSession, Step
from garagebot.core.notify.staff import ParamsFor, localized, open_choice, people_by_id, tell
from garagebot.core.uow import UnitOfWork
from garagebot.core.work import lifecycle
from garagebot.core.work.exceptions import close_open_exceptions
from garagebot.core.work.jobcards import reject_job_card
from garagebot.core.work.machines import CLOSED_JOB_CARD_STATUSES, OPEN_STEP_STATUSES, StepEvent

WITHDRAWN = (LineDecision.DECLINED.value, LineDecision.DEFERRED.value)
REASONS = {LineDecision.DECLINED.value: "declined by the client",
           LineDecision.DEFERRED.value: "put off by the client"}


async def withdraw_unapproved_work(uow: UnitOfWork, quote_id: int) -> list[int]:
    """Take the quote's declined and deferred work off the floor; the ids of the steps withdrawn."""
    try:
        quote = await uow.get(Quote, quote_id)
    except NotFound:
        return []
    lines = (await uow.session.scalars(select(QuoteLine).where(
        QuoteLine.organization_id == uow.org_id, QuoteLine.quote_id == quote.id,
        QuoteLine.decision.in_(WITHDRAWN),
    ).order_by(QuoteLine.id))).all()
    withdrawn: dict[int, tuple[Step, str]] = {}
    for line in lines:
        reason = REASONS[line.decision]
        if line.step_id is not None:
            step = await uow.get(Step, line.step_id, lock=True)
            withdrawn.update(await _steps(uow, [step], reason))
        elif line.job_card_id is not None:
            withdrawn.update(await _card(uow, line.job_card_id, reason))
    await _tell(uow, quote.session_id, withdrawn)
    return sorted(withdrawn)


async def _steps(uow: UnitOfWork, steps: list[Step], reason: str) -> dict[int, tuple[Step, str]]:
    out: dict[int, tuple[Step, str]] = {}
    for step in steps:
        if StepStatus(step.status) not in OPEN_STEP_STATUSES:
            continue
        card = await uow.get(JobCard, step.job_card_id, lock=True)
        if step.status == StepStatus.FAILED.value:
            await close_open_exceptions(uow, [step.id], reason)
        await lifecycle.stop_step_timers(uow, step.id)
        await lifecycle.move_step(uow, step, StepEvent.CANCEL, {"reason": reason, "withdrawn": True})
        await lifecycle.announce_if_ready_for_review(uow, card)
        out[step.id] = (step, reason)
    return out


async def _card(uow: UnitOfWork, card_id: int, reason: str) -> dict[int, tuple[Step, str]]:
    """A job card's labour line covers its steps without a price of their own:
    those are withdrawn; the card is rejected when nothing else of it is left."""
    card = await uow.get(JobCard, card_id)
    steps = await lifecycle.card_steps(uow, card_id, lock=True)
    if card.status in {s.value for s in CLOSED_JOB_CARD_STATUSES}:
        return {}
    covered = [s for s in steps if s.flat_price is None]
    others_open = [s for s in steps
                   if s.flat_price is not None and StepStatus(s.status) in OPEN_STEP_STATUSES]
    if others_open or any(s.status == StepStatus.DONE.value for s in steps):
        return await _steps(uow, covered, reason)
    open_steps = {s.id: (s, reason) for s in covered if StepStatus(s.status) in OPEN_STEP_STATUSES}
    await reject_job_card(uow, JobCardId(card.id), reason)
    return open_steps


async def _tell(uow: UnitOfWork, session_id: int, withdrawn: Mapping[int, tuple[Step, str]]) -> None:
    rs = await uow.get(RepairSession, session_id)
    for step, reason in withdrawn.values():
        if step.assignee_id is None:
            continue
        why = "floor.why_declined" if reason == REASONS[LineDecision.DECLINED.value] else "floor.why_deferred"
        await tell(uow, await people_by_id(uow, [step.assignee_id]), "floor.told_withdrawn",
                   _withdrawn_params(step, rs.number, why), open_choice("jobs"), urgent=True)


def _withdrawn_params(step: Step, number: str, why: str) -> ParamsFor:
    def params(locale: str) -> Mapping[str, object]:
        return {"step": localized(locale, step.name_en, step.name_ar), "number": number, "@why": why}

    return params

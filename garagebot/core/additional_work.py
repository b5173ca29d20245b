"""Additional work found on the floor: a technician reports it from a step,
and it becomes a labour line on the session's DRAFT quote for the advisor to
check, price and send (the technician cannot send quotes).

When the session has no draft, one is built from the session as
``create_quote`` builds it (job cards, parts, default fees) with the new line
added, so the advisor sends one complete version.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from garagebot.core.billing import quotes
from garagebot.core.billing.enums import DEFAULT_TAX_CATEGORY, LineKind, QuoteStatus
from garagebot.core.billing.pricing import LineInput
from garagebot.core.billing.settings import BillingSettings, load_settings
from garagebot.core.billing.sources import estimated_lines
from garagebot.core.errors import InvalidInput
from garagebot.core.ids import QuoteLineId, StepId
from garagebot.core.models import Quote, QuoteLine, RepairSession, Step
from garagebot.core.money import Money
from garagebot.core.normalize import clean_text
from garagebot.core.uow import UnitOfWork
from garagebot.core.work import lifecycle

MAX_DESCRIPTION = 300
MIN_MINUTES, MAX_MINUTES = 5, 24 * 60


def _checked(description: str, minutes: int) -> str:
    text = clean_text(description)
    if not text or len(text) > MAX_DESCRIPTION:
        raise InvalidInput("error.additional_work_description", max=MAX_DESCRIPTION)
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise InvalidInput("error.additional_work_minutes", min=MIN_MINUTES, max=MAX_MINUTES)
    return text


async def _draft_with(uow: UnitOfWork, rs: RepairSession, settings: BillingSettings,
                      line: LineInput) -> Quote:
    """The session's draft with ``line`` added (a new draft from the session if none)."""
    draft_id = (await uow.session.execute(select(Quote.id).where(
        Quote.organization_id == uow.org_id, Quote.session_id == rs.id,
        Quote.status == QuoteStatus.DRAFT.value,
    ))).scalar()
    if draft_id is not None:
        quote = await quotes.draft(uow, draft_id)
        await quotes.reprice(uow, quote, settings, [line])
        return quote
    quote = await quotes._new_version(uow, rs, settings, Money.zero(settings.currency).amount)
    open_lines = quotes.still_open(await estimated_lines(uow, rs.id, settings),
                                  await quotes.decided_sources(uow, rs.id))
    await quotes.reprice(uow, quote, settings, [*open_lines, line])
    await uow.audit("quote", quote.id, "create", after={"session_id": rs.id, "version": quote.version})
    return quote


async def report_additional_work(
    uow: UnitOfWork, step_id: StepId, description: str, minutes: int = 60
) -> QuoteLineId:
    """Add "``description``, ``minutes`` of labour at the garage's rate" to the
    session's draft quote, linked to the step; the session's advisor is told
    (event ``quote.additional_work_reported``). Only the step's worker or a lead."""
    await lifecycle.require_floor_user(uow)
    step = await uow.get(Step, step_id)
    await lifecycle.require_worker(uow, step)
    text = _checked(description, minutes)
    rs = await uow.get(RepairSession, step.session_id, lock=True)
    settings = await load_settings(uow)
    hours = (Decimal(minutes) / Decimal(60)).quantize(Decimal("0.001"))
    line = LineInput(
        kind=LineKind.LABOUR, tax_category=DEFAULT_TAX_CATEGORY[LineKind.LABOUR], description_en=text,
        description_ar=text, quantity=hours, unit_price=settings.labour_rate,
        line_discount=Money.zero(settings.currency), job_card_id=step.job_card_id, step_id=step.id,
    )
    quote = await _draft_with(uow, rs, settings, line)
    row = (await uow.session.execute(
        select(QuoteLine).where(QuoteLine.organization_id == uow.org_id, QuoteLine.quote_id == quote.id)
        .order_by(QuoteLine.id.desc()).limit(1)
    )).scalar_one()
    await uow.audit("quote", quote.id, "additional_work", after={
        "line_id": row.id, "step": step.id, "description": text, "minutes": minutes})
    uow.emit("quote.additional_work_reported", {
        "quote_id": quote.id, "line_id": row.id, "session_id": rs.id, "step_id": step.id,
        "advisor_id": rs.advisor_id, "description": text, "audience": "advisor",
    })
    return QuoteLineId(row.id)

"""Where quote and invoice lines come from: a session's job cards (labour),
its parts (reservations at their unit price), the garage's default fees; and,
for garages that bill actual, logged time and consumed parts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select

from garagebot.core.billing.enums import DEFAULT_TAX_CATEGORY, LineKind
from garagebot.core.billing.pricing import LineInput
from garagebot.core.billing.settings import BillingSettings
from garagebot.core.enums import JobCardStatus, StepStatus
from garagebot.core.inventory.states import ReservationStatus
from garagebot.core.models import InventoryItem, JobCard, Reservation, Step, TimeLog
from garagebot.core.money import Money
from garagebot.core.uow import UnitOfWork

HOURS = Decimal("0.01")


def hours(minutes: Decimal) -> Decimal:
    """Billable hours, to the hundredth (half-up): 50 minutes → 0.83 h."""
    return (minutes / 60).quantize(HOURS, ROUND_HALF_UP)


def _line(kind: LineKind, en: str, ar: str, qty: Decimal, price: Money, **refs: int | None) -> LineInput:
    return LineInput(
        kind=kind, tax_category=DEFAULT_TAX_CATEGORY[kind], description_en=en, description_ar=ar,
        quantity=qty, unit_price=price, line_discount=Money.zero(price.currency), **refs,
    )


async def _cards_and_steps(uow: UnitOfWork, session_id: int) -> list[tuple[JobCard, list[Step]]]:
    cards = (
        await uow.session.scalars(
            select(JobCard)
            .where(JobCard.organization_id == uow.org_id, JobCard.session_id == session_id,
                   JobCard.status != JobCardStatus.REJECTED.value)
            .order_by(JobCard.position, JobCard.id)
        )
    ).all()
    steps = (
        await uow.session.scalars(
            select(Step)
            .where(Step.organization_id == uow.org_id, Step.session_id == session_id,
                   Step.status != StepStatus.SKIPPED.value)
            .order_by(Step.position, Step.id)
        )
    ).all()
    by_card: dict[int, list[Step]] = defaultdict(list)
    for step in steps:
        by_card[step.job_card_id].append(step)
    return [(card, by_card[card.id]) for card in cards]


def _labour(
    cards: Sequence[tuple[JobCard, list[Step]]],
    settings: BillingSettings,
    minutes: Callable[[Step], Decimal],
    flat_billable: Callable[[Step], bool],
) -> list[LineInput]:
    """Per job card: one line of hours × the labour rate for its unpriced steps,
    and one line per step that has a flat price."""
    lines: list[LineInput] = []
    for card, steps in cards:
        timed = hours(sum((minutes(s) for s in steps if s.flat_price is None), Decimal(0)))
        if timed > 0:
            lines.append(_line(LineKind.LABOUR, card.title_en, card.title_ar, timed, settings.labour_rate,
                               job_card_id=card.id))
        for s in steps:
            if s.flat_price is not None and flat_billable(s):
                lines.append(_line(
                    LineKind.LABOUR, f"{card.title_en}: {s.name_en}", f"{card.title_ar}: {s.name_ar}",
                    Decimal(1), Money(s.flat_price, settings.currency), job_card_id=card.id, step_id=s.id,
                ))
    return lines


async def _parts(uow: UnitOfWork, session_id: int, settings: BillingSettings,
                 statuses: Sequence[ReservationStatus]) -> list[LineInput]:
    rows = (
        await uow.session.execute(
            select(Reservation, InventoryItem)
            .join(InventoryItem, InventoryItem.id == Reservation.item_id)
            .where(Reservation.organization_id == uow.org_id, Reservation.session_id == session_id,
                   Reservation.status.in_([s.value for s in statuses]))
            .order_by(Reservation.id)
        )
    ).all()
    return [
        _line(LineKind.PART, item.name_en, item.name_ar, Decimal(res.quantity),
              Money(res.unit_price, settings.currency), job_card_id=res.job_card_id, reservation_id=res.id)
        for res, item in rows
    ]


def _fees(settings: BillingSettings) -> list[LineInput]:
    return [
        _line(f.kind, f.name_en, f.name_ar, Decimal(1), Money(f.amount, settings.currency))
        for f in settings.fees
    ]


async def estimated_lines(uow: UnitOfWork, session_id: int, settings: BillingSettings) -> list[LineInput]:
    """A quote's lines: estimated labour, the session's parts (not returned), default fees."""
    cards = await _cards_and_steps(uow, session_id)
    labour = _labour(cards, settings, lambda s: Decimal(s.estimated_minutes), lambda s: True)
    parts = await _parts(
        uow, session_id, settings,
        (ReservationStatus.RESERVED, ReservationStatus.PICKED, ReservationStatus.CONSUMED),
    )
    return labour + parts + _fees(settings)


async def actual_lines(uow: UnitOfWork, session_id: int, settings: BillingSettings) -> list[LineInput]:
    """An invoice's lines when the garage bills actual: logged time on the
    session's steps (flat-priced steps when done) and the consumed parts."""
    cards = await _cards_and_steps(uow, session_id)
    logs = (
        await uow.session.execute(
            select(TimeLog.step_id, TimeLog.started_at, TimeLog.ended_at)
            .join(Step, Step.id == TimeLog.step_id)
            .where(TimeLog.organization_id == uow.org_id, Step.session_id == session_id,
                   TimeLog.ended_at.is_not(None))
        )
    ).all()
    worked: dict[int, Decimal] = defaultdict(Decimal)
    for step_id, started, ended in logs:
        worked[int(step_id)] += Decimal(int((ended - started).total_seconds())) / 60
    labour = _labour(cards, settings, lambda s: worked[s.id], lambda s: s.status == StepStatus.DONE.value)
    parts = await _parts(uow, session_id, settings, (ReservationStatus.CONSUMED,))
    return labour + parts

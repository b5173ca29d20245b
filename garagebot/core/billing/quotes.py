"""Drafting quotes: build a version from the session, edit a draft, discounts.

Only a DRAFT version is edited. A sent (or decided) version is never changed:
``revise_quote`` copies what is still undecided into version + 1, and a
version built after a decision leaves out the work the client already
decided (approved work is never asked again). Every edit reprices the whole
draft and re-checks its discount against the author's limit; a discount
above the limit waits for a manager (Permission.APPROVE_DISCOUNT) and the
draft cannot be sent until then.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from garagebot.core.billing.documents import (
    acting_user_id,
    line_input,
    stored_priced,
    totals_snapshot,
    write_line,
    write_totals,
)
from garagebot.core.billing.enums import (
    DEFAULT_TAX_CATEGORY,
    DiscountStatus,
    LineDecision,
    LineKind,
    QuoteStatus,
    TaxCategory,
)
from garagebot.core.billing.notices import tell_author
from garagebot.core.billing.pricing import LineInput, Totals, discount_percent, price_lines
from garagebot.core.billing.settings import BillingSettings, load_settings
from garagebot.core.billing.sources import estimated_lines
from garagebot.core.billing.states import DECIDED
from garagebot.core.enums import ActorKind, Role
from garagebot.core.errors import Conflict, InvalidInput, InvalidTransition
from garagebot.core.ids import QuoteId, QuoteLineId, SessionId
from garagebot.core.models import Quote, QuoteLine, RepairSession, Reservation
from garagebot.core.money import Money, parse_amount, parse_decimal
from garagebot.core.normalize import clean_text
from garagebot.core.permissions import Permission, allowed
from garagebot.core.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class NewLine:
    """A line typed by staff (a fee, a surcharge, extra labour …). Amounts as typed."""

    kind: LineKind
    description_en: str
    description_ar: str
    quantity: str | Decimal
    unit_price: str | Decimal
    line_discount: str | Decimal = "0"
    tax_category: TaxCategory | None = None
    reservation_id: int | None = None  # a part reserved for the quote's session


async def _lines(uow: UnitOfWork, quote_id: int) -> list[QuoteLine]:
    return list(
        (await uow.session.scalars(
            select(QuoteLine)
            .where(QuoteLine.organization_id == uow.org_id, QuoteLine.quote_id == quote_id)
            .order_by(QuoteLine.position, QuoteLine.id)
        )).all()
    )


async def draft(uow: UnitOfWork, quote_id: int) -> Quote:
    """The quote, locked, refused unless it is a DRAFT (sent versions never change)."""
    quote = await uow.get(Quote, quote_id, lock=True)
    if quote.status != QuoteStatus.DRAFT.value:
        raise InvalidTransition("error.quote_not_editable", quote=quote.id, status=quote.status)
    return quote


async def _review_discount(uow: UnitOfWork, quote: Quote, totals: Totals, settings: BillingSettings) -> None:
    """Set the draft's discount status for the actor who just changed it."""
    before = quote.discount_status
    if totals.discount_total.is_zero():
        quote.discount_status = DiscountStatus.NONE.value
        return
    if uow.actor.kind is ActorKind.SYSTEM:
        quote.discount_status = DiscountStatus.APPROVED.value
        return
    role = Role((await uow.user()).role)
    if allowed(role, Permission.APPROVE_DISCOUNT):
        quote.discount_status = DiscountStatus.APPROVED.value
        quote.discount_approved_by_id, quote.discount_approved_at = acting_user_id(uow), uow.now
    elif discount_percent(totals) <= settings.discount_limit(role):
        quote.discount_status = DiscountStatus.NONE.value
    else:
        quote.discount_status = DiscountStatus.PENDING.value
        if before != DiscountStatus.PENDING.value:
            percent = discount_percent(totals).quantize(Decimal("0.01"))
            uow.emit("billing.discount_approval_requested", {
                "quote_id": quote.id, "session_id": quote.session_id,
                "discount": totals.discount_total.amount, "percent": percent,
            })


async def reprice(uow: UnitOfWork, quote: Quote, settings: BillingSettings,
                  extra: list[LineInput] | None = None) -> Totals:
    """Price every line of the draft (plus ``extra`` new ones) and store the result."""
    rows = await _lines(uow, quote.id)
    inputs = [line_input(r, quote.currency) for r in rows] + list(extra or [])
    priced, totals = price_lines(inputs, Money(quote.quote_discount, quote.currency), settings.tax_rate,
                                 quote.currency)
    fresh = [QuoteLine(organization_id=uow.org_id, quote_id=quote.id, decision=LineDecision.PENDING.value)
             for _ in extra or []]
    for position, (row, p) in enumerate(zip(rows + fresh, priced, strict=True), start=1):
        write_line(row, position, p)
    uow.session.add_all(fresh)
    await uow.session.flush()
    for row in fresh:
        row.origin_line_id = row.id  # a new line starts its own follow-up history
    write_totals(quote, totals)
    await _review_discount(uow, quote, totals, settings)
    return totals


async def _new_version(uow: UnitOfWork, session: RepairSession, settings: BillingSettings,
                       discount: Decimal) -> Quote:
    if (await uow.session.execute(select(Quote.id).where(
        Quote.organization_id == uow.org_id, Quote.session_id == session.id,
        Quote.status == QuoteStatus.DRAFT.value,
    ))).first():
        raise Conflict("error.quote_draft_exists", session=session.number)
    latest = (await uow.session.execute(select(func.max(Quote.version)).where(
        Quote.organization_id == uow.org_id, Quote.session_id == session.id,
    ))).scalar_one()
    zero = Money.zero(settings.currency).amount
    quote = Quote(
        organization_id=uow.org_id, session_id=session.id, version=int(latest or 0) + 1,
        status=QuoteStatus.DRAFT.value, currency=settings.currency, quote_discount=discount,
        discount_status=DiscountStatus.NONE.value, subtotal=zero, discount_total=zero, net_total=zero,
        tax_total=zero, total=zero, created_by_id=acting_user_id(uow), created_at=uow.now,
    )
    uow.session.add(quote)
    await uow.session.flush()
    return quote


# What a line sells: (kind, job card, step, part reservation).
SourceKey = tuple[str, int | None, int | None, int | None]


def _source_key(row: QuoteLine) -> SourceKey | None:
    if row.job_card_id is None and row.step_id is None and row.reservation_id is None:
        return None
    return (row.kind, row.job_card_id, row.step_id, row.reservation_id)


async def _carry_origins(uow: UnitOfWork, quote: Quote) -> None:
    """A rebuilt version's lines continue the previous version's lines that
    came from the same job card, step or part (follow-up history)."""
    if quote.version == 1:
        return
    previous = (await uow.session.execute(select(Quote.id).where(
        Quote.organization_id == uow.org_id, Quote.session_id == quote.session_id,
        Quote.version == quote.version - 1,
    ))).scalar_one()
    origins = {_source_key(r): r.origin_line_id or r.id for r in await _lines(uow, previous)}
    for row in await _lines(uow, quote.id):
        key = _source_key(row)
        if key is not None and key in origins:
            row.origin_line_id = origins[key]


async def decided_sources(uow: UnitOfWork, session_id: int) -> set[SourceKey] | None:
    """The sources (job card, step, part) of lines the client already decided
    (approved or declined) on any version of the session; None when no
    version was decided yet."""
    rows = (await uow.session.execute(
        select(QuoteLine.kind, QuoteLine.job_card_id, QuoteLine.step_id, QuoteLine.reservation_id,
               QuoteLine.decision)
        .join(Quote, Quote.id == QuoteLine.quote_id)
        .where(Quote.organization_id == uow.org_id, Quote.session_id == session_id,
               Quote.status.in_([s.value for s in DECIDED]))
    )).all()
    if not rows:
        return None
    settled = (LineDecision.APPROVED.value, LineDecision.DECLINED.value)
    return {(r.kind, r.job_card_id, r.step_id, r.reservation_id) for r in rows if r.decision in settled}


def still_open(inputs: list[LineInput], decided: set[SourceKey] | None) -> list[LineInput]:
    """``inputs`` less the work already decided (after a decision, lines with
    no source, like the default fees, were asked already)."""
    if decided is None:
        return inputs
    return [i for i in inputs if (i.job_card_id, i.step_id, i.reservation_id) != (None, None, None)
            and (i.kind.value, i.job_card_id, i.step_id, i.reservation_id) not in decided]


async def create_quote(uow: UnitOfWork, session_id: SessionId) -> QuoteId:
    """A new DRAFT version built from the session: labour from its job cards,
    its parts, the garage's default fees. One draft per session at a time.
    After the client decided a version, only work not yet decided is quoted."""
    await uow.require(Permission.MANAGE_BILLING)
    session = await uow.get(RepairSession, session_id, lock=True)
    settings = await load_settings(uow)
    quote = await _new_version(uow, session, settings, Money.zero(settings.currency).amount)
    decided = await decided_sources(uow, session.id)
    lines = still_open(await estimated_lines(uow, session.id, settings), decided)
    await reprice(uow, quote, settings, lines)
    await _carry_origins(uow, quote)
    await uow.audit("quote", quote.id, "create", after={
        "session_id": session.id, "version": quote.version, **totals_snapshot(quote)})
    return QuoteId(quote.id)


async def revise_quote(uow: UnitOfWork, quote_id: QuoteId) -> QuoteId:
    """Version + 1 of a sent or decided quote, as a DRAFT to edit, with the
    same discount and the lines still to decide: pending and deferred ones
    (approved and declined work is not asked again). Only the latest version
    is revised."""
    await uow.require(Permission.MANAGE_BILLING)
    source = await uow.get(Quote, quote_id)
    session = await uow.get(RepairSession, source.session_id, lock=True)
    settings = await load_settings(uow)
    quote = await _new_version(uow, session, settings, source.quote_discount)
    if quote.version != source.version + 1:
        raise Conflict("error.quote_not_latest", quote=source.id, version=source.version)
    carried = (LineDecision.PENDING.value, LineDecision.DEFERRED.value)
    for row in [r for r in await _lines(uow, source.id) if r.decision in carried]:
        copy = QuoteLine(organization_id=uow.org_id, quote_id=quote.id, decision=LineDecision.PENDING.value,
                         origin_line_id=row.origin_line_id or row.id)
        write_line(copy, row.position, stored_priced(row, quote.currency))
        uow.session.add(copy)
    await uow.session.flush()
    await reprice(uow, quote, settings)
    await uow.audit("quote", quote.id, "revise", after={
        "from_quote_id": source.id, "version": quote.version, **totals_snapshot(quote)})
    return QuoteId(quote.id)


def _new_input(line: NewLine, currency: str) -> LineInput:
    en, ar = clean_text(line.description_en)[:300], clean_text(line.description_ar)[:300]
    if not en or not ar:
        raise InvalidInput("error.line_description_required")
    return LineInput(
        kind=line.kind, tax_category=line.tax_category or DEFAULT_TAX_CATEGORY[line.kind],
        description_en=en, description_ar=ar,
        quantity=parse_decimal(line.quantity, 3, allow_zero=False, field="quantity"),
        unit_price=parse_amount(line.unit_price, currency, field="unit_price"),
        line_discount=parse_amount(line.line_discount, currency, field="line_discount"),
        reservation_id=line.reservation_id,
    )


async def add_quote_line(uow: UnitOfWork, quote_id: QuoteId, line: NewLine) -> QuoteLineId:
    """Add a typed line (fee, surcharge, extra labour or part) to a draft."""
    await uow.require(Permission.MANAGE_BILLING)
    quote = await draft(uow, quote_id)
    if line.reservation_id is not None \
            and (await uow.get(Reservation, line.reservation_id)).session_id != quote.session_id:
        raise InvalidInput("error.reservation_not_of_session")
    settings = await load_settings(uow)
    new = _new_input(line, quote.currency)
    await reprice(uow, quote, settings, [new])
    row = (await _lines(uow, quote.id))[-1]
    await uow.audit("quote", quote.id, "add_line", after={
        "line_id": row.id, "kind": new.kind, "description_en": new.description_en,
        "quantity": new.quantity, "unit_price": new.unit_price.amount,
        "line_discount": new.line_discount.amount, **totals_snapshot(quote)})
    return QuoteLineId(row.id)


async def _draft_line(uow: UnitOfWork, line_id: QuoteLineId) -> tuple[Quote, QuoteLine]:
    row = await uow.get(QuoteLine, line_id)
    return await draft(uow, row.quote_id), row


async def change_quote_line(
    uow: UnitOfWork,
    line_id: QuoteLineId,
    *,
    quantity: str | Decimal | None = None,
    unit_price: str | Decimal | None = None,
    line_discount: str | Decimal | None = None,
) -> None:
    """Change a draft line's quantity, unit price or discount (as typed)."""
    await uow.require(Permission.MANAGE_BILLING)
    quote, row = await _draft_line(uow, line_id)
    before = {"quantity": row.quantity, "unit_price": row.unit_price, "line_discount": row.line_discount}
    if quantity is not None:
        row.quantity = parse_decimal(quantity, 3, allow_zero=False, field="quantity")
    if unit_price is not None:
        row.unit_price = parse_amount(unit_price, quote.currency, field="unit_price").amount
    if line_discount is not None:
        row.line_discount = parse_amount(line_discount, quote.currency, field="line_discount").amount
    await reprice(uow, quote, await load_settings(uow))
    await uow.audit("quote_line", row.id, "change", before=before, after={
        "quantity": row.quantity, "unit_price": row.unit_price, "line_discount": row.line_discount,
        "quote_total": quote.total})


async def remove_quote_line(uow: UnitOfWork, line_id: QuoteLineId) -> None:
    """Take a line off a draft."""
    await uow.require(Permission.MANAGE_BILLING)
    quote, row = await _draft_line(uow, line_id)
    before = {"description_en": row.description_en, "total": row.total}
    await uow.session.delete(row)
    await uow.session.flush()
    await reprice(uow, quote, await load_settings(uow))
    await uow.audit("quote_line", line_id, "remove", before=before, after={"quote_total": quote.total})


async def set_quote_discount(uow: UnitOfWork, quote_id: QuoteId, amount: str | Decimal) -> None:
    """Discount the whole draft by ``amount`` (spread over its lines)."""
    await uow.require(Permission.MANAGE_BILLING)
    quote = await draft(uow, quote_id)
    before = {"quote_discount": quote.quote_discount, "total": quote.total}
    quote.quote_discount = parse_amount(amount, quote.currency, field="discount").amount
    await reprice(uow, quote, await load_settings(uow))
    await uow.audit("quote", quote.id, "discount", before=before, after={
        "quote_discount": quote.quote_discount, "discount_status": quote.discount_status,
        **totals_snapshot(quote)})


async def approve_quote_discount(uow: UnitOfWork, quote_id: QuoteId) -> str | None:
    """A manager approves a draft's discount that was above its author's limit;
    its author is told (the name of who was told is returned, None if nobody)."""
    await uow.require(Permission.APPROVE_DISCOUNT)
    quote = await draft(uow, quote_id)
    if quote.discount_status != DiscountStatus.PENDING.value:
        raise InvalidTransition("error.discount_not_pending", quote=quote.version)
    quote.discount_status = DiscountStatus.APPROVED.value
    quote.discount_approved_by_id, quote.discount_approved_at = acting_user_id(uow), uow.now
    await uow.audit("quote", quote.id, "approve_discount", before={"discount_status": "PENDING"},
                    after={"discount_status": quote.discount_status, "discount_total": quote.discount_total})
    uow.emit("billing.discount_approved", {"quote_id": quote.id, "session_id": quote.session_id})
    return await tell_author(uow, quote, "billing.discount_approved_notice", {
        "discount": Money(quote.discount_total, quote.currency),
        "total": Money(quote.total, quote.currency)})

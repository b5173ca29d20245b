"""A manager refusing a quote's discount that was above its author's limit:
the discounts come off the draft (document and line discounts), the draft is
repriced, and its author is told in the same unit of work. (Approving is
``quotes.approve_quote_discount``.)"""

from __future__ import annotations

from sqlalchemy import select

from garagebot.core.billing.enums import DiscountStatus
from garagebot.core.billing.notices import tell_author
from garagebot.core.billing.quotes import draft, reprice
from garagebot.core.billing.settings import load_settings
from garagebot.core.errors import InvalidInput, InvalidTransition
from garagebot.core.ids import QuoteId
from garagebot.core.models import QuoteLine
from garagebot.core.money import Money
from garagebot.core.normalize import clean_text
from garagebot.core.permissions import Permission
from garagebot.core.uow import UnitOfWork

MAX_REASON = 300


async def refuse_quote_discount(uow: UnitOfWork, quote_id: QuoteId, *, reason: str) -> str | None:
    """Refuse a PENDING discount (with a reason); returns who was told, or None."""
    await uow.require(Permission.APPROVE_DISCOUNT)
    why = clean_text(reason)[:MAX_REASON]
    if not why:
        raise InvalidInput("error.discount_refusal_reason_required")
    quote = await draft(uow, quote_id)
    if quote.discount_status != DiscountStatus.PENDING.value:
        raise InvalidTransition("error.discount_not_pending", quote=quote.version)
    before = {"quote_discount": quote.quote_discount, "discount_total": quote.discount_total}
    zero = Money.zero(quote.currency).amount
    quote.quote_discount = zero
    for line in (await uow.session.scalars(select(QuoteLine).where(
            QuoteLine.organization_id == uow.org_id, QuoteLine.quote_id == quote.id))).all():
        line.line_discount = zero
    await reprice(uow, quote, await load_settings(uow))
    quote.discount_status = DiscountStatus.NONE.value
    await uow.audit("quote", quote.id, "refuse_discount", before=before,
                    after={"reason": why, "discount_total": quote.discount_total, "total": quote.total})
    uow.emit("billing.discount_refused", {"quote_id": quote.id, "session_id": quote.session_id})
    return await tell_author(uow, quote, "billing.discount_refused_notice", {
        "reason": why, "total": Money(quote.total, quote.currency)})

"""A quote's way to the client and back: send, per-line decisions, expiry.

Sending freezes the version (its content hash is what the client approves
and signs) and moves the session to AWAITING_CLIENT_APPROVAL; the last
decision moves it on (IN_PROGRESS, or AWAITING_PARTS while parts are
missing; all declined: QA_CHECK, to check and hand back). The session only
moves when its state machine allows that move from where it is.

Decisions carry a key (the approval token, the provider's message id …):
the same key twice is a no-op, so a redelivered approval changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlalchemy import select, update

from garagebot.core.billing.documents import stored_priced, stored_totals
from garagebot.core.billing.enums import DiscountStatus, LineDecision, QuoteStatus
from garagebot.core.billing.pricing import content_hash
from garagebot.core.billing.quotes import draft
from garagebot.core.billing.settings import load_settings
from garagebot.core.billing.states import QUOTE_TRANSITIONS, check, decided_status
from garagebot.core.enums import ActorKind, Channel, SessionStatus
from garagebot.core.errors import Conflict, InvalidInput, InvalidTransition, PermissionDenied
from garagebot.core.ids import QuoteId, QuoteLineId
from garagebot.core.inventory.states import PartRequestStatus
from garagebot.core.models import PartRequest, Quote, QuoteDecision, QuoteLine, RepairSession
from garagebot.core.normalize import clean_text
from garagebot.core.permissions import Permission
from garagebot.core.repair.transitions import follow
from garagebot.core.uow import UnitOfWork


async def _lines(uow: UnitOfWork, quote_id: int) -> list[QuoteLine]:
    return list((await uow.session.scalars(
        select(QuoteLine).where(QuoteLine.organization_id == uow.org_id, QuoteLine.quote_id == quote_id)
        .order_by(QuoteLine.position, QuoteLine.id)
    )).all())


EXPIRY_DUE_TOPIC = "billing.quote_expiry_due"


async def send_quote(uow: UnitOfWork, quote_id: QuoteId, *, channel: Channel = Channel.WHATSAPP,
                     announce: bool = True) -> str:
    """Send a DRAFT version to the client; returns its content hash. Earlier
    versions still waiting for a decision are superseded. ``announce`` False:
    the client hears of it another way (an inspection report carries it)."""
    await uow.require(Permission.MANAGE_BILLING)
    quote = await draft(uow, quote_id)
    lines = await _lines(uow, quote.id)
    if not lines:
        raise InvalidInput("error.quote_empty", quote=quote.version)
    if quote.discount_status == DiscountStatus.PENDING.value:
        raise InvalidTransition("error.discount_awaiting_approval", quote=quote.version)
    check(QUOTE_TRANSITIONS, "quote", quote.status, QuoteStatus.SENT)
    rs = await uow.get(RepairSession, quote.session_id, lock=True)
    settings = await load_settings(uow)
    digest = content_hash(quote.id, quote.version, quote.currency,
                          [stored_priced(r, quote.currency) for r in lines], stored_totals(quote))
    await uow.session.execute(
        update(Quote)
        .where(Quote.organization_id == uow.org_id, Quote.session_id == rs.id,
               Quote.status == QuoteStatus.SENT.value, Quote.id != quote.id)
        .values(status=QuoteStatus.SUPERSEDED.value, superseded_by_id=quote.id)
        .execution_options(synchronize_session=False)
    )
    quote.status, quote.content_hash = QuoteStatus.SENT.value, digest
    quote.sent_at, quote.sent_channel = uow.now, channel.value
    quote.expires_at = uow.now + dt.timedelta(days=settings.quote_valid_days)
    await follow(uow, rs, SessionStatus.AWAITING_CLIENT_APPROVAL)
    # The client hears of it from the notification rules (core.notify), which
    # answer billing.quote_sent with the signed approval link.
    await uow.audit("quote", quote.id, "send", before={"status": QuoteStatus.DRAFT.value}, after={
        "status": quote.status, "content_hash": digest, "channel": channel, "expires_at": quote.expires_at})
    # Due when the quote lapses: the dispatcher runs it then (subscribers.register).
    uow.emit(EXPIRY_DUE_TOPIC, {"quote_id": quote.id}).available_at = quote.expires_at
    uow.emit("billing.quote_sent", {
        "quote_id": quote.id, "session_id": rs.id, "version": quote.version, "content_hash": digest,
        "total": quote.total, "currency": quote.currency, **({} if announce else {"announce": False}),
    })
    return digest


def _may_decide(uow: UnitOfWork, rs: RepairSession) -> None:
    """A client decides only on their own session's quote (staff were checked first)."""
    if uow.actor.kind is ActorKind.CLIENT and uow.actor.id != rs.client_id:
        raise PermissionDenied("error.not_your_quote")


async def decide_quote_lines(
    uow: UnitOfWork, quote_id: QuoteId, decisions: Mapping[QuoteLineId, LineDecision], *, key: str
) -> QuoteStatus:
    """Record approve / decline / defer for lines of a SENT quote, with who,
    through which channel and when. The same ``key`` again is a no-op. When
    no line is left pending, the quote becomes APPROVED, PARTIALLY_APPROVED
    or DECLINED and the session moves on. Returns the quote's status."""
    if uow.actor.kind is not ActorKind.CLIENT:
        await uow.require(Permission.MANAGE_BILLING)  # staff recording a decision (by phone)
    token = clean_text(key)
    if not token or len(token) > 128:
        raise InvalidInput("error.decision_key_required")
    quote = await uow.get(Quote, quote_id, lock=True)
    rs = await uow.get(RepairSession, quote.session_id, lock=True)
    _may_decide(uow, rs)
    seen = (await uow.session.execute(select(QuoteDecision.quote_id).where(
        QuoteDecision.organization_id == uow.org_id, QuoteDecision.decision_key == token,
    ).limit(1))).scalar_one_or_none()
    if seen is not None:
        if seen != quote.id:
            raise Conflict("error.decision_key_reused")
        return QuoteStatus(quote.status)
    if quote.status != QuoteStatus.SENT.value:
        raise InvalidTransition("error.quote_not_open_for_decision", quote=quote.id, status=quote.status)
    if quote.expires_at is not None and quote.expires_at <= uow.now:
        raise InvalidTransition("error.quote_expired", quote=quote.id)
    lines = {ln.id: ln for ln in await _lines(uow, quote.id)}
    _validate(decisions, lines)
    for line_id, decision in decisions.items():
        ln = lines[line_id]
        ln.decision, ln.decided_at = decision.value, uow.now
        ln.decided_by_kind, ln.decided_by_id = uow.actor.kind.value, uow.actor.id
        ln.decided_channel = uow.actor.channel.value
        uow.session.add(QuoteDecision(
            organization_id=uow.org_id, quote_id=quote.id, line_id=ln.id, decision=decision.value,
            decision_key=token, actor_kind=uow.actor.kind.value, actor_id=uow.actor.id,
            channel=uow.actor.channel.value, at=uow.now,
        ))
    await uow.audit("quote", quote.id, "decide", after={
        "key": token, "decisions": {str(k): v.value for k, v in decisions.items()}})
    final = decided_status([LineDecision(ln.decision) for ln in lines.values()])
    if final is not None:
        await _conclude(uow, quote, rs, final)
    elif uow.actor.kind is ActorKind.CLIENT:  # the advisor hears of a client's part answer too
        pending = sum(ln.decision == LineDecision.PENDING.value for ln in lines.values())
        uow.emit("billing.quote_partly_decided", {
            "quote_id": quote.id, "session_id": rs.id, "decided": len(decisions), "pending": pending})
    return QuoteStatus(quote.status)


def _validate(decisions: Mapping[QuoteLineId, LineDecision], lines: Mapping[int, QuoteLine]) -> None:
    if not decisions:
        raise InvalidInput("error.quote_no_decisions")
    for line_id, decision in decisions.items():
        if line_id not in lines:
            raise InvalidInput("error.line_not_in_quote", line=line_id)
        if LineDecision(decision) is LineDecision.PENDING:
            raise InvalidInput("error.quote_invalid_decision", line=line_id)
        if lines[line_id].decision != LineDecision.PENDING.value:
            raise InvalidTransition("error.line_already_decided", line=line_id,
                                    decision=lines[line_id].decision)


async def _conclude(uow: UnitOfWork, quote: Quote, rs: RepairSession, final: QuoteStatus) -> None:
    check(QUOTE_TRANSITIONS, "quote", quote.status, final)
    quote.status, quote.decided_at = final.value, uow.now
    if final is QuoteStatus.DECLINED:
        await follow(uow, rs, SessionStatus.QA_CHECK)
    else:
        waiting = (await uow.session.execute(select(PartRequest.id).where(
            PartRequest.organization_id == uow.org_id, PartRequest.session_id == rs.id,
            PartRequest.status == PartRequestStatus.OPEN.value,
        ).limit(1))).first()
        await follow(uow, rs, SessionStatus.AWAITING_PARTS if waiting else SessionStatus.IN_PROGRESS)
    await uow.audit("quote", quote.id, "decided", before={"status": QuoteStatus.SENT.value},
                    after={"status": final.value})
    uow.emit("billing.quote_decided", {
        "quote_id": quote.id, "session_id": rs.id, "status": final.value, "advisor_id": rs.advisor_id,
    })


async def decide_whole_quote(
    uow: UnitOfWork, quote_id: QuoteId, decision: LineDecision, *, key: str
) -> QuoteStatus:
    """The same decision for every line still pending (a client's "approve all")."""
    if uow.actor.kind is not ActorKind.CLIENT:
        await uow.require(Permission.MANAGE_BILLING)
    pending = (await uow.session.scalars(select(QuoteLine.id).where(
        QuoteLine.organization_id == uow.org_id, QuoteLine.quote_id == quote_id,
        QuoteLine.decision == LineDecision.PENDING.value,
    ))).all()
    # With nothing pending, a repeated key is still recognised as a no-op.
    return await decide_quote_lines(uow, quote_id, {QuoteLineId(i): decision for i in pending}, key=key)


async def expire_quotes(uow: UnitOfWork) -> list[QuoteId]:
    """Mark SENT quotes past their validity EXPIRED. Runs when a quote's
    expiry event falls due (``billing.subscribers``); harmless to run again."""
    await uow.require(Permission.MANAGE_BILLING)
    due = (await uow.session.scalars(select(Quote).where(
        Quote.organization_id == uow.org_id, Quote.status == QuoteStatus.SENT.value,
        Quote.expires_at <= uow.now,
    ).order_by(Quote.id).with_for_update())).all()
    for quote in due:
        check(QUOTE_TRANSITIONS, "quote", quote.status, QuoteStatus.EXPIRED)
        quote.status = QuoteStatus.EXPIRED.value
        await uow.audit("quote", quote.id, "expire", before={"status": QuoteStatus.SENT.value},
                        after={"status": quote.status})
        uow.emit("billing.quote_expired", {"quote_id": quote.id, "session_id": quote.session_id})
    return [QuoteId(q.id) for q in due]

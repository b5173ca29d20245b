"""Invoices: created from the approved quote lines (or, where the garage bills
actual, from consumed parts and logged labour), issued, voided.

Numbers INV-YYYY-NNNNNN are taken at creation from the garage's gapless
counter, inside the same transaction: an invoice that fails to be written
gives its number back. An invoice is never deleted; voiding keeps the number
and, for an issued invoice, a credit note CN-YYYY-NNNNNN reverses its totals.
"""

from __future__ import annotations

from sqlalchemy import select

from garagebot.core.billing.documents import (
    CREDIT_NOTE_PREFIX,
    INVOICE_PREFIX,
    acting_user_id,
    document_number,
    line_input,
    stored_priced,
    stored_totals,
    totals_snapshot,
    write_line,
    write_totals,
)
from garagebot.core.billing.enums import (
    AllocationCause,
    BillingMode,
    InvoiceStatus,
    LineDecision,
    LineKind,
    PayerKind,
    QuoteStatus,
)
from garagebot.core.billing.ledger import (
    Payer,
    Target,
    apply,
    credit_sources,
    lock_payer,
    payer_of,
    plan,
    set_credit,
)
from garagebot.core.billing.pricing import PricedLine, price_lines, totals_of
from garagebot.core.billing.settings import BillingSettings, load_settings
from garagebot.core.billing.sources import actual_lines
from garagebot.core.billing.states import INVOICE_TRANSITIONS, check
from garagebot.core.errors import Conflict, InvalidInput, InvalidTransition
from garagebot.core.ids import CreditNoteId, InvoiceId, SessionId
from garagebot.core.models import (
    Client,
    CreditNote,
    FleetSession,
    Invoice,
    InvoiceLine,
    Quote,
    QuoteLine,
    RepairSession,
)
from garagebot.core.money import Money, format_money
from garagebot.core.normalize import clean_text
from garagebot.core.notify.recipient import channel_to
from garagebot.core.permissions import Permission
from garagebot.core.uow import UnitOfWork


async def _decided_quote(uow: UnitOfWork, rs: RepairSession) -> Quote | None:
    """The session's latest approved (wholly or partly) quote version."""
    quotes = (await uow.session.scalars(
        select(Quote).where(Quote.organization_id == uow.org_id, Quote.session_id == rs.id)
        .order_by(Quote.version.desc())
    )).all()
    if any(q.status == QuoteStatus.SENT.value for q in quotes):
        raise Conflict("error.quote_awaiting_decision", session=rs.number)
    approved = (QuoteStatus.APPROVED.value, QuoteStatus.PARTIALLY_APPROVED.value)
    return next((q for q in quotes if q.status in approved), None)


async def _approved(uow: UnitOfWork, quote: Quote) -> list[QuoteLine]:
    """The approved lines of every decided version of the quote's session,
    oldest version first (a revision carries only what was still undecided,
    so each piece of approved work is on one version)."""
    approved = (QuoteStatus.APPROVED.value, QuoteStatus.PARTIALLY_APPROVED.value)
    return list((await uow.session.scalars(
        select(QuoteLine).join(Quote, Quote.id == QuoteLine.quote_id).where(
            QuoteLine.organization_id == uow.org_id, Quote.organization_id == uow.org_id,
            Quote.session_id == quote.session_id, Quote.status.in_(approved),
            QuoteLine.decision == LineDecision.APPROVED.value,
        ).order_by(Quote.version, QuoteLine.position, QuoteLine.id)
    )).all())


async def _lines_for(
    uow: UnitOfWork, rs: RepairSession, settings: BillingSettings
) -> tuple[Quote | None, list[tuple[PricedLine, int | None]]]:
    """The invoice's lines, each with the quote line it comes from."""
    quote = await _decided_quote(uow, rs)
    if settings.mode is BillingMode.QUOTED:
        if quote is None:
            raise InvalidTransition("error.no_approved_quote", session=rs.number)
        return quote, [(stored_priced(r, quote.currency), r.id) for r in await _approved(uow, quote)]
    # Billing actual: measured labour and consumed parts, plus the approved fees.
    fees = [r for r in (await _approved(uow, quote) if quote else [])
            if r.kind in (LineKind.FEE.value, LineKind.SURCHARGE.value)]
    inputs = await actual_lines(uow, rs.id, settings) + [line_input(r, settings.currency) for r in fees]
    priced, _ = price_lines(inputs, Money.zero(settings.currency), settings.tax_rate, settings.currency)
    refs = [None] * (len(priced) - len(fees)) + [r.id for r in fees]
    return quote, list(zip(priced, refs, strict=True))


async def payer_for_session(uow: UnitOfWork, rs: RepairSession) -> Payer:
    fleet = await uow.session.get(FleetSession, rs.id)
    if fleet is not None and fleet.organization_id == uow.org_id:
        return Payer(PayerKind.FLEET, fleet.account_id)
    return Payer(PayerKind.CLIENT, rs.client_id)


async def create_invoice(uow: UnitOfWork, session_id: SessionId) -> InvoiceId:
    """A DRAFT invoice for the session, numbered now. One live (not void)
    invoice per session; in "quoted" mode it needs an approved quote and no
    version still waiting for the client."""
    await uow.require(Permission.MANAGE_BILLING)
    rs = await uow.get(RepairSession, session_id, lock=True)
    live = (await uow.session.execute(select(Invoice.number).where(
        Invoice.organization_id == uow.org_id, Invoice.session_id == rs.id,
        Invoice.status != InvoiceStatus.VOID.value,
    ).limit(1))).scalar_one_or_none()
    if live is not None:
        raise Conflict("error.session_already_invoiced", session=rs.number, number=live)
    settings = await load_settings(uow)
    quote, lines = await _lines_for(uow, rs, settings)
    if not lines:
        raise InvalidInput("error.invoice_empty", session=rs.number)
    totals = totals_of([p for p, _ in lines], settings.currency)
    payer = await payer_for_session(uow, rs)
    # The payer's lock before the first audit entry (see ledger: lock order), so
    # that issuing in the same unit of work cannot deadlock with a payment.
    await lock_payer(uow, payer, Money.zero(settings.currency).amount)
    # The number last: the counter row stays locked until commit, so hold it briefly.
    number = await document_number(uow, INVOICE_PREFIX, settings)
    inv = Invoice(
        organization_id=uow.org_id, number=number, session_id=rs.id, client_id=rs.client_id,
        payer_kind=payer.kind.value, payer_id=payer.id, quote_id=quote.id if quote else None,
        billing_mode=settings.mode.value, status=InvoiceStatus.DRAFT.value, currency=settings.currency,
        paid_amount=Money.zero(settings.currency).amount, created_by_id=acting_user_id(uow),
        created_at=uow.now,
    )
    write_totals(inv, totals)
    uow.session.add(inv)
    await uow.session.flush()
    for position, (p, quote_line_id) in enumerate(lines, start=1):
        row = InvoiceLine(organization_id=uow.org_id, invoice_id=inv.id, quote_line_id=quote_line_id)
        write_line(row, position, p)
        uow.session.add(row)
    await uow.audit("invoice", inv.id, "create", after={
        "number": number, "session_id": rs.id, "payer": f"{payer.kind.value}:{payer.id}",
        "mode": settings.mode, "lines": len(lines), **totals_snapshot(inv)})
    uow.emit("billing.invoice_created", {"invoice_id": inv.id, "number": number, "session_id": rs.id})
    return InvoiceId(inv.id)


async def locked_invoice(uow: UnitOfWork, invoice_id: InvoiceId) -> tuple[Invoice, Payer, Money]:
    """The invoice, re-read after its payer's lock, and the payer's credit."""
    inv = await uow.get(Invoice, invoice_id)
    payer = payer_of(inv)
    credit = await lock_payer(uow, payer, Money.zero(inv.currency).amount)
    await uow.session.refresh(inv)
    return inv, payer, Money(credit, inv.currency)


async def notify_client(uow: UnitOfWork, inv: Invoice, key: str, params: dict[str, object]) -> bool:
    """Message the invoice's client (when the client pays it and agreed to messages)
    with its number, total and balance in the client's language (Money params
    are formatted for that language too). Whether a message was queued."""
    if inv.payer_kind != PayerKind.CLIENT.value:
        return False
    c = inv.currency
    return await message_client(uow, inv.client_id, key, {
        "number": inv.number, "total": Money(inv.total, c), "balance": Money(inv.total - inv.paid_amount, c),
        **params})


async def message_client(uow: UnitOfWork, client_id: int, key: str, params: dict[str, object]) -> bool:
    """Queue ``key`` to a client who agreed to messages, on their channel and
    in their language (Money params formatted for it); whether it was queued."""
    client = await uow.get(Client, client_id)
    if not client.messaging_consent:
        return False
    # The client's channel, as for the notification rules (core.notify.recipient).
    channel = await channel_to(uow, client.phone, key, client.locale)
    uow.send(channel, client.phone, client.locale, key,
             {k: format_money(v, client.locale) if isinstance(v, Money) else v for k, v in params.items()})
    return True


async def issue_invoice(uow: UnitOfWork, invoice_id: InvoiceId) -> InvoiceStatus:
    """Issue a DRAFT invoice. Deposits taken for its session are applied to it
    now (oldest first); a zero total is paid at once."""
    await uow.require(Permission.MANAGE_BILLING)
    inv, payer, credit = await locked_invoice(uow, invoice_id)
    check(INVOICE_TRANSITIONS, "invoice", inv.status, InvoiceStatus.ISSUED)
    inv.status, inv.issued_at = InvoiceStatus.ISSUED.value, uow.now
    if inv.total == 0:
        inv.status = InvoiceStatus.PAID.value
    await uow.session.flush()
    sources = await credit_sources(uow, payer, Money.zero(inv.currency).amount, session_id=inv.session_id)
    targets = [Target(inv.id, inv.total, inv.paid_amount)] if inv.total > 0 else []
    applied = await apply(uow, plan(sources, targets), sources, targets, AllocationCause.DEPOSIT, None)
    if applied:
        await set_credit(uow, payer, (credit - Money(applied, inv.currency)).storable())
        await uow.session.refresh(inv)
    # The client hears of it from the notification rules (core.notify), on billing.invoice_issued.
    await uow.audit("invoice", inv.id, "issue", before={"status": InvoiceStatus.DRAFT.value}, after={
        "status": inv.status, "deposits_applied": applied, "paid_amount": inv.paid_amount})
    uow.emit("billing.invoice_issued", {
        "invoice_id": inv.id, "number": inv.number, "session_id": inv.session_id, "total": inv.total,
        "paid_amount": inv.paid_amount, "payer_kind": inv.payer_kind, "payer_id": inv.payer_id,
    })
    return InvoiceStatus(inv.status)


async def void_invoice(uow: UnitOfWork, invoice_id: InvoiceId, *, reason: str) -> CreditNoteId | None:
    """Void a DRAFT or ISSUED invoice with no payment on it (reverse payments
    first). The number stays; an issued invoice gets a credit note that
    reverses its totals, whose id is returned."""
    await uow.require(Permission.MANAGE_BILLING)
    why = clean_text(reason)
    if not why:
        raise InvalidInput("error.void_reason_required")
    inv, _, _ = await locked_invoice(uow, invoice_id)
    if inv.paid_amount != 0:
        raise InvalidTransition("error.invoice_has_payments", number=inv.number)
    was = inv.status
    check(INVOICE_TRANSITIONS, "invoice", was, InvoiceStatus.VOID)
    note = None
    if was == InvoiceStatus.ISSUED.value:
        settings = await load_settings(uow)
        note = CreditNote(
            organization_id=uow.org_id, number=await document_number(uow, CREDIT_NOTE_PREFIX, settings),
            invoice_id=inv.id, reason=why, currency=inv.currency, created_by_id=acting_user_id(uow),
            created_at=uow.now,
        )
        write_totals(note, stored_totals(inv), sign=-1)
        uow.session.add(note)
        await uow.session.flush()
    inv.status, inv.voided_at, inv.void_reason = InvoiceStatus.VOID.value, uow.now, why
    await uow.audit("invoice", inv.id, "void", before={"status": was}, after={
        "status": inv.status, "reason": why, "credit_note": note.number if note else None})
    uow.emit("billing.invoice_voided", {
        "invoice_id": inv.id, "number": inv.number, "credit_note": note.number if note else None})
    return CreditNoteId(note.id) if note else None

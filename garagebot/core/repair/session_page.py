"""What the console's session page shows beyond ``queries.session_detail``:
every quote version with its lines, decisions and who signed it; the
invoices; and the messages sent to the client (with delivery status).
Read-only, scoped to one garage; a fixed number of statements."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.core.billing.views import InvoiceView, QuoteView, invoice_view, quote_view
from garagebot.core.enums import OutboxKind
from garagebot.core.ids import InvoiceId, MediaId, OrgId, QuoteId, SessionId
from garagebot.core.models import InboundEvent, Invoice, MediaFile, OutboxRow, Payment, Quote, QuoteApproval


@dataclass(frozen=True, slots=True)
class Signature:
    signer_name: str
    signed_at: dt.datetime
    media_id: MediaId


@dataclass(frozen=True, slots=True)
class QuoteWithSignature:
    quote: QuoteView
    signature: Signature | None


@dataclass(frozen=True, slots=True)
class SentMessage:
    """A message queued to the client: its key and parameters (rendered by the
    reader's catalog), channel, delivery status and times."""

    key: str
    params: dict[str, object]
    channel: str
    status: str
    created_at: dt.datetime
    sent_at: dt.datetime | None


async def session_quotes(session: AsyncSession, org_id: OrgId,
                         session_id: SessionId) -> list[QuoteWithSignature]:
    """Every quote version of the session, newest first, with its signature."""
    ids = (await session.scalars(select(Quote.id).where(
        Quote.organization_id == org_id, Quote.session_id == session_id)
        .order_by(Quote.version.desc()))).all()
    approvals = {a.quote_id: a for a in (await session.scalars(select(QuoteApproval).where(
        QuoteApproval.organization_id == org_id, QuoteApproval.session_id == session_id))).all()}
    out = []
    for quote_id in ids:
        a = approvals.get(quote_id)
        sig = Signature(a.signer_name, a.signed_at, MediaId(a.signature_media_id)) if a else None
        out.append(QuoteWithSignature(await quote_view(session, org_id, QuoteId(quote_id)), sig))
    return out


async def session_invoices(session: AsyncSession, org_id: OrgId, session_id: SessionId) -> list[InvoiceView]:
    ids = (await session.scalars(select(Invoice.id).where(
        Invoice.organization_id == org_id, Invoice.session_id == session_id).order_by(Invoice.id))).all()
    return [await invoice_view(session, org_id, InvoiceId(i)) for i in ids]


@dataclass(frozen=True, slots=True)
class PaymentLine:
    receipt_number: str
    method: str
    amount: Decimal
    status: str
    received_at: dt.datetime
    id: int = 0  # the payment's id (its receipt's PDF)


async def session_payments(session: AsyncSession, org_id: OrgId, session_id: SessionId) -> list[PaymentLine]:
    """The payments for the session or its invoices (reversed ones included), oldest first."""
    invoices = select(Invoice.id).where(Invoice.organization_id == org_id, Invoice.session_id == session_id)
    rows = (await session.scalars(select(Payment).where(
        Payment.organization_id == org_id,
        or_(Payment.session_id == session_id, Payment.invoice_id.in_(invoices)))
        .order_by(Payment.received_at, Payment.id))).all()
    return [PaymentLine(p.receipt_number, p.method, Decimal(p.amount), p.status, p.received_at, p.id)
            for p in rows]


async def client_messages(session: AsyncSession, org_id: OrgId, phone: str, since: dt.datetime,
                          *, limit: int = 100) -> list[SentMessage]:
    """Messages queued to the client's phone (any channel) since the session opened, oldest first."""
    rows = (await session.scalars(select(OutboxRow).where(
        OutboxRow.organization_id == org_id, OutboxRow.kind == OutboxKind.MESSAGE.value,
        OutboxRow.recipient == phone, OutboxRow.created_at >= since)
        .order_by(OutboxRow.created_at, OutboxRow.id).limit(limit))).all()
    return [SentMessage(r.topic, dict(r.payload.get("params") or {}),  # type: ignore[call-overload]
                        r.channel or "", r.status, r.created_at, r.sent_at) for r in rows]


@dataclass(frozen=True, slots=True)
class ReceivedMessage:
    """A message from the client: its text (or the label of the button they
    pressed; empty for a photo or a location alone), channel and time."""

    text: str
    channel: str
    received_at: dt.datetime
    attachments: int


def _received(payload: dict[str, Any], provider: str) -> tuple[str, str, int]:
    if "message" in payload:  # Meta WhatsApp Cloud: the message object
        m = payload.get("message") or {}
        text = ((m.get("text") or {}).get("body") or (m.get("button") or {}).get("text")
                or next((r.get("title") for r in ((m.get("interactive") or {}).get("button_reply"),
                                                   (m.get("interactive") or {}).get("list_reply")) if r), ""))
        return str(text or ""), "whatsapp", int(m.get("type") in ("image", "document", "audio", "video"))
    channel = "whatsapp" if str(payload.get("From", "")).startswith("whatsapp:") else "sms"
    text = payload.get("ButtonText") or payload.get("Body") or ""
    return str(text), channel, int(str(payload.get("NumMedia") or "0") or 0)


async def client_received(session: AsyncSession, org_id: OrgId, phone: str, since: dt.datetime,
                          *, limit: int = 100) -> list[ReceivedMessage]:
    """Messages the client sent (Twilio SMS / WhatsApp, Meta WhatsApp) since ``since``, oldest first."""
    p = InboundEvent.payload
    rows = (await session.scalars(select(InboundEvent).where(
        InboundEvent.organization_id == org_id, InboundEvent.received_at >= since,
        or_(p["From"].as_string().in_([phone, f"whatsapp:{phone}"]),
            p["message"]["from"].as_string() == phone.lstrip("+")))
        .order_by(InboundEvent.received_at, InboundEvent.id).limit(limit))).all()
    out = []
    for r in rows:
        text, channel, files = _received(dict(r.payload), r.provider)
        out.append(ReceivedMessage(text, channel, r.received_at, files))
    return out


async def signature_file(session: AsyncSession, org_id: OrgId, session_id: SessionId,
                         media_id: MediaId) -> MediaFile | None:
    """The signature image of one of the session's approvals (None otherwise)."""
    return (await session.execute(
        select(MediaFile).join(QuoteApproval, QuoteApproval.signature_media_id == MediaFile.id)
        .where(MediaFile.organization_id == org_id, QuoteApproval.organization_id == org_id,
               QuoteApproval.session_id == session_id, MediaFile.id == media_id))).scalar_one_or_none()

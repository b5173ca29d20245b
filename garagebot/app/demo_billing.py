"""The demo visits' parts and money: parts reserved at intake and used before
QC, the quote sent and decided by the client (on WhatsApp, or on the signed
page), the invoice issued when the car is ready and paid (in full, in part,
not yet, or on the fleet account). Every step is a core service call, with the
client acting as the client and staff as staff.

Which quote outcome and payment a visit gets is on its ``VisitSpec``
(``quote``, ``payment``), so the demo shows every state.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from garagebot.app.demo_data import VisitSpec
from garagebot.app.demo_stock import MISSING_PART, PARTS, Store, order_missing_part, price_of
from garagebot.core.actor import Actor
from garagebot.core.approvals import SignedApproval, link_key, record_signed_approval
from garagebot.core.billing.enums import LineDecision, LineKind, PaymentMethod
from garagebot.core.billing.fleet import bill_session_to_account
from garagebot.core.billing.invoices import create_invoice, issue_invoice
from garagebot.core.billing.payments import record_payment
from garagebot.core.billing.quote_flow import decide_quote_lines, decide_whole_quote, send_quote
from garagebot.core.billing.quotes import NewLine, add_quote_line, create_quote
from garagebot.core.enums import Channel
from garagebot.core.ids import ClientId, QuoteId, QuoteLineId, ReservationId, SessionId
from garagebot.core.inventory.parts import consume_part, pick_part, reserve_part
from garagebot.core.inventory.states import ReservationStatus
from garagebot.core.models import Client, Invoice, Quote, QuoteLine, RepairSession, Reservation
from garagebot.core.ports import FileStorage
from garagebot.core.uow import Database, UnitOfWork

OPTIONAL = NewLine(LineKind.PART, "Wiper blades (optional)", "مساحات الزجاج (اختياري)", "2",
                   price_of("WB-600"))
MISSING = NewLine(LineKind.PART, "Hybrid battery module", "وحدة بطارية هايبرد", "1", price_of(MISSING_PART))
_METHODS = {"cash": PaymentMethod.CASH, "card": PaymentMethod.CARD, "bank": PaymentMethod.BANK_TRANSFER}


@dataclass
class Money:
    """Replays a visit's parts, quote, invoice and payments."""

    db: Database
    store: Store
    storage: FileStorage
    advisor: Actor
    accountant: Actor
    inventory: Actor
    signature: bytes

    async def reserve(self, uow: UnitOfWork, sid: SessionId, templates: tuple[str, ...]) -> None:
        """The parts the visit's templates use, held at intake."""
        for code in templates:
            for sku, quantity in PARTS.get(code, ()):
                await reserve_part(uow, sid, self.store.items[sku], quantity)

    async def quote(self, sid: SessionId, spec: VisitSpec) -> QuoteId:
        """A quote from the job cards, parts and fees; sent unless the spec keeps it a draft."""
        async with self.db.unit_of_work(self.advisor) as uow:
            qid = await create_quote(uow, sid)
            if spec.quote == "partial":
                await add_quote_line(uow, qid, OPTIONAL)
            if spec.status.value == "AWAITING_PARTS":
                await add_quote_line(uow, qid, MISSING)
            if spec.quote != "draft":
                await send_quote(uow, qid, channel=Channel.WHATSAPP)
        if spec.status.value == "AWAITING_PARTS":
            await order_missing_part(self.db, self.store, self.advisor, self.inventory, sid)
        return qid

    async def decide(self, sid: SessionId, qid: QuoteId, spec: VisitSpec) -> None:
        """The client's answer: all on WhatsApp, on the signed page, all but the optional line, or no."""
        client = await self._client(sid)
        if spec.quote == "sign":
            await self._sign(qid, client)
            return
        actor = Actor.client(self.advisor.org_id, client, Channel.WHATSAPP)
        async with self.db.unit_of_work(actor) as uow:
            if spec.quote == "partial":
                lines = (await uow.session.execute(select(QuoteLine.id, QuoteLine.description_en).where(
                    QuoteLine.quote_id == qid))).all()
                decisions = {QuoteLineId(i): LineDecision.DECLINED if d == OPTIONAL.description_en
                             else LineDecision.APPROVED for i, d in lines}
                await decide_quote_lines(uow, qid, decisions, key=f"demo-wa-{qid}")
            else:
                decision = LineDecision.DECLINED if spec.quote == "decline" else LineDecision.APPROVED
                await decide_whole_quote(uow, qid, decision, key=f"demo-wa-{qid}")

    async def _client(self, sid: SessionId) -> ClientId:
        async with self.db.read() as s:
            return ClientId((await s.execute(select(RepairSession.client_id).where(
                RepairSession.id == sid))).scalar_one())

    async def _sign(self, qid: QuoteId, client: ClientId) -> None:
        actor = Actor.client(self.advisor.org_id, client, Channel.WEB)
        async with self.db.unit_of_work(actor) as uow:
            quote = await uow.get(Quote, qid)
            name = (await uow.get(Client, client)).name
            lines = (await uow.session.scalars(select(QuoteLine.id).where(QuoteLine.quote_id == qid))).all()
            await record_signed_approval(uow, self.storage, SignedApproval(
                quote_id=qid, link_key=link_key(f"demo-link-{qid}"), content_hash=quote.content_hash or "",
                decisions={QuoteLineId(i): LineDecision.APPROVED for i in lines},
                signer_name=name, signature_png=self.signature, ip="192.0.2.10",
                user_agent="Mozilla/5.0 (Linux; Android 14) demo"))

    async def use_parts(self, sid: SessionId) -> None:
        """Every part held for the visit taken from the shelf and fitted."""
        async with self.db.read() as s:
            held = (await s.scalars(select(Reservation.id).where(
                Reservation.session_id == sid,
                Reservation.status == ReservationStatus.RESERVED.value))).all()
        if not held:
            return
        async with self.db.unit_of_work(self.advisor) as uow:
            for res in held:
                await pick_part(uow, ReservationId(res))
                await consume_part(uow, ReservationId(res))

    async def invoice(self, sid: SessionId, spec: VisitSpec) -> None:
        """The invoice issued at READY_FOR_PICKUP, then paid as the spec says."""
        async with self.db.unit_of_work(self.advisor) as uow:
            if spec.payment == "fleet" and self.store.fleet is not None:
                await bill_session_to_account(uow, sid, self.store.fleet)
            inv_id = await create_invoice(uow, sid)
            await issue_invoice(uow, inv_id)
        if spec.payment in (None, "open", "fleet"):
            return
        async with self.db.unit_of_work(self.accountant) as uow:
            inv = await uow.get(Invoice, inv_id)
            method, _, part = (spec.payment or "").partition("-")
            amount = Decimal(inv.total) if not part else (Decimal(inv.total) / 2).quantize(Decimal("0.001"))
            await record_payment(uow, inv_id, amount, _METHODS[method], reference=f"DEMO-{inv.number}")


def demo_photo() -> bytes:
    """A small grey PNG standing in for a technician's photo."""
    width, height = 64, 48
    raw = b"".join(b"\x00" + b"\x90\x90\x90" * width for _ in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(
            ">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw))
            + chunk(b"IEND", b""))

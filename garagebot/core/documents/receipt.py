"""The receipt of a payment (RCT-…): who paid, how, how much, and which
invoices it settled; a reversed payment's receipt is stamped."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.core.billing.enums import PayerKind, PaymentStatus
from garagebot.core.documents import parties
from garagebot.core.documents.invoice import party_lines
from garagebot.core.documents.parties import Party
from garagebot.core.documents.profile import GarageProfile
from garagebot.core.documents.sheet import Column, Sheet, Total
from garagebot.core.documents.text import DocText
from garagebot.core.errors import NotFound
from garagebot.core.models import Invoice, Payment, PaymentAllocation
from garagebot.core.money import Money


@dataclass(frozen=True, slots=True)
class ReceiptData:
    number: str
    received_at: dt.datetime
    method: str
    reference: str
    amount: Money
    unallocated: Money
    reversed: bool
    applied: tuple[tuple[str, Money], ...]  # invoice number, amount
    payer: Party
    garage: GarageProfile


async def load_receipt(session: AsyncSession, org_id: int, payment_id: int) -> ReceiptData:
    pay = (
        await session.execute(
            select(Payment).where(Payment.organization_id == org_id, Payment.id == payment_id)
        )
    ).scalar_one_or_none()
    if pay is None:
        raise NotFound("error.not_found", entity="payment", id=payment_id)
    c = (await parties.garage(session, org_id)).currency
    applied = (
        await session.execute(
            select(Invoice.number, PaymentAllocation.amount)
            .join(Invoice, Invoice.id == PaymentAllocation.invoice_id)
            .where(
                PaymentAllocation.organization_id == org_id,
                PaymentAllocation.payment_id == pay.id,
                PaymentAllocation.reversed_at.is_(None),
            )
            .order_by(PaymentAllocation.id)
        )
    ).all()
    if pay.payer_kind == PayerKind.CLIENT.value:
        payer = await parties.client_party(session, org_id, pay.payer_id)
    else:
        payer = await parties.payer(session, org_id, pay.payer_kind, pay.payer_id, Party("", "", "", ""))
    return ReceiptData(
        pay.receipt_number,
        pay.received_at,
        pay.method,
        pay.reference or "",
        Money(pay.amount, c),
        Money(pay.unallocated, c),
        pay.status == PaymentStatus.REVERSED.value,
        tuple((number, Money(amount, c)) for number, amount in applied),
        payer,
        await parties.garage(session, org_id),
    )


def receipt_sheet(data: ReceiptData, text: DocText) -> Sheet:
    facts = [
        (text("documents.fact.date"), text.day(data.received_at)),
        (text("documents.fact.method"), text(f"documents.method.{data.method}")),
    ]
    if data.reference:
        facts.append((text("documents.fact.reference"), data.reference))
    totals = [Total(text("documents.total.amount"), text.money(data.amount), strong=True)]
    if not data.unallocated.is_zero():
        totals.append(Total(text("documents.total.unallocated"), text.money(data.unallocated)))
    return Sheet(
        title=text("documents.title.receipt"),
        number=data.number,
        facts=tuple(facts),
        party_title=text("documents.party.received_from"),
        party=party_lines(text, data.payer),
        columns=(Column(text("documents.col.invoice"), 3), Column(text("documents.col.applied"), 2, True)),
        rows=tuple((text.code(number), text.money(amount)) for number, amount in data.applied),
        totals=tuple(totals),
        notes=(text("documents.thanks"),),
        stamp=text("documents.reversed") if data.reversed else "",
    )

"""The invoice: its data (read once, for the PDF and for the UBL export) and
its sheet. An issued invoice is a tax invoice with the Jordanian e-invoice
data (seller tax number, cash or receivable, totals per tax rate) and a QR
code; a draft says it is not one yet; a void one is stamped."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.core.billing.documents import stored_totals
from garagebot.core.billing.enums import InvoiceStatus
from garagebot.core.billing.pricing import Totals
from garagebot.core.documents import parties
from garagebot.core.documents.einvoice import (
    InvoiceType,
    QrData,
    TaxBand,
    invoice_type,
    qr_payload,
    qr_png,
    tax_bands,
)
from garagebot.core.documents.parties import Party, Visit
from garagebot.core.documents.profile import GarageProfile
from garagebot.core.documents.sheet import Column, Sheet, Total
from garagebot.core.documents.text import DocText
from garagebot.core.errors import NotFound
from garagebot.core.models import Invoice, InvoiceLine
from garagebot.core.money import Money


@dataclass(frozen=True, slots=True)
class Line:
    position: int
    description_en: str
    description_ar: str
    quantity: Decimal
    unit_price: Money
    gross: Money
    discount: Money  # the line's own discount and its share of the document's
    net: Money
    tax_rate: Decimal
    tax: Money
    total: Money


@dataclass(frozen=True, slots=True)
class InvoiceData:
    id: int
    number: str
    status: InvoiceStatus
    currency: str
    created_at: dt.datetime
    issued_at: dt.datetime | None
    void_reason: str | None
    totals: Totals
    paid: Money
    type: InvoiceType
    lines: tuple[Line, ...]
    bands: tuple[TaxBand, ...]
    garage: GarageProfile
    visit: Visit
    payer: Party

    @property
    def balance(self) -> Money:
        return self.totals.total - self.paid

    @property
    def issued(self) -> bool:
        return self.issued_at is not None

    def qr(self) -> QrData:
        return QrData(
            self.garage.name_ar or self.garage.name_en,
            self.garage.tax_number,
            self.issued_at or self.created_at,
            self.totals.total.amount,
            self.totals.tax_total.amount,
            self.number,
            self.type,
        )


def _line(row: InvoiceLine, c: str) -> Line:
    return Line(
        row.position,
        row.description_en,
        row.description_ar,
        Decimal(row.quantity),
        Money(row.unit_price, c),
        Money(row.gross, c),
        Money(row.line_discount, c) + Money(row.discount_share, c),
        Money(row.net, c),
        Decimal(row.tax_rate),
        Money(row.tax, c),
        Money(row.total, c),
    )


async def load_invoice(session: AsyncSession, org_id: int, invoice_id: int) -> InvoiceData:
    inv = (
        await session.execute(
            select(Invoice).where(Invoice.organization_id == org_id, Invoice.id == invoice_id)
        )
    ).scalar_one_or_none()
    if inv is None:
        raise NotFound("error.not_found", entity="invoice", id=invoice_id)
    rows = (
        await session.scalars(
            select(InvoiceLine)
            .where(
                InvoiceLine.organization_id == org_id,
                InvoiceLine.invoice_id == inv.id,
            )
            .order_by(InvoiceLine.position, InvoiceLine.id)
        )
    ).all()
    c = inv.currency
    lines = tuple(_line(r, c) for r in rows)
    seen = await parties.visit(session, org_id, inv.session_id)
    return InvoiceData(
        id=inv.id,
        number=inv.number,
        status=InvoiceStatus(inv.status),
        currency=c,
        created_at=inv.created_at,
        issued_at=inv.issued_at,
        void_reason=inv.void_reason,
        totals=stored_totals(inv),
        paid=Money(inv.paid_amount, c),
        type=invoice_type(inv.payer_kind),
        lines=lines,
        bands=tax_bands((ln.tax_rate, ln.net.amount, ln.tax.amount) for ln in lines),
        garage=await parties.garage(session, org_id),
        visit=seen,
        payer=await parties.payer(session, org_id, inv.payer_kind, inv.payer_id, seen.client),
    )


def percent(rate: Decimal) -> str:
    return f"{rate.normalize():f}%"


def line_columns(text: DocText) -> tuple[Column, ...]:
    return (
        Column(text("documents.col.description"), 6.2),
        Column(text("documents.col.quantity"), 1.2, True),
        Column(text("documents.col.unit_price"), 2.3, True),
        Column(text("documents.col.tax_rate"), 1.5, True),
        Column(text("documents.col.total"), 2.5, True),
    )


def party_lines(text: DocText, party: Party) -> tuple[str, ...]:
    tax = (text("documents.party.tax_number", number=party.tax_number),) if party.tax_number else ()
    return tuple(filter(None, (text.pick(party.name, party.name_ar), party.phone))) + tax


def totals(text: DocText, t: Totals) -> list[Total]:
    out = [Total(text("documents.total.subtotal"), text.money(t.subtotal))]
    if not t.discount_total.is_zero():
        out += [
            Total(text("documents.total.discount"), text.money(-t.discount_total)),
            Total(text("documents.total.net"), text.money(t.net_total)),
        ]
    tax = Total(text("documents.total.tax"), text.money(t.tax_total))
    return [*out, tax, Total(text("documents.total.total"), text.money(t.total), strong=True)]


def invoice_sheet(data: InvoiceData, text: DocText) -> Sheet:
    c = data.currency
    facts = [
        (text("documents.fact.issued"), text.day(data.issued_at or data.created_at)),
        (text("documents.fact.invoice_type"), text(f"documents.invoice_type.{data.type.value}")),
        (text("documents.fact.job"), text.code(data.visit.number)),
        (text("documents.fact.vehicle"), data.visit.car),
    ]
    rows = tuple(
        (
            text.pick(ln.description_en, ln.description_ar),
            text.number(ln.quantity),
            text.money(ln.unit_price),
            percent(ln.tax_rate),
            text.money(ln.total),
        )
        for ln in data.lines
    )
    money = totals(text, data.totals)
    if data.issued and data.status is not InvoiceStatus.VOID:
        money += [
            Total(text("documents.total.paid"), text.money(data.paid)),
            Total(text("documents.total.balance"), text.money(data.balance), strong=True),
        ]
    bands = (
        text("documents.tax_table"),
        (
            Column(text("documents.col.tax_rate"), 1, True),
            Column(text("documents.col.taxable"), 2, True),
            Column(text("documents.col.tax"), 2, True),
        ),
        tuple((percent(b.rate), text.amount(b.taxable, c), text.amount(b.tax, c)) for b in data.bands),
    )
    notes = [text("documents.thanks")]
    if not data.issued:
        notes.insert(0, text("documents.draft_note"))
    if data.void_reason:
        notes.insert(0, text("documents.void_reason", reason=data.void_reason))
    payload = qr_payload(data.qr()) if data.issued else None
    return Sheet(
        title=text("documents.title.invoice"),
        number=data.number,
        facts=tuple(facts),
        party_title=text("documents.party.client"),
        party=party_lines(text, data.payer),
        columns=line_columns(text),
        rows=rows,
        totals=tuple(money),
        notes=tuple(notes),
        qr_png=qr_png(payload) if payload else None,
        qr_caption=text("documents.qr_caption"),
        stamp=text("documents.void") if data.status is InvoiceStatus.VOID else "",
        extra_tables=(bands,),
    )

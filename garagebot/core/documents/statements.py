"""Statements of account: the supplier's (from core.purchasing.statement,
what the garage owes) and a payer's (a client or a fleet account: issued
invoices, credit notes and payments in date order with a running balance,
what the payer owes the garage)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.core.billing.enums import InvoiceStatus, PayerKind, PaymentStatus
from garagebot.core.documents import parties
from garagebot.core.documents.invoice import party_lines
from garagebot.core.documents.parties import Party
from garagebot.core.documents.profile import GarageProfile
from garagebot.core.documents.purchase_order import supplier_party
from garagebot.core.documents.sheet import Column, Sheet, Total
from garagebot.core.documents.text import DocText
from garagebot.core.models import CreditNote, Invoice, Payment
from garagebot.core.purchasing.statement import EntryKind, SupplierStatement, supplier_statement

ZERO = Decimal("0.000")


@dataclass(frozen=True, slots=True)
class Entry:
    day: dt.date
    key: str  # documents.entry.*
    reference: str
    debit: Decimal
    credit: Decimal
    balance: Decimal


@dataclass(frozen=True, slots=True)
class StatementData:
    party: Party
    garage: GarageProfile
    start: dt.date | None
    end: dt.date
    opening: Decimal
    entries: tuple[Entry, ...]
    closing: Decimal


async def load_supplier_statement(
    session: AsyncSession, org_id: int, supplier_id: int, *, end: dt.date, start: dt.date | None = None
) -> StatementData:
    garage = await parties.garage(session, org_id)
    party = await supplier_party(session, org_id, supplier_id, garage.default_locale)
    found: SupplierStatement = await supplier_statement(session, org_id, supplier_id, start=start, end=end)
    entries = tuple(
        Entry(
            ln.day,
            "documents.entry.bill" if ln.kind is EntryKind.BILL else "documents.entry.payment",
            ln.reference,
            ln.debit,
            ln.credit,
            ln.balance,
        )
        for ln in found.lines
    )
    return StatementData(party, garage, start, end, found.opening_balance, entries, found.closing_balance)


async def _payer_rows(
    session: AsyncSession, org_id: int, kind: PayerKind, payer_id: int, zone: str
) -> list[tuple[dt.date, int, str, str, Decimal, Decimal]]:
    tz = zoneinfo.ZoneInfo(zone)
    payer = (
        Invoice.organization_id == org_id,
        Invoice.payer_kind == kind.value,
        Invoice.payer_id == payer_id,
    )
    invoices = (
        await session.execute(
            select(Invoice.issued_at, Invoice.number, Invoice.total).where(
                *payer, Invoice.issued_at.is_not(None), Invoice.status != InvoiceStatus.DRAFT.value
            )
        )
    ).all()
    notes = (
        await session.execute(
            select(CreditNote.created_at, CreditNote.number, CreditNote.total)
            .join(Invoice, Invoice.id == CreditNote.invoice_id)
            .where(CreditNote.organization_id == org_id, *payer)
        )
    ).all()
    paid = (
        await session.execute(
            select(Payment.received_at, Payment.receipt_number, Payment.amount).where(
                Payment.organization_id == org_id,
                Payment.payer_kind == kind.value,
                Payment.payer_id == payer_id,
                Payment.status == PaymentStatus.ACTIVE.value,
            )
        )
    ).all()
    rows = [
        (at.astimezone(tz).date(), 0, "documents.entry.invoice", n, Decimal(v), ZERO) for at, n, v in invoices
    ]
    rows += [
        (at.astimezone(tz).date(), 1, "documents.entry.credit_note", n, ZERO, -Decimal(v))
        for at, n, v in notes
    ]
    rows += [
        (at.astimezone(tz).date(), 2, "documents.entry.receipt", n, ZERO, Decimal(v)) for at, n, v in paid
    ]
    return sorted(rows, key=lambda r: (r[0], r[1], r[3]))


async def load_payer_statement(
    session: AsyncSession,
    org_id: int,
    kind: PayerKind,
    payer_id: int,
    *,
    end: dt.date,
    start: dt.date | None = None,
) -> StatementData:
    garage = await parties.garage(session, org_id)
    if kind is PayerKind.CLIENT:
        party = await parties.client_party(session, org_id, payer_id)
    else:
        party = await parties.payer(
            session, org_id, kind.value, payer_id, Party("", "", "", garage.default_locale)
        )
    balance, opening, entries = ZERO, ZERO, []
    for day, _, key, ref, debit, credit in await _payer_rows(
        session, org_id, kind, payer_id, garage.timezone
    ):
        if day > end:
            break
        balance += debit - credit
        if start is not None and day < start:
            opening = balance
            continue
        entries.append(Entry(day, key, ref, debit, credit, balance))
    return StatementData(party, garage, start, end, opening, tuple(entries), balance)


def statement_sheet(data: StatementData, text: DocText, *, supplier: bool) -> Sheet:
    c = data.garage.currency
    period = (
        text("documents.period", start=text.day(data.start), end=text.day(data.end))
        if data.start
        else text("documents.period_all", end=text.day(data.end))
    )

    def cell(value: Decimal) -> str:
        return text.amount(value, c) if value else ""

    rows = tuple(
        (
            text.day(e.day),
            text(e.key, reference=text.code(e.reference), number=text.code(e.reference)),
            cell(e.debit),
            cell(e.credit),
            text.amount(e.balance, c),
        )
        for e in data.entries
    )
    title = "documents.title.supplier_statement" if supplier else "documents.title.client_statement"
    return Sheet(
        title=text(title),
        number=text.day(data.end),
        facts=((text("documents.fact.period"), period),),
        party_title=text("documents.party.supplier" if supplier else "documents.party.account"),
        party=party_lines(text, data.party),
        columns=(
            Column(text("documents.col.date"), 2.4),
            Column(text("documents.col.entry"), 4.4),
            Column(text("documents.col.debit"), 2.2, True),
            Column(text("documents.col.credit"), 2.2, True),
            Column(text("documents.col.balance"), 2.4, True),
        ),
        rows=rows,
        totals=(
            Total(text("documents.total.opening"), text.amount(data.opening, c)),
            Total(text("documents.total.closing"), text.amount(data.closing, c), strong=True),
        ),
    )

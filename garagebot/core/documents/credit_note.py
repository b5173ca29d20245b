"""The credit note (CN-…) that reverses a voided invoice: the invoice's
lines and totals with the opposite sign, and the reason."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.core.billing.documents import stored_totals
from garagebot.core.billing.pricing import Totals
from garagebot.core.documents.invoice import (
    InvoiceData,
    line_columns,
    load_invoice,
    party_lines,
    percent,
    totals,
)
from garagebot.core.documents.sheet import Sheet
from garagebot.core.documents.text import DocText
from garagebot.core.errors import NotFound
from garagebot.core.models import CreditNote


@dataclass(frozen=True, slots=True)
class CreditNoteData:
    id: int
    number: str
    created_at: dt.datetime
    reason: str
    totals: Totals  # negative
    invoice: InvoiceData


async def load_credit_note(session: AsyncSession, org_id: int, note_id: int) -> CreditNoteData:
    note = (
        await session.execute(
            select(CreditNote).where(CreditNote.organization_id == org_id, CreditNote.id == note_id)
        )
    ).scalar_one_or_none()
    if note is None:
        raise NotFound("error.not_found", entity="credit_note", id=note_id)
    invoice = await load_invoice(session, org_id, note.invoice_id)
    return CreditNoteData(note.id, note.number, note.created_at, note.reason, stored_totals(note), invoice)


def credit_note_sheet(data: CreditNoteData, text: DocText) -> Sheet:
    inv = data.invoice
    rows = tuple(
        (
            text.pick(ln.description_en, ln.description_ar),
            text.number(ln.quantity),
            text.money(ln.unit_price),
            percent(ln.tax_rate),
            text.money(-ln.total),
        )
        for ln in inv.lines
    )
    return Sheet(
        title=text("documents.title.credit_note"),
        number=data.number,
        facts=(
            (text("documents.fact.date"), text.day(data.created_at)),
            (text("documents.fact.invoice"), text.code(inv.number)),
            (text("documents.fact.job"), text.code(inv.visit.number)),
        ),
        party_title=text("documents.party.client"),
        party=party_lines(text, inv.payer),
        columns=line_columns(text),
        rows=rows,
        totals=tuple(totals(text, data.totals)),
        notes=(text("documents.credit_note_for", number=text.code(inv.number), reason=data.reason),),
    )

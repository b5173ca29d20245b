"""The one entry point: ``render_document`` reads what a document needs
(scoped to the garage) and draws it in the wanted language, by default its
reader's: the client's for client documents, the garage's own for the
supplier's (suppliers have no language of their own yet)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.core.billing.enums import PayerKind
from garagebot.core.documents.credit_note import credit_note_sheet, load_credit_note
from garagebot.core.documents.invoice import invoice_sheet, load_invoice
from garagebot.core.documents.layout import draw
from garagebot.core.documents.profile import GarageProfile
from garagebot.core.documents.purchase_order import load_order, order_sheet
from garagebot.core.documents.quote import load_quote, quote_sheet
from garagebot.core.documents.receipt import load_receipt, receipt_sheet
from garagebot.core.documents.sheet import DocumentKind, RenderedDocument, Sheet
from garagebot.core.documents.statements import (
    load_payer_statement,
    load_supplier_statement,
    statement_sheet,
)
from garagebot.core.documents.text import DocText, document_locale
from garagebot.core.i18n import Translator

Logo = Callable[[str], Awaitable[bytes]]


@dataclass(frozen=True, slots=True)
class DocumentRequest:
    kind: DocumentKind
    subject_id: int
    locale: str | None = None  # None: the reader's language
    today: dt.date | None = None  # statements: the last day (the garage's today)
    start: dt.date | None = None  # statements: the first day (None: from the beginning)


Built = tuple[GarageProfile, str, Callable[[DocText], Sheet]]  # garage, reader's locale, sheet maker


async def _build(session: AsyncSession, org_id: int, req: DocumentRequest) -> Built:
    k, sid = req.kind, req.subject_id
    if k is DocumentKind.INVOICE:
        inv = await load_invoice(session, org_id, sid)
        return inv.garage, inv.payer.locale, lambda t: invoice_sheet(inv, t)
    if k is DocumentKind.QUOTE:
        view, visit, garage = await load_quote(session, org_id, sid)
        return garage, visit.client.locale, lambda t: quote_sheet(view, visit, t)
    if k is DocumentKind.RECEIPT:
        rec = await load_receipt(session, org_id, sid)
        return rec.garage, rec.payer.locale, lambda t: receipt_sheet(rec, t)
    if k is DocumentKind.CREDIT_NOTE:
        note = await load_credit_note(session, org_id, sid)
        return note.invoice.garage, note.invoice.payer.locale, lambda t: credit_note_sheet(note, t)
    if k is DocumentKind.PURCHASE_ORDER:
        po = await load_order(session, org_id, sid)
        return po.garage, po.garage.default_locale, lambda t: order_sheet(po, t)
    end = req.today or dt.date.max
    if k is DocumentKind.SUPPLIER_STATEMENT:
        st = await load_supplier_statement(session, org_id, sid, start=req.start, end=end)
        return st.garage, st.garage.default_locale, lambda t: statement_sheet(st, t, supplier=True)
    kind = PayerKind.CLIENT if k is DocumentKind.CLIENT_STATEMENT else PayerKind.FLEET
    st = await load_payer_statement(session, org_id, kind, sid, start=req.start, end=end)
    return st.garage, st.party.locale, lambda t: statement_sheet(st, t, supplier=False)


async def render_document(
    session: AsyncSession, translator: Translator, org_id: int, req: DocumentRequest, logo: Logo | None = None
) -> RenderedDocument:
    """The PDF of ``req`` for the garage ``org_id``; NotFound when its subject is not the garage's."""
    garage, reader, make = await _build(session, org_id, req)
    locale = document_locale(req.locale, reader)
    text = DocText(translator, locale, garage.timezone)
    sheet = make(text)
    image = await logo(garage.logo_key) if logo is not None and garage.logo_key else None
    pdf = draw(sheet, garage, text, image)
    name = (
        sheet.number.replace("\u2011", "-")
        if req.kind not in _STATEMENTS
        else f"{req.kind.value}-{req.subject_id}"
    )
    return RenderedDocument(req.kind, f"{name}-{locale}.pdf", locale, pdf)


_STATEMENTS = (DocumentKind.SUPPLIER_STATEMENT, DocumentKind.CLIENT_STATEMENT, DocumentKind.FLEET_STATEMENT)

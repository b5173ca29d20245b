"""Every document renders in English and in Arabic with its texts (read back
with pdftotext), Arabic letters joined (drawn in their contextual forms, no
presentation-form characters) and a PNG of each page kept for a look."""

from __future__ import annotations

import datetime as dt

from garagebot.core.documents.einvoice import read_qr_payload
from garagebot.core.documents.render import DocumentRequest, render_document
from garagebot.core.documents.sheet import DocumentKind as K
from garagebot.core.i18n import Translator
from garagebot.core.models import Invoice
from garagebot.core.uow import Database
from tests.conftest import Staff
from tests.core.documents.pdf import PRESENTATION_FORMS, glyphs_per_letter, page_images, pdf_text, words
from tests.core.documents.scene import CLIENT_AR, FLEET, SUPPLIER, SUPPLIER_AR, Scene, build

TODAY = dt.date(2026, 11, 22)
GARAGE_TEXTS = {"en": ["12 Mecca Street, Amman", "Tax number: 12345678", "Phone: 065512345"],
                "ar": ["الرقم الضريبي: 12345678", "شارع مكة"]}


def expected(scene: Scene) -> dict[tuple[K, int], dict[str, list[str]]]:
    """What each document must say, per language."""
    return {
        (K.INVOICE, scene.invoice_id): {
            "en": ["Tax invoice", scene.invoice_number, "Bill to", CLIENT_AR, "Cash", "Sales tax",
                   "Balance due", "Totals per tax rate", "16%", "JOD 20.000"],
            "ar": ["فاتورة ضريبية", scene.invoice_number, CLIENT_AR, "نقدية", "ضريبة المبيعات", "16%",
                   "20.000"]},
        (K.QUOTE, scene.quote_id): {
            "en": ["Quotation", "Prepared for", "Approved", "Brake pads"],
            "ar": ["عرض سعر", "موافق عليه", "قطعة Brake pads"]},
        (K.RECEIPT, scene.payment_id): {
            "en": ["Receipt", "RCT-2026-", "Received from", "Cash", "JOD 20.000", scene.invoice_number],
            "ar": ["سند قبض", "نقدًا", "20.000", scene.invoice_number]},
        (K.CREDIT_NOTE, scene.credit_note_id): {
            "en": ["Credit note", "CN-2026-000001", "Reverses invoice", "Wrong car"],
            "ar": ["إشعار دائن", "CN-2026-000001", "يعكس الفاتورة", "Wrong car"]},
        (K.PURCHASE_ORDER, scene.order_id): {
            "en": ["Purchase order", "PO-2026-00001", SUPPLIER, "BP-01", "Brake pads", "JOD 90.500"],
            "ar": ["أمر شراء", "PO-2026-00001", SUPPLIER_AR, "فحمات فرامل", "90.500"]},
        (K.SUPPLIER_STATEMENT, scene.supplier_id): {
            "en": ["Supplier statement", "Bill AAP-7781", "Payment PAY-1", "Closing balance", "JOD 38.000"],
            "ar": ["كشف حساب مورّد", "AAP-7781", "PAY-1", "الرصيد الختامي", "38.000"]},
        (K.CLIENT_STATEMENT, scene.client_id): {
            "en": ["Statement of account", scene.invoice_number, "Receipt RCT-2026-", "Closing balance"],
            "ar": ["كشف حساب عميل", scene.invoice_number, "سند قبض", "الرصيد الختامي"]},
        (K.FLEET_STATEMENT, scene.fleet_id): {
            "en": ["Statement of account", FLEET, "Tax number: 4002345"],
            "ar": ["كشف حساب عميل", FLEET, "4002345"]},
    }


def says(text: str, wanted: str) -> bool:
    """Each word of ``wanted`` is in ``text``. (Word by word: pdftotext moves
    the spaces and colons between an Arabic run and a Latin or number run.)"""
    squashed = "".join(text.split())
    return all(word.strip(":،,") in squashed for word in wanted.split())


def assert_shaped(pdf: bytes, text: str) -> None:
    assert not [ch for ch in text if ch in PRESENTATION_FORMS]
    assert any(len(codes) > 1 for font in glyphs_per_letter(pdf) for codes in font.values())


async def test_every_document_says_what_it_should_in_both_languages(db: Database, staff: Staff) -> None:
    scene = await build(db, staff)
    tr = Translator.load()
    for (kind, subject), texts in expected(scene).items():
        for locale, wanted in texts.items():
            async with db.read() as s:
                req = DocumentRequest(kind, subject, locale, today=TODAY)
                doc = await render_document(s, tr, staff.org, req)
            text = pdf_text(doc.pdf)
            missing = [w for w in [*wanted, *GARAGE_TEXTS[locale]] if not says(text, w)]
            assert not missing, (kind, locale, missing, text)
            assert doc.pdf.startswith(b"%PDF-")
            assert doc.locale == locale
            if locale == "ar":
                assert_shaped(doc.pdf, text)
                assert {"الخطيب", "سامي"} <= words(text) or kind not in (K.INVOICE, K.RECEIPT)
            assert page_images(doc.pdf, f"{kind.value}-{locale}")


async def test_a_document_is_in_its_readers_language_unless_asked(db: Database, staff: Staff) -> None:
    scene = await build(db, staff)
    tr = Translator.load()
    async with db.read() as s:
        client = await render_document(s, tr, staff.org, DocumentRequest(K.INVOICE, scene.invoice_id))
        fleet = await render_document(s, tr, staff.org, DocumentRequest(K.INVOICE, scene.fleet_invoice_id))
        asked = await render_document(s, tr, staff.org, DocumentRequest(K.INVOICE, scene.invoice_id, "en"))
    assert (client.locale, fleet.locale, asked.locale) == ("ar", "en", "en")
    assert "فاتورة ضريبية" in pdf_text(client.pdf)
    assert "On account" in pdf_text(fleet.pdf)  # a fleet buys on account: a receivable invoice
    assert client.filename == f"{scene.invoice_number}-ar.pdf"


async def test_a_draft_invoice_has_no_qr_and_a_void_one_is_stamped(db: Database, staff: Staff) -> None:
    scene = await build(db, staff)
    async with db.read() as s:
        doc = await render_document(s, Translator.load(), staff.org,
                                    DocumentRequest(K.INVOICE, scene.draft_invoice_id, "en"))
        void = await render_document(s, Translator.load(), staff.org,
                                     DocumentRequest(K.INVOICE, scene.void_invoice_id, "en"))
    assert "Draft: not a tax invoice until it is issued." in pdf_text(doc.pdf)
    assert b"/Subtype /Image" not in doc.pdf
    assert "VOID" in pdf_text(void.pdf)
    assert "This invoice was voided: Wrong car" in pdf_text(void.pdf)


async def test_the_invoice_qr_holds_the_e_invoice_fields(db: Database, staff: Staff) -> None:
    from garagebot.core.documents.einvoice import qr_payload
    from garagebot.core.documents.invoice import load_invoice

    scene = await build(db, staff)
    async with db.read() as s:
        data = await load_invoice(s, staff.org, scene.invoice_id)
        row = await s.get(Invoice, scene.invoice_id)
    assert row is not None
    fields = read_qr_payload(qr_payload(data.qr()))
    assert fields["seller_tax_number"] == "12345678"
    assert fields["invoice_number"] == scene.invoice_number
    assert fields["invoice_type"] == "cash"
    assert fields["total"] == f"{row.total:.3f}"
    assert fields["tax_total"] == f"{row.tax_total:.3f}"
    assert fields["issued_at"].endswith("Z")

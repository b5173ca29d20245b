"""An issued invoice as JoFotara UBL 2.1 XML: valid against the trimmed
schema, its arithmetic adds up, the same file on a repeat, refused for a
draft; and the checks catch a broken document."""

from __future__ import annotations

import pytest
from lxml import etree

from garagebot.core.documents.invoice import load_invoice
from garagebot.core.documents.ubl import CAC, CBC, check_totals, invoice_xml, schema_errors, validate
from garagebot.core.errors import InvalidInput
from garagebot.core.uow import Database
from tests.conftest import Staff
from tests.core.documents.scene import build

NS = {"cac": CAC, "cbc": CBC}


async def test_an_issued_invoice_exports_as_valid_jofotara_ubl(db: Database, staff: Staff) -> None:
    scene = await build(db, staff)
    async with db.read() as s:
        cash = await load_invoice(s, staff.org, scene.invoice_id)
        fleet = await load_invoice(s, staff.org, scene.fleet_invoice_id)
    xml = invoice_xml(staff.org, cash)
    assert validate(xml) == []
    doc = etree.fromstring(xml)
    assert doc.findtext("cbc:ProfileID", namespaces=NS) == "reporting:1.0"
    assert doc.findtext("cbc:ID", namespaces=NS) == scene.invoice_number
    code = doc.find("cbc:InvoiceTypeCode", NS)
    assert code is not None
    assert (code.text, code.get("name")) == ("388", "012")
    seller = "cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID"
    assert doc.findtext(seller, namespaces=NS) == "12345678"
    payable = doc.findtext("cac:LegalMonetaryTotal/cbc:PayableAmount", namespaces=NS)
    assert payable == f"{cash.totals.total.amount:.3f}"
    assert len(doc.findall("cac:InvoiceLine", NS)) == len(cash.lines)
    assert invoice_xml(staff.org, cash) == xml  # a repeated export is the same file (same UUID)
    receivable = etree.fromstring(invoice_xml(staff.org, fleet))
    assert receivable.find("cbc:InvoiceTypeCode", NS).get("name") == "022"
    buyer = "cac:AccountingCustomerParty/cac:Party/cac:PartyIdentification/cbc:ID"
    assert receivable.findtext(buyer, namespaces=NS) == "4002345"


async def test_a_draft_invoice_cannot_be_exported(db: Database, staff: Staff) -> None:
    scene = await build(db, staff)
    async with db.read() as s:
        draft = await load_invoice(s, staff.org, scene.draft_invoice_id)
    with pytest.raises(InvalidInput) as refused:
        invoice_xml(staff.org, draft)
    assert refused.value.key == "error.document_not_issued"


async def test_the_checks_catch_a_missing_part_a_bad_amount_and_bad_sums(db: Database, staff: Staff) -> None:
    scene = await build(db, staff)
    async with db.read() as s:
        xml = invoice_xml(staff.org, await load_invoice(s, staff.org, scene.invoice_id))
    text = xml.decode()
    no_seller = text.replace(text[text.index("<cac:AccountingSupplierParty>"):
                                  text.index("</cac:AccountingSupplierParty>") + 31], "")
    assert any("AccountingSupplierParty" in e or "AccountingCustomerParty" in e
               for e in schema_errors(no_seller.encode()))
    too_precise = text.replace('currencyID="JOD">', 'currencyID="JOD">0.0001', 1)
    assert schema_errors(too_precise.encode())
    doc = etree.fromstring(xml)
    payable = doc.find("cac:LegalMonetaryTotal/cbc:PayableAmount", NS)
    assert payable is not None
    payable.text = "1.000"
    wrong = etree.tostring(doc)
    assert schema_errors(wrong) == []
    assert check_totals(wrong) == ["the payable amount is not the total including tax"]
    assert schema_errors(b"<Invoice") != []

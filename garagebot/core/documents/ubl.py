"""An issued invoice as UBL 2.1 XML in the JoFotara (Jordan) profile, and
its check: the schema (``schema/``, a trimmed UBL 2.1, see its README) and
the arithmetic no schema can check. Generation and validation only: nothing
is submitted.

Built with the standard library's ElementTree; validated with lxml (the
standard library has no XSD validator)."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
import zoneinfo
from decimal import Decimal
from functools import cache
from pathlib import Path

from lxml import etree

from garagebot.core.documents.einvoice import InvoiceType
from garagebot.core.documents.invoice import InvoiceData, Line
from garagebot.core.errors import InvalidInput

INV = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
PROFILE = "reporting:1.0"
INVOICE_CODE = "388"
# name = 0, then 1 cash / 2 receivable, then 2: a general sales (tax) invoice.
TYPE_NAME = {InvoiceType.CASH: "012", InvoiceType.RECEIVABLE: "022"}
SCHEMA = Path(__file__).resolve().parent / "schema" / "invoice.xsd"
_UUID_NS = uuid.UUID("6f0e4a52-8a5e-4c4b-9d59-0d3b1f7c2a10")

ET.register_namespace("", INV)
ET.register_namespace("cac", CAC)
ET.register_namespace("cbc", CBC)


def _el(parent: ET.Element, ns: str, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    child = ET.SubElement(parent, f"{{{ns}}}{tag}", attrs)
    if text is not None:
        child.text = text
    return child


def _amount(parent: ET.Element, name: str, value: Decimal, currency: str) -> None:
    _el(parent, CBC, name, f"{value:.3f}", currencyID=currency)


def _party(parent: ET.Element, name: str, tax_number: str, party_id: str | None) -> ET.Element:
    party = _el(parent, CAC, "Party")
    if party_id is not None:
        scheme_id = "TN" if tax_number else "NIN"
        _el(_el(party, CAC, "PartyIdentification"), CBC, "ID", party_id, schemeID=scheme_id)
    _el(_el(_el(party, CAC, "PostalAddress"), CAC, "Country"), CBC, "IdentificationCode", "JO")
    scheme = _el(party, CAC, "PartyTaxScheme")
    if tax_number:
        _el(scheme, CBC, "CompanyID", tax_number)
    _el(_el(scheme, CAC, "TaxScheme"), CBC, "ID", "VAT")
    _el(_el(party, CAC, "PartyLegalEntity"), CBC, "RegistrationName", name)
    return party


def _tax_category(parent: ET.Element, rate: Decimal) -> None:
    cat = _el(parent, CAC, "TaxCategory")
    _el(cat, CBC, "ID", "S" if rate > 0 else "Z", schemeAgencyID="6", schemeID="UN/ECE 5305")
    _el(cat, CBC, "Percent", f"{rate.normalize():f}")
    _el(_el(cat, CAC, "TaxScheme"), CBC, "ID", "VAT", schemeAgencyID="6", schemeID="UN/ECE 5153")


def _line(root: ET.Element, n: int, ln: Line, c: str) -> None:
    line = _el(root, CAC, "InvoiceLine")
    _el(line, CBC, "ID", str(n))
    _el(line, CBC, "InvoicedQuantity", f"{ln.quantity.normalize():f}", unitCode="PCE")
    _amount(line, "LineExtensionAmount", ln.net.amount, c)
    tax = _el(line, CAC, "TaxTotal")
    _amount(tax, "TaxAmount", ln.tax.amount, c)
    _amount(tax, "RoundingAmount", ln.total.amount, c)
    sub = _el(tax, CAC, "TaxSubtotal")
    _amount(sub, "TaxAmount", ln.tax.amount, c)
    _tax_category(sub, ln.tax_rate)
    _el(_el(line, CAC, "Item"), CBC, "Name", ln.description_ar or ln.description_en)
    price = _el(line, CAC, "Price")
    _amount(price, "PriceAmount", ln.unit_price.amount, c)
    allowance = _el(price, CAC, "AllowanceCharge")
    _el(allowance, CBC, "ChargeIndicator", "false")
    _el(allowance, CBC, "AllowanceChargeReason", "DISCOUNT")
    _amount(allowance, "Amount", ln.discount.amount, c)


def invoice_uuid(org_id: int, number: str) -> str:
    """The invoice's UUID: stable for a garage's invoice number, so a repeated export is the same file."""
    return str(uuid.uuid5(_UUID_NS, f"{org_id}:{number}"))


def invoice_xml(org_id: int, data: InvoiceData) -> bytes:
    """The UBL 2.1 JoFotara XML of an issued invoice (InvalidInput for a draft)."""
    if data.issued_at is None:
        raise InvalidInput("error.document_not_issued", number=data.number)
    c, t = data.currency, data.totals
    root = ET.Element(f"{{{INV}}}Invoice")
    _el(root, CBC, "ProfileID", PROFILE)
    _el(root, CBC, "ID", data.number)
    _el(root, CBC, "UUID", invoice_uuid(org_id, data.number))
    day = data.issued_at.astimezone(zoneinfo.ZoneInfo(data.garage.timezone)).date()
    _el(root, CBC, "IssueDate", day.isoformat())
    _el(root, CBC, "InvoiceTypeCode", INVOICE_CODE, name=TYPE_NAME[data.type])
    _el(root, CBC, "DocumentCurrencyCode", c)
    _el(root, CBC, "TaxCurrencyCode", c)
    ref = _el(root, CAC, "AdditionalDocumentReference")
    _el(ref, CBC, "ID", "ICV")
    _el(ref, CBC, "UUID", str(int(data.number.rsplit("-", 1)[-1])))  # the invoice counter value
    seller = _el(root, CAC, "AccountingSupplierParty")
    _party(seller, data.garage.name_ar or data.garage.name_en, data.garage.tax_number, None)
    buyer = _el(root, CAC, "AccountingCustomerParty")
    _party(buyer, data.payer.name, data.payer.tax_number, data.payer.tax_number or None)
    if data.payer.phone:
        _el(_el(buyer, CAC, "AccountingContact"), CBC, "Telephone", data.payer.phone)
    allowance = _el(root, CAC, "AllowanceCharge")
    _el(allowance, CBC, "ChargeIndicator", "false")
    _el(allowance, CBC, "AllowanceChargeReason", "discount")
    _amount(allowance, "Amount", t.discount_total.amount, c)
    _amount(_el(root, CAC, "TaxTotal"), "TaxAmount", t.tax_total.amount, c)
    money = _el(root, CAC, "LegalMonetaryTotal")
    _amount(money, "TaxExclusiveAmount", t.subtotal.amount, c)
    _amount(money, "TaxInclusiveAmount", t.total.amount, c)
    _amount(money, "AllowanceTotalAmount", t.discount_total.amount, c)
    _amount(money, "PayableAmount", t.total.amount, c)
    for n, ln in enumerate(data.lines, start=1):
        _line(root, n, ln, c)
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))


@cache
def _schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA)))


def schema_errors(xml: bytes) -> list[str]:
    """What the schema finds wrong with ``xml`` (empty when it is valid)."""
    try:
        doc = etree.fromstring(xml, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        return [str(exc)]
    schema = _schema()
    if schema.validate(doc):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]


def _sum(doc: etree._Element, path: str) -> Decimal:
    ns = {"cac": CAC, "cbc": CBC}
    return sum((Decimal(v.text) for v in doc.iterfind(path, ns)), Decimal(0))


def check_totals(xml: bytes) -> list[str]:
    """The arithmetic of a schema-valid document: the lines add up to the totals."""
    doc = etree.fromstring(xml, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    exclusive = _sum(doc, "cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount")
    allowance = _sum(doc, "cac:LegalMonetaryTotal/cbc:AllowanceTotalAmount")
    tax = _sum(doc, "cac:TaxTotal/cbc:TaxAmount")
    inclusive = _sum(doc, "cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount")
    problems = []
    if _sum(doc, "cac:InvoiceLine/cbc:LineExtensionAmount") != exclusive - allowance:
        problems.append("the lines' net amounts do not add up to the total before tax less the discount")
    if _sum(doc, "cac:InvoiceLine/cac:TaxTotal/cbc:TaxAmount") != tax:
        problems.append("the lines' tax does not add up to the invoice's tax")
    if exclusive - allowance + tax != inclusive:
        problems.append("the total including tax is not the net plus the tax")
    if _sum(doc, "cac:LegalMonetaryTotal/cbc:PayableAmount") != inclusive:
        problems.append("the payable amount is not the total including tax")
    return problems


def validate(xml: bytes) -> list[str]:
    """Every problem with ``xml``: the schema's first, then the arithmetic's."""
    return schema_errors(xml) or check_totals(xml)

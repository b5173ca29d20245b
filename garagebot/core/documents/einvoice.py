"""The Jordanian e-invoice data an invoice carries: the seller's tax number,
the invoice type (cash or receivable), the totals per tax rate, and the QR
code that prints them.

The QR holds a base64 TLV record (tag, length, UTF-8 value), one field per
tag, as ``QR_FIELDS`` lists: a reader needs no network and no garage key.
(The JoFotara portal returns its own QR after a submission; garagebot does
not submit, so this code stands until a garage connects to it.)"""

from __future__ import annotations

import base64
import datetime as dt
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

import segno

from garagebot.core.billing.enums import PayerKind


class InvoiceType(StrEnum):
    CASH = "cash"
    RECEIVABLE = "receivable"


def invoice_type(payer_kind: str) -> InvoiceType:
    """A fleet account buys on account; a client pays at the counter."""
    return InvoiceType.RECEIVABLE if payer_kind == PayerKind.FLEET.value else InvoiceType.CASH


@dataclass(frozen=True, slots=True)
class TaxBand:
    rate: Decimal  # percent
    taxable: Decimal
    tax: Decimal


def tax_bands(lines: Iterable[tuple[Decimal, Decimal, Decimal]]) -> tuple[TaxBand, ...]:
    """(rate, net, tax) per line → one band per rate, highest rate first."""
    sums: dict[Decimal, tuple[Decimal, Decimal]] = {}
    for rate, net, tax in lines:
        key = rate.normalize()
        taxable, taxed = sums.get(key, (Decimal(0), Decimal(0)))
        sums[key] = (taxable + net, taxed + tax)
    return tuple(TaxBand(rate, taxable, tax) for rate, (taxable, tax) in sorted(sums.items(), reverse=True))


QR_FIELDS: Mapping[int, str] = {
    1: "seller",
    2: "seller_tax_number",
    3: "issued_at",
    4: "total",
    5: "tax_total",
    6: "invoice_number",
    7: "invoice_type",
}


@dataclass(frozen=True, slots=True)
class QrData:
    seller: str
    seller_tax_number: str
    issued_at: dt.datetime
    total: Decimal
    tax_total: Decimal
    invoice_number: str
    invoice_type: InvoiceType

    def values(self) -> dict[str, str]:
        return {
            "seller": self.seller,
            "seller_tax_number": self.seller_tax_number,
            "issued_at": self.issued_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "total": f"{self.total:.3f}",
            "tax_total": f"{self.tax_total:.3f}",
            "invoice_number": self.invoice_number,
            "invoice_type": self.invoice_type.value,
        }


def qr_payload(data: QrData) -> str:
    values = data.values()
    out = bytearray()
    for tag, name in QR_FIELDS.items():
        raw = values[name].encode()[:255]
        out += bytes((tag, len(raw))) + raw
    return base64.b64encode(bytes(out)).decode("ascii")


def read_qr_payload(payload: str) -> dict[str, str]:
    """The fields of a payload made by ``qr_payload`` (for readers and tests)."""
    raw, fields, at = base64.b64decode(payload, validate=True), {}, 0
    while at < len(raw):
        tag, size = raw[at], raw[at + 1]
        fields[QR_FIELDS.get(tag, str(tag))] = raw[at + 2 : at + 2 + size].decode()
        at += 2 + size
    return fields


def qr_png(payload: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(payload, error="m", micro=False).save(buffer, kind="png", scale=6, border=2)
    return buffer.getvalue()

"""What every document is made of, before it is drawn: a title and number,
facts (dates, references), the other party, a table of lines, totals and
notes. Each document module fills a ``Sheet`` from the core read models;
``layout.draw`` prints any sheet the same way, mirrored in Arabic."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class DocumentKind(StrEnum):
    QUOTE = "quote"
    INVOICE = "invoice"
    RECEIPT = "receipt"
    CREDIT_NOTE = "credit-note"
    PURCHASE_ORDER = "purchase-order"
    SUPPLIER_STATEMENT = "supplier-statement"
    CLIENT_STATEMENT = "client-statement"
    FLEET_STATEMENT = "fleet-statement"


@dataclass(frozen=True, slots=True)
class Column:
    title: str
    width: float  # a share of the table's width
    numeric: bool = False


@dataclass(frozen=True, slots=True)
class Total:
    label: str
    value: str
    strong: bool = False


@dataclass(frozen=True, slots=True)
class Sheet:
    title: str
    number: str
    facts: tuple[tuple[str, str], ...]
    party_title: str
    party: tuple[str, ...]
    columns: tuple[Column, ...]
    rows: tuple[tuple[str, ...], ...]
    totals: tuple[Total, ...] = ()
    notes: tuple[str, ...] = ()
    qr_png: bytes | None = None
    qr_caption: str = ""
    stamp: str = ""  # a word across the page: "VOID"
    extra_tables: tuple[tuple[str, tuple[Column, ...], tuple[tuple[str, ...], ...]], ...] = field(default=())


@dataclass(frozen=True, slots=True)
class RenderedDocument:
    kind: DocumentKind
    filename: str
    locale: str
    pdf: bytes

"""The client's signed link to an invoice's PDF: PUBLIC_URL/d/<token>.

The token (core.links, its own kind so no other link's token opens it) names
only the invoice; the invoice's row tells which garage it belongs to, and
only an issued invoice (issued, part paid, paid or void) is served."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.core.billing.enums import InvoiceStatus
from garagebot.core.errors import NotFound
from garagebot.core.links import make_token
from garagebot.core.models import Invoice

INVOICE_PDF = "document.invoice"
DOCUMENT_PATH = "/d/"
# A client may open the invoice for a while after the visit (warranty, expenses).
DOCUMENT_LINK_DAYS = 90


def invoice_pdf_url(public_url: str, secret: str, invoice_id: int, *, now: dt.datetime) -> str:
    return f"{public_url.rstrip('/')}{DOCUMENT_PATH}{make_token(secret, INVOICE_PDF, invoice_id, now=now)}"


async def linked_invoice_garage(session: AsyncSession, invoice_id: int) -> int:
    """The garage of the issued invoice a link names; NotFound ``error.link_invalid`` otherwise."""
    row = (await session.execute(select(Invoice.organization_id, Invoice.status).where(
        Invoice.id == invoice_id))).one_or_none()
    if row is None or row[1] == InvoiceStatus.DRAFT.value:
        raise NotFound("error.link_invalid")
    return int(row[0])

"""Sending an issued invoice's PDF link to its client again, on request
from staff (the chat's "send PDF" button). The service checks and records
the request; the notification rule (core.notify, on
``documents.invoice_pdf_requested``) queues the message with the signed
link, in the client's language and on their channel, as it does for the
invoice's first message."""

from __future__ import annotations

from garagebot.core.billing.enums import InvoiceStatus, PayerKind
from garagebot.core.errors import InvalidInput, InvalidTransition
from garagebot.core.ids import InvoiceId
from garagebot.core.models import Client, Invoice
from garagebot.core.permissions import Permission
from garagebot.core.uow import UnitOfWork

PDF_REQUESTED = "documents.invoice_pdf_requested"


async def send_invoice_pdf(uow: UnitOfWork, invoice_id: InvoiceId) -> str:
    """Ask for the invoice's PDF link to go to its client; the client's name.
    Refused for a draft or void invoice, a fleet's invoice (the fleet account
    pays, not the driver) and a client who declined messages."""
    await uow.require(Permission.MANAGE_BILLING)
    inv = await uow.get(Invoice, invoice_id)
    if inv.issued_at is None or inv.status == InvoiceStatus.VOID.value:
        raise InvalidTransition("error.document_not_issued", number=inv.number)
    if inv.payer_kind != PayerKind.CLIENT.value:
        raise InvalidInput("error.document_fleet_invoice", number=inv.number)
    client = await uow.get(Client, inv.client_id)
    if not client.messaging_consent:
        raise InvalidInput("error.document_no_consent", name=client.name)
    await uow.audit("invoice", inv.id, "send_pdf", before=None, after={"client_id": client.id})
    uow.emit(PDF_REQUESTED, {"invoice_id": inv.id, "session_id": inv.session_id})
    return client.name

"""GET /d/{token}: the PDF of an issued invoice, for the client who got the
link in their invoice message. Rate-limited like every page; the token is
signed, of its own kind, and expires; the invoice's garage comes from its row.
``?lang=en|ar`` picks the language (default: the client's)."""

from __future__ import annotations

from aiohttp import web

from garagebot.core.documents.links import DOCUMENT_LINK_DAYS, INVOICE_PDF, linked_invoice_garage
from garagebot.core.documents.render import DocumentRequest, render_document
from garagebot.core.documents.sheet import DocumentKind
from garagebot.core.links import read_token
from garagebot.webhooks.pages.render import LOCALES
from garagebot.webhooks.pages.room import PagesRoom

PDF_HEADERS = {
    "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'", "Referrer-Policy": "no-referrer",
}


class DocumentHandlers:
    def __init__(self, room: PagesRoom) -> None:
        self.room = room

    async def show(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        self.room.limit(request, token)
        invoice_id = read_token(self.room.config.secret, INVOICE_PDF, token, DOCUMENT_LINK_DAYS * 86400,
                                now=self.room.now(request))
        deps = self.room.deps(request)
        lang = request.query.get("lang")
        async with deps.db.read() as session:
            org_id = await linked_invoice_garage(session, invoice_id)
            doc = await render_document(
                session, deps.translator, org_id,
                DocumentRequest(DocumentKind.INVOICE, invoice_id, lang if lang in LOCALES else None),
                logo=deps.storage.get)
        return web.Response(body=doc.pdf, content_type="application/pdf", headers={
            **PDF_HEADERS, "Content-Disposition": f'inline; filename="{doc.filename}"'})

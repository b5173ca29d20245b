"""Downloads of the garage's documents: every PDF (in the reader's language
by default, ``?lang=en|ar`` to choose) and an issued invoice's JoFotara UBL
XML. Each route checks the role (billing documents: MANAGE_BILLING; supplier
documents: MANAGE_PURCHASING) and reads only the signed-in member's garage,
so another garage's id is a 404."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web

from garagebot.admin_web.deps import deps
from garagebot.admin_web.frame import Ctx, page
from garagebot.core.documents.invoice import load_invoice
from garagebot.core.documents.render import DocumentRequest, render_document
from garagebot.core.documents.sheet import DocumentKind
from garagebot.core.documents.ubl import invoice_xml
from garagebot.core.permissions import Permission

PDF_PATHS: Mapping[DocumentKind, Permission] = {
    DocumentKind.QUOTE: Permission.MANAGE_BILLING,
    DocumentKind.INVOICE: Permission.MANAGE_BILLING,
    DocumentKind.RECEIPT: Permission.MANAGE_BILLING,
    DocumentKind.CREDIT_NOTE: Permission.MANAGE_BILLING,
    DocumentKind.CLIENT_STATEMENT: Permission.MANAGE_BILLING,
    DocumentKind.FLEET_STATEMENT: Permission.MANAGE_BILLING,
    DocumentKind.PURCHASE_ORDER: Permission.MANAGE_PURCHASING,
    DocumentKind.SUPPLIER_STATEMENT: Permission.MANAGE_PURCHASING,
}
HEADERS = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}


def pdf_url(kind: DocumentKind, subject_id: int, lang: str | None = None) -> str:
    """The console path of a document (templates link to it)."""
    return f"/documents/{kind.value}/{subject_id}.pdf" + (f"?lang={lang}" if lang else "")


def _day(raw: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        return None


def _request(ctx: Ctx, kind: DocumentKind) -> DocumentRequest:
    q = ctx.request.query
    today = deps(ctx.request).db.clock.now().astimezone(zoneinfo.ZoneInfo(ctx.me.timezone)).date()
    lang = q.get("lang")
    return DocumentRequest(kind, int(ctx.request.match_info["id"]), lang if lang in ("en", "ar") else None,
                           today=_day(q.get("to", "")) or today, start=_day(q.get("from", "")))


def _pdf_handler(kind: DocumentKind, permission: Permission
                 ) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    @page(permission)
    async def download(ctx: Ctx) -> web.StreamResponse:
        found = deps(ctx.request)
        async with found.db.read() as session:
            doc = await render_document(session, found.translator, ctx.me.org_id, _request(ctx, kind),
                                        logo=found.storage.get)
        disposition = "attachment" if ctx.request.query.get("download") == "1" else "inline"
        return web.Response(body=doc.pdf, content_type="application/pdf", headers={
            **HEADERS, "Content-Disposition": f'{disposition}; filename="{doc.filename}"'})

    return download


@page(Permission.MANAGE_BILLING)
async def invoice_ubl(ctx: Ctx) -> web.StreamResponse:
    """The issued invoice as JoFotara UBL 2.1 XML (a draft is refused with its reason)."""
    async with deps(ctx.request).db.read() as session:
        data = await load_invoice(session, ctx.me.org_id, int(ctx.request.match_info["id"]))
    body = invoice_xml(ctx.me.org_id, data)
    return web.Response(body=body, content_type="application/xml", charset="utf-8", headers={
        **HEADERS, "Content-Disposition": f'attachment; filename="{data.number}.xml"'})


def add_routes(app: web.Application) -> None:
    for kind, permission in PDF_PATHS.items():
        app.router.add_get(rf"/documents/{kind.value}/{{id:\d+}}.pdf", _pdf_handler(kind, permission))
    app.router.add_get(r"/documents/invoice/{id:\d+}.xml", invoice_ubl)

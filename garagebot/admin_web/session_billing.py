"""The money side of a session page and its delivery, the same services as
the chat's quote, billing and session screens: the quote (make a draft or
revise a sent one, add a line from a template, a reserved part or typed, remove
one, the discount as an amount or "10%" — above the author's limit it waits
for a manager —, send after a preview), the invoice (make, issue, record a
payment; the client's receipt is queued by the service) and delivery on the
client's PIN (a manager over an unpaid invoice, with a reason)."""

from __future__ import annotations

import re
from decimal import Decimal

from aiohttp import web
from sqlalchemy import select

from garagebot.admin_web.deps import deps
from garagebot.admin_web.forms import TOP, Form
from garagebot.admin_web.frame import Ctx, page, render
from garagebot.admin_web.session_actions import Action, act, of_session, sid_of
from garagebot.admin_web.text import Text
from garagebot.conversations.staff.billing_reads import session_invoice
from garagebot.core.billing.enums import LineKind, QuoteStatus
from garagebot.core.billing.invoices import issue_invoice
from garagebot.core.billing.payments import record_payment
from garagebot.core.billing.quote_flow import send_quote
from garagebot.core.billing.quotes import (
    NewLine,
    add_quote_line,
    approve_quote_discount,
    create_quote,
    remove_quote_line,
    revise_quote,
    set_quote_discount,
)
from garagebot.core.billing.template_lines import template_lines
from garagebot.core.billing.views import quote_view
from garagebot.core.errors import Conflict, InvalidInput, NotFound
from garagebot.core.ids import InvoiceId, OrgId, QuoteId, QuoteLineId, SessionId, TemplateId
from garagebot.core.models import InventoryItem, Invoice, Quote, QuoteLine, RepairSession, Reservation
from garagebot.core.money import parse_decimal
from garagebot.core.normalize import ascii_digits
from garagebot.core.permissions import Permission
from garagebot.core.repair.delivery import confirm_delivery
from garagebot.core.staff_views import active_templates
from garagebot.core.uow import UnitOfWork

_CURRENCY = re.compile(r"(jod|jd|dinars?|دنانير|دينار|د\.?\s*أ\.?)", re.IGNORECASE)


def amount_of(raw: str) -> str:
    """An amount as a person types it ("25", "25.500 JOD", "٢٥٫٥"), for the core's parser."""
    return _CURRENCY.sub("", ascii_digits(raw)).replace("٪", "%").replace(" ", "").strip()


async def latest_quote(uow: UnitOfWork, sid: SessionId) -> Quote:
    found = (await uow.session.scalars(select(Quote).where(
        Quote.organization_id == uow.org_id, Quote.session_id == sid)
        .order_by(Quote.version.desc()).limit(1))).first()
    if found is None:
        raise Conflict("console_floor.error.no_quote")
    return found


async def _new_quote(uow: UnitOfWork, sid: SessionId, form: Form, text: Text) -> str | None:
    found = (await uow.session.scalars(select(Quote).where(
        Quote.organization_id == uow.org_id, Quote.session_id == sid)
        .order_by(Quote.version.desc()).limit(1))).first()
    if found is None:
        await create_quote(uow, sid)
    elif found.status != QuoteStatus.DRAFT.value:
        await revise_quote(uow, QuoteId(found.id))
    return None


async def _lines_to_add(uow: UnitOfWork, sid: SessionId, form: Form) -> list[NewLine]:
    kind = form.get("kind")
    if kind == "template":
        chosen = form.get("template")
        rows = await active_templates(uow.session, OrgId(uow.org_id))
        row = next((t for t in rows if str(t.template_id) == chosen), None)
        if row is None:
            raise InvalidInput("console.error.required")
        return await template_lines(uow, TemplateId(row.template_id), row.name_en, row.name_ar)
    if kind == "part":
        if not form.get("part").isdigit():
            raise InvalidInput("console.error.required")
        r = await uow.get(Reservation, int(form.get("part")))
        of_session(r.session_id, sid, "reservation", r.id)
        item = await uow.get(InventoryItem, r.item_id)
        return [NewLine(LineKind.PART, item.name_en, item.name_ar, Decimal(r.quantity), Decimal(r.unit_price),
                        reservation_id=r.id)]
    description = form.get("description")
    if not description or not form.get("amount"):
        raise InvalidInput("console.error.required")
    return [NewLine(LineKind.FEE if kind == "fee" else LineKind.LABOUR, description, description, "1",
                    amount_of(form.get("amount")))]


async def _add_line(uow: UnitOfWork, sid: SessionId, form: Form, text: Text) -> str | None:
    quote = await latest_quote(uow, sid)
    for line in await _lines_to_add(uow, sid, form):
        await add_quote_line(uow, QuoteId(quote.id), line)
    return None


def _remove(line_id: int) -> Action:
    async def remove(uow: UnitOfWork, sid: SessionId, form: Form, text: Text) -> str | None:
        line = await uow.get(QuoteLine, line_id)
        quote = await uow.get(Quote, line.quote_id)
        of_session(quote.session_id, sid, "quote_line", line_id)
        await remove_quote_line(uow, QuoteLineId(line_id))
        return None

    return remove


async def _discount(uow: UnitOfWork, sid: SessionId, form: Form, text: Text) -> str | None:
    quote = await latest_quote(uow, sid)
    amount = amount_of(form.get("discount"))
    if amount.endswith("%"):
        percent = parse_decimal(amount[:-1], 2, allow_zero=True, field="percent")
        amount = str((Decimal(quote.subtotal) * percent / 100).quantize(Decimal("0.001")))
    await set_quote_discount(uow, QuoteId(quote.id), amount)
    return None


async def _approve_discount(uow: UnitOfWork, sid: SessionId, form: Form, text: Text) -> str | None:
    await approve_quote_discount(uow, QuoteId((await latest_quote(uow, sid)).id))  # its author is told
    return "discount_approved"


async def _send(uow: UnitOfWork, sid: SessionId, form: Form, text: Text) -> str | None:
    quote = await latest_quote(uow, sid)
    if quote.status == QuoteStatus.DRAFT.value:  # a second press after it was sent changes nothing
        await send_quote(uow, QuoteId(quote.id))
    return "quote_sent"


async def _new_invoice(uow: UnitOfWork, sid: SessionId, form: Form, text: Text) -> str | None:
    await session_invoice(uow, sid)
    return None


async def _live_invoice(uow: UnitOfWork, sid: SessionId) -> InvoiceId:
    found = (await uow.session.scalars(select(Invoice.id).where(
        Invoice.organization_id == uow.org_id, Invoice.session_id == sid, Invoice.status != "VOID")
        .order_by(Invoice.id.desc()).limit(1))).first()
    if found is None:
        raise Conflict("console_floor.error.no_invoice")
    return InvoiceId(found)


async def _issue(uow: UnitOfWork, sid: SessionId, form: Form, text: Text) -> str | None:
    await issue_invoice(uow, await _live_invoice(uow, sid))
    return "invoice_issued"


async def _pay(uow: UnitOfWork, sid: SessionId, form: Form, text: Text) -> str | None:
    result = await record_payment(uow, await _live_invoice(uow, sid), amount_of(form.get("amount")),
                                  form.get("method"), reference=form.get("reference") or None)
    return "payment_repeated" if result.repeated else "payment_recorded"


async def _deliver(uow: UnitOfWork, sid: SessionId, form: Form, text: Text) -> str | None:
    outcome = await confirm_delivery(uow, sid, pin=ascii_digits(form.get("pin")),
                                     override_reason=form.get("reason") or None)
    if outcome.key is not None:  # a wrong PIN: counted (committed), asked again
        form.errors[TOP] = text(outcome.key, **dict(outcome.params))
        return None
    return "delivered"


@page(Permission.MANAGE_BILLING)
async def new_quote(ctx: Ctx) -> web.StreamResponse:
    return await act(ctx, "quote", (), _new_quote)


@page(Permission.MANAGE_BILLING)
async def add_line(ctx: Ctx) -> web.StreamResponse:
    return await act(ctx, "quote_line", ("kind", "template", "part", "description", "amount"), _add_line,
                     required=("kind",))


@page(Permission.MANAGE_BILLING)
async def remove_line(ctx: Ctx) -> web.StreamResponse:
    return await act(ctx, "quote", (), _remove(int(ctx.request.match_info["line"])))


@page(Permission.MANAGE_BILLING)
async def discount(ctx: Ctx) -> web.StreamResponse:
    return await act(ctx, "discount", ("discount",), _discount, required=("discount",))


@page(Permission.APPROVE_DISCOUNT)
async def approve_discount(ctx: Ctx) -> web.StreamResponse:
    return await act(ctx, "discount", (), _approve_discount)


@page(Permission.MANAGE_BILLING)
async def send(ctx: Ctx) -> web.StreamResponse:
    """Without ``confirm``: the preview the client will get, with the confirming button."""
    posted = await ctx.request.post()
    if posted.get("confirm") == "1":
        return await act(ctx, "send", (), _send)
    sid, me, db = sid_of(ctx), ctx.me, deps(ctx.request).db
    async with db.read() as s:
        rs = (await s.scalars(select(RepairSession).where(
            RepairSession.id == sid, RepairSession.organization_id == me.org_id))).first()
        qid = (await s.scalars(select(Quote.id).where(
            Quote.organization_id == me.org_id, Quote.session_id == sid)
            .order_by(Quote.version.desc()).limit(1))).first()
        if rs is None:
            raise NotFound("error.not_found", entity="repair_session", id=sid)
        if qid is None:
            raise Conflict("console_floor.error.no_quote")
        view = await quote_view(s, me.org_id, QuoteId(qid))
    return render(ctx, "session_quote_send.html", {"number": rs.number, "sid": sid, "q": view})


@page(Permission.MANAGE_BILLING)
async def new_invoice(ctx: Ctx) -> web.StreamResponse:
    return await act(ctx, "invoice", (), _new_invoice)


@page(Permission.MANAGE_BILLING)
async def issue(ctx: Ctx) -> web.StreamResponse:
    return await act(ctx, "invoice", (), _issue)


@page(Permission.MANAGE_BILLING)
async def pay(ctx: Ctx) -> web.StreamResponse:
    return await act(ctx, "payment", ("method", "amount", "reference"), _pay, required=("method", "amount"))


@page(Permission.CONFIRM_DELIVERY)
async def deliver(ctx: Ctx) -> web.StreamResponse:
    return await act(ctx, "deliver", ("pin", "reason"), _deliver, required=("pin",))


def add_routes(app: web.Application) -> None:
    base = r"/sessions/{id:\d+}"
    for path, handler in (("/quote", new_quote), ("/quote/lines", add_line),
                          (r"/quote/lines/{line:\d+}/remove", remove_line), ("/quote/discount", discount),
                          ("/quote/discount/approve", approve_discount),
                          ("/quote/send", send), ("/invoice", new_invoice), ("/invoice/issue", issue),
                          ("/invoice/payment", pay), ("/deliver", deliver)):
        app.router.add_post(base + path, handler)

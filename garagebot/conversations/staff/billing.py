"""The money side in chat, for advisors, managers and the accountant: today's
payments, the open invoices, an invoice (issued, paid, the payer's credit
used), and recording a payment or a deposit: method, amount as a person
types it ("25", "25.500 JOD", "٢٥٫٥"), reference. Every write is one core
service of ``core.billing``; the client's receipt is queued by it.

```mermaid
stateDiagram-v2
    [*] --> home
    home --> home: today's payments
    home --> open: open invoices
    home --> invoice: a payment's invoice
    open --> invoice: an invoice
    invoice --> invoice: issue / use the payer's credit
    invoice --> method: record a payment
    method --> amount: cash / card / transfer / other
    amount --> reference: an amount
    reference --> invoice: a reference or none (a payment)
    reference --> sessions.session: a reference or none (a deposit)
```
"""

from __future__ import annotations

import re
from enum import StrEnum

from garagebot.conversations.router import BACK, Flow, StateSpec, Step, StepContext, go, stay
from garagebot.conversations.staff import billing_reads as reads
from garagebot.conversations.staff import common as c
from garagebot.conversations.staff.labels import label
from garagebot.conversations.text import Vocabulary
from garagebot.conversations.types import Choice, Reply
from garagebot.core.billing.enums import OPEN_INVOICE, InvoiceStatus, PayerKind, PaymentMethod
from garagebot.core.billing.invoices import issue_invoice
from garagebot.core.billing.payments import PaymentResult, apply_credit, record_deposit, record_payment
from garagebot.core.billing.settings import load_settings
from garagebot.core.billing.views import invoice_view
from garagebot.core.documents.send import send_invoice_pdf
from garagebot.core.ids import InvoiceId, OrgId, SessionId
from garagebot.core.models import Invoice, RepairSession
from garagebot.core.money import format_money, parse_amount
from garagebot.core.permissions import Permission

FLOW = "billing"
_WORDS = Vocabulary({
    "today": ("payments", "today", "today's payments", "المدفوعات", "دفعات اليوم", "مدفوعات اليوم"),
    "open": ("invoices", "open invoices", "الفواتير", "الفواتير المفتوحة"),
})
# Currency words a person may type after an amount ("25 JOD", "٢٥ دينار").
_CURRENCY = re.compile(r"(jod|jd|dinars?|دنانير|دينار|د\.?\s*أ\.?)", re.IGNORECASE)


class BillingState(StrEnum):
    HOME = "home"
    OPEN = "open"
    INVOICE = "invoice"
    METHOD = "method"
    AMOUNT = "amount"
    REFERENCE = "reference"


def status_of(ctx: StepContext, status: InvoiceStatus) -> str:
    return label(ctx, f"billing.status_{status.value.lower()}")


def method_label(ctx: StepContext, method: str) -> str:
    return label(ctx, f"billing.method_{method.lower()}")


async def home_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    return (Reply("billing.home", {}, (Choice("bl:today", "billing.btn_today"),
                                       Choice("bl:open", "billing.btn_open"))),)


async def _today_reply(ctx: StepContext) -> Reply:
    local = ctx.now.astimezone(await c.zone(ctx.uow))
    rows = await reads.todays_payments(ctx.uow, local.replace(hour=0, minute=0, second=0, microsecond=0))
    settings = await load_settings(ctx.uow)
    total = sum((r.amount.amount for r in rows), parse_amount("0", settings.currency).amount)
    choices = tuple(Choice(f"bi:{r.invoice_id}" if r.invoice_id else "bl:today", "billing.payment_line", {
        "receipt": r.receipt, "amount": format_money(r.amount, ctx.me.locale),
        "method": method_label(ctx, r.method), "invoice": r.invoice or label(ctx, "billing.deposit_word"),
    }) for r in rows)
    shown = format_money(parse_amount(str(total), settings.currency), ctx.me.locale)
    return Reply("billing.today", {"count": len(rows), "total": shown}, (*choices, BACK))


async def home(ctx: StepContext) -> Step:
    chosen = c.chosen_id(ctx, "bi")
    if chosen is not None:
        return await _open(ctx, chosen)
    found = _WORDS.match(ctx.msg.text) if ctx.msg.text and ctx.msg.choice is None else None
    intent = ctx.msg.choice.removeprefix("bl:") if ctx.msg.choice else (found.intent if found else "")
    if intent == "today":
        return stay(await _today_reply(ctx))
    if intent == "open":
        return go(FLOW, BillingState.OPEN)
    return stay(Reply("billing.not_understood"), reprompt=True)


async def open_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    rows = await reads.open_invoices(ctx.uow)
    choices = tuple(Choice(f"bi:{r.invoice_id}", "billing.open_line", {
        "number": r.number, "session": r.session, "status": status_of(ctx, r.status),
        "balance": format_money(r.balance, ctx.me.locale)}) for r in rows)
    return (Reply("billing.open_list", {"count": len(rows)}, (*choices, BACK)),)


async def open_list(ctx: StepContext) -> Step:
    chosen = c.chosen_id(ctx, "bi")
    if chosen is None:
        return stay(reprompt=True)
    return await _open(ctx, chosen)


async def _open(ctx: StepContext, chosen: int) -> Step:
    """An invoice of the sender's garage (another's is "not found"), for a role that bills."""
    await ctx.uow.require(Permission.MANAGE_BILLING)
    await ctx.uow.get(Invoice, chosen)
    return go(FLOW, BillingState.INVOICE, data={"invoice": chosen})


def _invoice(ctx: StepContext) -> InvoiceId:
    return reads.invoice_id(ctx.data.get("invoice")) or InvoiceId(0)


async def invoice_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    v = await invoice_view(ctx.uow.session, OrgId(ctx.me.org_id), _invoice(ctx))
    inv = await ctx.uow.get(Invoice, v.id)
    rs = await ctx.uow.get(RepairSession, inv.session_id)
    credit = await reads.payer_credit(ctx.uow, inv)
    is_open = v.status in OPEN_INVOICE
    choices = [Choice(cid, key, params) for cid, key, params, shown in (
        ("bv:issue", "billing.btn_issue", {}, v.status is InvoiceStatus.DRAFT),
        ("bv:pay", "billing.btn_pay", {}, is_open),
        ("bv:credit", "billing.btn_credit", {"credit": format_money(credit, ctx.me.locale)},
         is_open and credit.amount > 0),
        ("bv:pdf", "documents.send_pdf", {}, v.issued_at is not None and v.status is not InvoiceStatus.VOID
         and inv.payer_kind == PayerKind.CLIENT.value),
    ) if shown]
    loc = ctx.me.locale
    return (Reply("billing.invoice_card", {
        "number": v.number, "session": rs.number, "status": status_of(ctx, v.status),
        "total": format_money(v.total, loc), "paid": format_money(v.paid, loc),
        "balance": format_money(v.balance, loc)}, (*choices, BACK)),)


async def invoice(ctx: StepContext) -> Step:
    iid = _invoice(ctx)
    if c.pressed(ctx, "bv:issue"):
        status = await issue_invoice(ctx.uow, iid)
        inv = await ctx.uow.get(Invoice, iid)
        return stay(Reply("billing.issued", {
            "number": inv.number, "status": status_of(ctx, status)}), reprompt=True)
    if c.pressed(ctx, "bv:pay"):
        return go(FLOW, BillingState.METHOD, data={"invoice": iid, "kind": "payment"})
    if c.pressed(ctx, "bv:pdf"):
        name = await send_invoice_pdf(ctx.uow, iid)
        inv = await ctx.uow.get(Invoice, iid)
        return stay(Reply("documents.pdf_sent", {"number": inv.number, "name": name}), reprompt=True)
    if c.pressed(ctx, "bv:credit"):
        used = await apply_credit(ctx.uow, iid)
        shown = format_money(used, ctx.me.locale)
        return stay(Reply("billing.credit_applied", {"amount": shown}), reprompt=True)
    return stay(reprompt=True)


async def method_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    choices = tuple(Choice(f"pm:{m.value}", f"billing.method_{m.value.lower()}") for m in PaymentMethod)
    key = "billing.deposit_method_prompt" if ctx.data.get("kind") == "deposit" else "billing.method_prompt"
    return (Reply(key, {}, (*choices, BACK)),)


async def method(ctx: StepContext) -> Step:
    chosen = (ctx.msg.choice or "").removeprefix("pm:")
    if chosen not in {m.value for m in PaymentMethod}:
        return stay(reprompt=True)
    return go(FLOW, BillingState.AMOUNT, data={**ctx.data, "method": chosen})


async def amount_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    how = method_label(ctx, str(ctx.data.get("method")))
    return (Reply("billing.amount_prompt", {"method": how}, (BACK,)),)


async def amount(ctx: StepContext) -> Step:
    text = _CURRENCY.sub("", c.typed(ctx)).strip()
    if not text:
        return stay(reprompt=True)
    money = parse_amount(text, (await load_settings(ctx.uow)).currency, allow_zero=False)
    return go(FLOW, BillingState.REFERENCE, data={**ctx.data, "amount": str(money.amount)})


async def reference_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    return (Reply("billing.reference_prompt", {}, (Choice("pr:none", "billing.btn_no_reference"), BACK)),)


async def reference(ctx: StepContext) -> Step:
    ref = None if c.pressed(ctx, "pr:none") else (c.typed(ctx) or None)
    if ref is None and not c.pressed(ctx, "pr:none"):
        return stay(reprompt=True)
    how, amount_ = str(ctx.data.get("method")), str(ctx.data.get("amount"))
    if ctx.data.get("kind") == "deposit":
        sid = c.data_session(ctx) or SessionId(0)
        result = await record_deposit(ctx.uow, sid, amount_, how, reference=ref)
        rs = await ctx.uow.get(RepairSession, sid)
        said = Reply("billing.deposit_recorded", {"number": rs.number, **_paid(ctx, result)})
        return go("sessions", "session", said, *_receipt(result), data={"session": sid}, remember=False)
    iid = _invoice(ctx)
    result = await record_payment(ctx.uow, iid, amount_, how, reference=ref)
    inv = await ctx.uow.get(Invoice, iid)
    said = Reply("billing.payment_recorded", {"number": inv.number, **_paid(ctx, result)})
    return go(FLOW, BillingState.INVOICE, said, *_receipt(result), data={"invoice": iid}, remember=False)


def _paid(ctx: StepContext, result: PaymentResult) -> dict[str, str]:
    return {"receipt": result.receipt_number, "amount": format_money(result.amount, ctx.me.locale)}


def _receipt(result: PaymentResult) -> tuple[Reply, ...]:
    if result.repeated:
        return (Reply("billing.payment_repeated", {"receipt": result.receipt_number}),)
    return (Reply("billing.receipt_sent"),) if result.receipt_sent else ()


BILLING = Flow(FLOW, BillingState.HOME, {
    BillingState.HOME: StateSpec(home_prompt, home, help_key="billing.help"),
    BillingState.OPEN: StateSpec(open_prompt, open_list, help_key="billing.help"),
    BillingState.INVOICE: StateSpec(invoice_prompt, invoice, help_key="billing.help"),
    BillingState.METHOD: StateSpec(method_prompt, method, help_key="billing.help"),
    BillingState.AMOUNT: StateSpec(amount_prompt, amount, help_key="billing.help"),
    BillingState.REFERENCE: StateSpec(reference_prompt, reference, help_key="billing.help"),
})

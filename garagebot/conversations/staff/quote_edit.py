"""Editing a draft quote in chat (the states of ``quote``): add a line
(labour from a template at the garage's rate, a part reserved for the
session at its price, a fee, a free line typed as "description amount"),
change a line's quantity, price or discount, remove it, and the discount of
the whole quote (an amount, or "10%"). Each is one core service of
``core.billing.quotes``; a discount above the author's limit waits for a
manager, who is asked by the notification rules."""

from __future__ import annotations

import re
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import select

from garagebot.conversations.router import BACK, StateSpec, Step, StepContext, go, stay
from garagebot.conversations.staff import common as c
from garagebot.conversations.types import Choice, Reply
from garagebot.core.billing.enums import LineKind, QuoteStatus
from garagebot.core.billing.quotes import (
    NewLine,
    add_quote_line,
    change_quote_line,
    remove_quote_line,
    set_quote_discount,
)
from garagebot.core.billing.template_lines import template_lines
from garagebot.core.ids import OrgId, QuoteId, QuoteLineId
from garagebot.core.inventory.states import ReservationStatus
from garagebot.core.models import InventoryItem, Quote, QuoteLine, Reservation
from garagebot.core.money import format_money, parse_amount, parse_decimal
from garagebot.core.normalize import ascii_digits
from garagebot.core.staff_views import active_templates

FLOW = "quote"
_TYPED = re.compile(r"^(?P<text>.+?)\s+(?P<amount>[\d٠-٩.,٫٬]+)\s*(jod|jd|دينار|د\.?أ\.?)?$", re.IGNORECASE)
_FIELDS = {"qv:quantity": "quantity", "qv:unit_price": "unit_price", "qv:line_discount": "line_discount"}


class QuoteState(StrEnum):
    PREVIEW = "preview"
    ADD = "add"
    TEMPLATE = "template"
    PART = "part"
    TYPED = "typed"
    LINE = "line"
    VALUE = "value"
    DISCOUNT = "discount"


def _quote(ctx: StepContext) -> QuoteId:
    return QuoteId(c.data_int(ctx.data, "quote") or 0)


def back_to_preview(ctx: StepContext, *replies: Reply) -> Step:
    return go(FLOW, QuoteState.PREVIEW, *replies, data={"session": c.data_session(ctx) or 0}, remember=False)


async def add_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    kinds = ("template", "part", "fee", "free")
    choices = tuple(Choice(f"qk:{k}", f"quote.btn_kind_{k}") for k in kinds)
    return (Reply("quote.add_prompt", {}, (*choices, BACK)),)


async def add(ctx: StepContext) -> Step:
    kind = (ctx.msg.choice or "").removeprefix("qk:")
    target = {"template": QuoteState.TEMPLATE, "part": QuoteState.PART}.get(kind)
    if target is not None:
        return go(FLOW, target)
    if kind in ("fee", "free"):
        return go(FLOW, QuoteState.TYPED, data={**ctx.data, "kind": kind})
    return stay(reprompt=True)


async def template_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    rows = await active_templates(ctx.uow.session, OrgId(ctx.me.org_id))
    choices = tuple(Choice(f"qt:{t.template_id}", "staff.template_line",
                           {"name": c.localized(ctx, t.name_en, t.name_ar)}) for t in rows)
    return (Reply("quote.template_prompt", {"count": len(rows)}, (*choices, BACK)),)


async def template(ctx: StepContext) -> Step:
    chosen = c.chosen_id(ctx, "qt")
    row = next((t for t in await active_templates(ctx.uow.session, OrgId(ctx.me.org_id))
                if t.template_id == chosen), None)
    if row is None:
        return stay(reprompt=True)
    lines = await template_lines(ctx.uow, row.template_id, row.name_en, row.name_ar)
    for line in lines:
        await add_quote_line(ctx.uow, _quote(ctx), line)
    return back_to_preview(ctx, Reply("quote.line_added"))


async def _parts(ctx: StepContext) -> list[tuple[Reservation, InventoryItem]]:
    """The session's parts (not returned) whose reservation is not on the draft yet."""
    on_draft = select(QuoteLine.reservation_id).where(
        QuoteLine.organization_id == ctx.uow.org_id, QuoteLine.quote_id == _quote(ctx),
        QuoteLine.reservation_id.is_not(None))
    rows = (await ctx.uow.session.execute(
        select(Reservation, InventoryItem).join(InventoryItem, InventoryItem.id == Reservation.item_id)
        .where(Reservation.organization_id == ctx.uow.org_id, Reservation.session_id == c.data_session(ctx),
               Reservation.status != ReservationStatus.RETURNED.value, Reservation.id.not_in(on_draft))
        .order_by(Reservation.id)
    )).all()
    return [(r, i) for r, i in rows]


async def part_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    rows = await _parts(ctx)
    currency = (await ctx.uow.get(Quote, _quote(ctx))).currency
    choices = tuple(Choice(f"qp:{r.id}", "quote.part_line", {
        "name": c.localized(ctx, i.name_en, i.name_ar), "quantity": f"{Decimal(r.quantity).normalize():f}",
        "price": format_money(parse_amount(str(r.unit_price), currency), ctx.me.locale)}) for r, i in rows)
    return (Reply("quote.part_prompt", {"count": len(rows)}, (*choices, BACK)),)


async def part(ctx: StepContext) -> Step:
    chosen = c.chosen_id(ctx, "qp")
    found = next(((r, i) for r, i in await _parts(ctx) if r.id == chosen), None)
    if found is None:
        return stay(reprompt=True)
    r, i = found
    new = NewLine(LineKind.PART, i.name_en, i.name_ar, Decimal(r.quantity), Decimal(r.unit_price),
                  reservation_id=r.id)
    await add_quote_line(ctx.uow, _quote(ctx), new)
    return back_to_preview(ctx, Reply("quote.line_added"))


async def typed_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    return (Reply("quote.typed_prompt", {}, (BACK,)),)


async def typed(ctx: StepContext) -> Step:
    found = _TYPED.match(c.typed(ctx))
    if found is None:
        return stay(Reply("quote.typed_prompt"))
    text = found.group("text").strip()
    kind = LineKind.FEE if ctx.data.get("kind") == "fee" else LineKind.LABOUR
    amount = ascii_digits(found.group("amount"))
    await add_quote_line(ctx.uow, _quote(ctx), NewLine(kind, text, text, "1", amount))
    return back_to_preview(ctx, Reply("quote.line_added"))


async def line_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    row = await ctx.uow.get(QuoteLine, c.data_int(ctx.data, "line") or 0)
    q = await ctx.uow.get(Quote, row.quote_id)
    loc = ctx.me.locale
    return (Reply("quote.line_card", {
        "text": c.localized(ctx, row.description_en, row.description_ar),
        "quantity": f"{Decimal(row.quantity).normalize():f}",
        "price": format_money(parse_amount(str(row.unit_price), q.currency), loc),
        "discount": format_money(parse_amount(str(row.line_discount), q.currency), loc),
        "total": format_money(parse_amount(str(row.total), q.currency), loc),
    }, (*(Choice(cid, f"quote.btn_{name}") for cid, name in _FIELDS.items()),
        Choice("qv:remove", "quote.btn_remove"), BACK)),)


async def line(ctx: StepContext) -> Step:
    choice = ctx.msg.choice or ""
    if choice == "qv:remove":
        await remove_quote_line(ctx.uow, QuoteLineId(c.data_int(ctx.data, "line") or 0))
        return back_to_preview(ctx, Reply("quote.line_removed"))
    if choice in _FIELDS:
        return go(FLOW, QuoteState.VALUE, data={**ctx.data, "field": _FIELDS[choice]})
    return stay(reprompt=True)


async def value_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    return (Reply(f"quote.ask_{ctx.data.get('field')}", {}, (BACK,)),)


async def value(ctx: StepContext) -> Step:
    text = _clean_number(c.typed(ctx))
    if not text:
        return stay(reprompt=True)
    field = str(ctx.data.get("field"))
    await change_quote_line(ctx.uow, QuoteLineId(c.data_int(ctx.data, "line") or 0), **{field: text})
    return back_to_preview(ctx, Reply("quote.line_changed"))


async def discount_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    return (Reply("quote.discount_prompt", {}, (BACK,)),)


async def discount(ctx: StepContext) -> Step:
    text = _clean_number(c.typed(ctx))
    if not text:
        return stay(reprompt=True)
    q = await ctx.uow.get(Quote, _quote(ctx))
    if q.status != QuoteStatus.DRAFT.value:
        return back_to_preview(ctx)
    amount = text
    if text.endswith("%"):
        percent = parse_decimal(text[:-1], 2, allow_zero=True, field="percent")
        amount = str((Decimal(q.subtotal) * percent / 100).quantize(Decimal("0.001")))
    await set_quote_discount(ctx.uow, QuoteId(q.id), amount)
    return back_to_preview(ctx, Reply("quote.discount_set"))


def _clean_number(text: str) -> str:
    out = re.sub(r"(jod|jd|دينار|د\.?أ\.?)", "", ascii_digits(text), flags=re.IGNORECASE).strip()
    return out.replace("٪", "%").replace(" ", "")


STATES: dict[str, StateSpec] = {
    QuoteState.ADD: StateSpec(add_prompt, add, help_key="quote.help"),
    QuoteState.TEMPLATE: StateSpec(template_prompt, template, help_key="quote.help"),
    QuoteState.PART: StateSpec(part_prompt, part, help_key="quote.help"),
    QuoteState.TYPED: StateSpec(typed_prompt, typed, help_key="quote.help"),
    QuoteState.LINE: StateSpec(line_prompt, line, help_key="quote.help"),
    QuoteState.VALUE: StateSpec(value_prompt, value, help_key="quote.help"),
    QuoteState.DISCOUNT: StateSpec(discount_prompt, discount, help_key="quote.help"),
}

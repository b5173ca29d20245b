"""Parts for a session: search by SKU, name or the car's fitment, reserve
(the available quantity shown), then pick, consume or return a reservation.

```mermaid
stateDiagram-v2
    [*] --> session
    session --> search: session number / plate
    search --> results: typed SKU or name / "fits"
    search --> reservation: a reservation of the session
    results --> quantity: an item
    results --> results: another search
    quantity --> search: quantity (reserved)
    quantity --> missing: more than is available
    missing --> search: mark missing (part request; the car waits for parts) / a smaller quantity
    reservation --> search: pick / consume / return
```
Entered from a technician's step straight in ``search`` with its session.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from enum import StrEnum

from garagebot.conversations.router import BACK, Flow, StateSpec, Step, StepContext, go, stay
from garagebot.conversations.staff import common as c
from garagebot.conversations.text import normalize, plate_in, session_number
from garagebot.conversations.types import Choice, Reply
from garagebot.core.enums import SessionStatus
from garagebot.core.ids import ItemId, OrgId, ReservationId, SessionId
from garagebot.core.inventory.missing import request_missing_part
from garagebot.core.inventory.parts import consume_part, pick_part, reserve_part, return_part
from garagebot.core.inventory.queries import (
    ItemSummary,
    item_stock,
    parts_for_vehicle,
    search_items,
    session_parts,
)
from garagebot.core.inventory.states import ReservationStatus
from garagebot.core.models import RepairSession
from garagebot.core.models import Step as StepRow
from garagebot.core.normalize import ascii_digits
from garagebot.core.staff_views import find_active_session

FLOW = "parts"
_OPEN = (ReservationStatus.RESERVED, ReservationStatus.PICKED)


class PartsState(StrEnum):
    SESSION = "session"
    SEARCH = "search"
    RESULTS = "results"
    QUANTITY = "quantity"
    RESERVATION = "reservation"
    MISSING = "missing"


def _qty(value: Decimal) -> str:
    return format(value.normalize(), "f")


async def session_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    return (Reply("staff.parts_which_session", {}, (BACK,)),)


async def pick_session(ctx: StepContext) -> Step:
    text = c.typed(ctx)
    number, plate = session_number(text), plate_in(text) if text else None
    found = await find_active_session(ctx.uow.session, OrgId(ctx.me.org_id), number=number,
                                      plate=None if number else plate)
    if found is None:
        return stay(Reply("staff.session_not_found"), reprompt=True)
    return go(FLOW, PartsState.SEARCH, data={"session": found})


async def search_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    session_id = c.data_session(ctx)
    assert session_id is not None
    rs = await ctx.uow.get(RepairSession, session_id)
    parts = await session_parts(ctx.uow.session, ctx.uow.org_id, session_id)
    choices = [
        Choice(f"pr:{p.reservation_id}", "staff.reservation_line", {
            "sku": p.sku, "name": c.localized(ctx, p.name_en, p.name_ar), "qty": _qty(p.quantity),
            "@status": f"status.reservation.{p.status.value.lower()}"})
        for p in parts if p.status in _OPEN
    ]
    choices += [Choice("pf", "staff.btn_fits"), BACK]
    return (Reply("staff.parts_search", {"number": rs.number}, tuple(choices)),)


async def search(ctx: StepContext) -> Step:
    res = c.chosen_id(ctx, "pr")
    if res is not None:
        return go(FLOW, PartsState.RESERVATION, data={**ctx.data, "res": res})
    found = c.understood(ctx)
    if ctx.msg.choice == "pf" or (found is not None and found.intent == "fits"):
        return go(FLOW, PartsState.RESULTS, data={**ctx.data, "q": "", "fit": True})
    text = c.typed(ctx)
    if not text:
        return stay(Reply("staff.parts_search_hint"), reprompt=True)
    return go(FLOW, PartsState.RESULTS, data={**ctx.data, "q": text, "fit": False})


async def _found(ctx: StepContext) -> list[ItemSummary]:
    query = str(ctx.data.get("q") or "") or None
    if ctx.data.get("fit"):
        session_id = c.data_session(ctx)
        assert session_id is not None
        rs = await ctx.uow.get(RepairSession, session_id)
        return await parts_for_vehicle(ctx.uow.session, ctx.uow.org_id, rs.vehicle_id, text=query)
    return await search_items(ctx.uow.session, ctx.uow.org_id, text=query, limit=20)


async def results_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    items = await _found(ctx)
    if not items:
        return (Reply("staff.parts_none", {}, (BACK,)),)
    choices = [
        Choice(f"pi:{i.id}", "staff.item_line", {
            "sku": i.sku, "name": c.localized(ctx, i.name_en, i.name_ar), "available": _qty(i.available),
            "@unit": f"unit.{i.unit}"})
        for i in items
    ]
    return (Reply("staff.parts_results", {"n": len(items)}, (*choices, BACK)),)


async def results(ctx: StepContext) -> Step:
    item = c.chosen_id(ctx, "pi")
    if item is not None:
        return go(FLOW, PartsState.QUANTITY, data={**ctx.data, "item": item})
    text = c.typed(ctx)
    if not text:
        return stay(Reply("staff.parts_search_hint"), reprompt=True)
    return stay(data={**ctx.data, "q": text, "fit": False}, reprompt=True)


async def quantity_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    item = await item_stock(ctx.uow.session, ctx.uow.org_id, c.data_int(ctx.data, "item") or 0)
    if item is None:
        return (Reply("staff.parts_none", {}, (BACK,)),)
    return (Reply("staff.parts_quantity", {
        "sku": item.sku, "name": c.localized(ctx, item.name_en, item.name_ar),
        "available": _qty(item.available), "@unit": f"unit.{item.unit}"}, (BACK,)),)


async def quantity(ctx: StepContext) -> Step:
    text = ascii_digits(c.typed(ctx)).replace(",", ".")
    try:
        qty = Decimal(text)
    except InvalidOperation:
        return stay(Reply("staff.parts_quantity_invalid"), reprompt=True)
    session_id, item_id = c.data_session(ctx), c.data_int(ctx.data, "item")
    assert session_id is not None
    assert item_id is not None
    stock = await item_stock(ctx.uow.session, ctx.uow.org_id, item_id)
    if stock is not None and qty > stock.available:  # short: offer to mark it missing
        return go(FLOW, PartsState.MISSING, data={**ctx.data, "qty": str(qty)}, remember=False)
    step_id = c.data_int(ctx.data, "step")
    card = None if step_id is None else (await ctx.uow.get(StepRow, step_id)).job_card_id
    await reserve_part(ctx.uow, session_id, ItemId(item_id), qty, job_card_id=card)
    return go(FLOW, PartsState.SEARCH, Reply("staff.part_reserved", {"qty": _qty(qty)}),
              data=_base(ctx), remember=False)


def _base(ctx: StepContext) -> dict[str, int]:
    out = {"session": c.data_session(ctx) or 0}
    step = c.data_int(ctx.data, "step")
    return out if step is None else {**out, "step": step}


async def reservation_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    res_id = c.data_int(ctx.data, "res")
    session_id = c.data_session(ctx) or SessionId(0)
    part = next((p for p in await session_parts(ctx.uow.session, ctx.uow.org_id, session_id)
                 if p.reservation_id == res_id), None)
    if part is None:
        return (Reply("staff.parts_none", {}, (BACK,)),)
    choices = (Choice("rp:pick", "staff.btn_pick"), Choice("rp:consume", "staff.btn_consume"),
               Choice("rp:return", "staff.btn_return"), BACK)
    return (Reply("staff.reservation_card", {
        "sku": part.sku, "name": c.localized(ctx, part.name_en, part.name_ar), "qty": _qty(part.quantity),
        "@status": f"status.reservation.{part.status.value.lower()}"}, choices),)


_ACTIONS = {"rp:pick": "pick", "rp:consume": "consume", "rp:return": "return"}
# "إرجاع" / "أرجع" (return) are send-back words in the lead's review and
# return the part here; "reject", "رفض" and "send back" do not.
_RETURN_WORDS = frozenset(normalize(w) for w in ("ارجاع", "إرجاع", "أرجع", "ارجع"))
_DONE_KEYS = {"pick": "staff.part_picked", "consume": "staff.part_consumed", "return": "staff.part_returned"}


async def reservation(ctx: StepContext) -> Step:
    found = c.understood(ctx)
    action = _ACTIONS.get(ctx.msg.choice or "") or (found.intent if found else None)
    if action == "send_back":
        words = normalize(c.typed(ctx)).split()
        action = "return" if words and words[0] in _RETURN_WORDS else None
    res_id = ReservationId(c.data_int(ctx.data, "res") or 0)
    if action == "pick":
        await pick_part(ctx.uow, res_id)
    elif action == "consume":
        await consume_part(ctx.uow, res_id, session_id=c.data_session(ctx))
    elif action == "return":
        await return_part(ctx.uow, res_id)
    else:
        return stay(Reply("staff.not_understood_part"), reprompt=True)
    return go(FLOW, PartsState.SEARCH, Reply(_DONE_KEYS[action]),
              data=_base(ctx), remember=False)


async def missing_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    item = await item_stock(ctx.uow.session, ctx.uow.org_id, c.data_int(ctx.data, "item") or 0)
    if item is None:
        return (Reply("staff.parts_none", {}, (BACK,)),)
    return (Reply("floor.parts_short", {
        "sku": item.sku, "name": c.localized(ctx, item.name_en, item.name_ar),
        "qty": str(ctx.data.get("qty")), "available": _qty(item.available), "@unit": f"unit.{item.unit}"},
        (Choice("pm:missing", "floor.btn_mark_missing"), BACK)),)


async def missing(ctx: StepContext) -> Step:
    """The part is short: a part request for it, and the car waits for parts
    (when the person may move the session; otherwise the advisor does)."""
    if ctx.msg.choice != "pm:missing":
        return await quantity(ctx) if c.typed(ctx) else stay(reprompt=True)  # another quantity
    session_id, item_id = c.data_session(ctx) or SessionId(0), ItemId(c.data_int(ctx.data, "item") or 0)
    qty = str(ctx.data.get("qty"))
    await request_missing_part(ctx.uow, session_id, item_id, qty)
    rs = await ctx.uow.get(RepairSession, session_id)
    waits = rs.status == SessionStatus.AWAITING_PARTS.value
    said = Reply("floor.part_missing_waiting" if waits else "floor.part_missing",
                 {"qty": qty, "number": rs.number})
    return go(FLOW, PartsState.SEARCH, said, data=_base(ctx), remember=False)


PARTS = Flow(FLOW, PartsState.SESSION, {
    PartsState.SESSION: StateSpec(session_prompt, pick_session, help_key="staff.help_parts"),
    PartsState.SEARCH: StateSpec(search_prompt, search, help_key="staff.help_parts"),
    PartsState.RESULTS: StateSpec(results_prompt, results, help_key="staff.help_parts"),
    PartsState.QUANTITY: StateSpec(quantity_prompt, quantity, help_key="staff.help_parts"),
    PartsState.RESERVATION: StateSpec(reservation_prompt, reservation, help_key="staff.help_parts"),
    PartsState.MISSING: StateSpec(missing_prompt, missing, help_key="staff.help_parts"),
})

"""The quality check of a session in QA_CHECK, for a lead or an advisor: the
garage's QC items, one tap each to tick or untick, "all OK" (asked to
confirm), then "ready for pickup" once every item is ticked.

```mermaid
stateDiagram-v2
    [*] --> checklist
    checklist --> checklist: tick / untick an item
    checklist --> checklist: all OK, then yes (every item ticked) / no
    checklist --> sessions.session: ready for pickup
```
"""

from __future__ import annotations

from enum import StrEnum

from garagebot.conversations.router import BACK, Flow, StateSpec, Step, StepContext, go, stay
from garagebot.conversations.staff import common as c
from garagebot.conversations.staff.labels import status_label
from garagebot.conversations.types import Choice, Reply
from garagebot.core.enums import SessionStatus
from garagebot.core.ids import OrgId, QcItemId, SessionId
from garagebot.core.jsonable import JsonValue
from garagebot.core.repair.qc import tick_qc_item
from garagebot.core.repair.queries import session_detail
from garagebot.core.repair.sessions import change_status
from garagebot.core.repair.views import QcItemView, SessionDetail

FLOW = "qc"
SESSIONS_FLOW = "sessions"  # where "ready" goes back to (sessions.SESSIONS)
SESSION_STATE = "session"


class QcState(StrEnum):
    CHECKLIST = "checklist"


async def _detail(ctx: StepContext) -> SessionDetail:
    return await session_detail(ctx.uow.session, OrgId(ctx.me.org_id), c.data_session(ctx) or SessionId(0))


def _item_choice(ctx: StepContext, item: QcItemView) -> Choice:
    return Choice(f"qc:{item.id}", "qc.item_done" if item.done else "qc.item_open",
                  {"text": c.localized(ctx, item.text_en, item.text_ar)})


async def checklist_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    d = await _detail(ctx)
    items = d.qc_items
    left = sum(1 for i in items if not i.done)
    if ctx.data.get("ask_all"):
        return (Reply("qc.confirm_all", {"number": d.session.number, "count": left},
                      (Choice("qc:yes", "qc.btn_yes_all_ok"), Choice("qc:no", "qc.btn_no"))),)
    if d.session.status is not SessionStatus.QA_CHECK or not items:
        return (Reply("qc.not_in_check", {"number": d.session.number,
                                          "status": status_label(ctx, d.session.status)}, (BACK,)),)
    extra = [Choice("qc:all", "qc.btn_all_ok")] if left else [Choice("qc:ready", "qc.btn_ready")]
    return (Reply("qc.checklist", {"number": d.session.number, "plate": d.vehicle.plate,
                                   "done": len(items) - left, "total": len(items)},
                  (*(_item_choice(ctx, i) for i in items), *extra, BACK)),)


def _to_session(ctx: StepContext, *replies: Reply) -> Step:
    return go(SESSIONS_FLOW, SESSION_STATE, *replies, data={"session": c.data_session(ctx) or 0},
              remember=False)


def _data(ctx: StepContext, *, ask_all: bool = False) -> dict[str, JsonValue]:
    return {"session": c.data_session(ctx) or 0, **({"ask_all": True} if ask_all else {})}


async def checklist(ctx: StepContext) -> Step:
    if ctx.data.get("ask_all"):
        return await _confirm(ctx)
    if c.pressed(ctx, "qc:all"):
        return stay(data=_data(ctx, ask_all=True), reprompt=True)
    if c.pressed(ctx, "qc:ready"):
        await change_status(ctx.uow, c.data_session(ctx) or SessionId(0), SessionStatus.READY_FOR_PICKUP)
        return _to_session(ctx, Reply("staff.marked_ready"))
    chosen = c.chosen_id(ctx, "qc")
    item = next((i for i in (await _detail(ctx)).qc_items if i.id == chosen), None)
    if item is None:  # not an item of this session's list
        return stay(Reply("qc.pick_an_item"), reprompt=True)
    await tick_qc_item(ctx.uow, QcItemId(item.id), done=not item.done)
    return stay(reprompt=True)


async def _confirm(ctx: StepContext) -> Step:
    """The answer to "tick every item left?"."""
    if c.pressed(ctx, "qc:yes"):
        for item in (await _detail(ctx)).qc_items:
            if not item.done:
                await tick_qc_item(ctx.uow, QcItemId(item.id))
        return stay(Reply("qc.all_ticked"), data=_data(ctx), reprompt=True)
    if c.pressed(ctx, "qc:no"):
        return stay(data=_data(ctx), reprompt=True)
    return stay(reprompt=True)


QC = Flow(FLOW, QcState.CHECKLIST, {
    QcState.CHECKLIST: StateSpec(checklist_prompt, checklist, help_key="qc.help"),
})

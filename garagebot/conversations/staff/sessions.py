"""The service advisor's sessions: lists (awaiting approval, parts, quality
check, pickup, all active), a session's screen (check in, ETA, assign a
step, the quote, the quality check, complete, the invoice, a deposit,
deliver with the client's PIN, "more") and, for managers, completing over a
guard with an audited reason. Statuses show by their names, never codes.

Delivery asks for the PIN only once the invoice allows the car to go (issued
and paid, or on a fleet account); a manager may deliver over it with a reason.

```mermaid
stateDiagram-v2
    [*] --> lists
    lists --> list: a list (button or typed: "awaiting parts", "بانتظار القطع" …)
    lists --> session: session number / plate
    list --> session: a session / session number / plate
    session --> session: check in / ready / complete
    session --> eta: ETA
    eta --> session: "16:30" or hours
    session --> step: assign
    step --> person: a step / a whole job card
    person --> session: a person (suggested first, with load and skill)
    session --> quote.preview: quote
    session --> qc.checklist: quality check
    session --> billing.invoice: invoice
    session --> billing.method: deposit
    session --> control.menu: more
    session --> session: deliver, invoice not paid (refused)
    session --> deliver_override: deliver, invoice not paid (manager)
    deliver_override --> pin: reason
    session --> pin: deliver
    pin --> lists: the client's PIN (wrong: asked again)
    session --> override: complete over a guard (manager)
    override --> session: reason
```
"""

from __future__ import annotations

from enum import StrEnum

from garagebot.conversations.router import BACK, Flow, StateSpec, Step, StepContext, go, stay
from garagebot.conversations.staff import assignees
from garagebot.conversations.staff import common as c
from garagebot.conversations.staff import session_actions as act
from garagebot.conversations.text import Vocabulary, plate_in, session_number
from garagebot.conversations.types import Choice, Reply
from garagebot.core.enums import SessionStatus
from garagebot.core.ids import OrgId, SessionId, UserId
from garagebot.core.models import RepairSession
from garagebot.core.permissions import Permission, allowed
from garagebot.core.repair.delivery import invoice_block
from garagebot.core.repair.machine import FINAL, OPEN
from garagebot.core.repair.queries import active_board, session_detail
from garagebot.core.repair.views import SessionDetail
from garagebot.core.staff_views import find_active_session, session_steps

FLOW = "sessions"
S = SessionStatus
QUOTABLE = OPEN | {S.COMPLETED}  # a car quoted late (nothing approved yet) can still be invoiced
INVOICEABLE = frozenset({S.READY_FOR_PICKUP, S.COMPLETED})
LISTS: dict[str, tuple[SessionStatus, ...] | None] = {
    "approval": (SessionStatus.AWAITING_CLIENT_APPROVAL,),
    "parts": (SessionStatus.AWAITING_PARTS,),
    "qc": (SessionStatus.QA_CHECK,),
    "pickup": (SessionStatus.READY_FOR_PICKUP, SessionStatus.COMPLETED),
    "all": None,
}


class SessionsState(StrEnum):
    LISTS = "lists"
    LIST = "list"
    SESSION = "session"
    ETA = "eta"
    STEP = "step"
    PERSON = "person"
    PIN = "pin"
    OVERRIDE = "override"
    DELIVER_OVERRIDE = "deliver_override"


async def _typed_session(ctx: StepContext) -> SessionId | None:
    text = c.typed(ctx)
    if not text:
        return None
    number = session_number(text)
    return await find_active_session(ctx.uow.session, OrgId(ctx.me.org_id), number=number,
                                     plate=None if number else plate_in(text))


def to_session(session_id: int, *replies: Reply) -> Step:
    return go(FLOW, SessionsState.SESSION, *replies, data={"session": session_id})


async def lists_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    choices = tuple(Choice(f"sl:{name}", "advisor.list_qc" if name == "qc" else f"staff.list_{name}")
                    for name in LISTS)
    return (Reply("staff.sessions_lists", {}, choices),)


_LIST_WORDS = Vocabulary({
    "approval": ("awaiting approval", "approval", "بانتظار الموافقة", "الموافقة", "موافقة"),
    "parts": ("awaiting parts", "parts", "بانتظار القطع", "القطع", "قطع", "قطع الغيار"),
    "qc": ("quality check", "qc", "فحص الجودة", "الجودة"),
    "pickup": ("awaiting pickup", "pickup", "ready", "بانتظار الاستلام", "الاستلام", "جاهزة"),
    "all": ("all", "all active", "الكل", "الجميع", "كل السيارات"),
})


def _list_name(ctx: StepContext) -> str:
    """The list of a button, or of typed words ("awaiting parts", "بانتظار القطع")."""
    if ctx.msg.choice is not None:
        return ctx.msg.choice.removeprefix("sl:")
    found = _LIST_WORDS.match(ctx.msg.text) if ctx.msg.text else None
    return found.intent if found is not None and not found.rest else ""


async def lists(ctx: StepContext) -> Step:
    name = _list_name(ctx)
    if name in LISTS:
        return go(FLOW, SessionsState.LIST, data={"list": name})
    return await _open_typed(ctx)


async def _open_typed(ctx: StepContext) -> Step:
    found = c.chosen_id(ctx, "ss") or await _typed_session(ctx)
    if found is None:
        return stay(Reply("staff.session_not_found"), reprompt=True)
    return to_session(found)


async def list_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    statuses = LISTS.get(str(ctx.data.get("list")))
    rows = await active_board(ctx.uow.session, OrgId(ctx.me.org_id), ctx.now, statuses=statuses)
    choices = tuple(Choice(f"ss:{r.session_id}", "staff.session_line", {
        "number": r.number, "plate": r.plate, "@status": f"status.session.{r.status.value.lower()}"})
        for r in rows)
    return (Reply("staff.sessions_list", {"n": len(rows)}, (*choices, BACK)),)


def _buttons(ctx: StepContext, d: SessionDetail) -> list[Choice]:
    s, st = d.session, d.session.status
    qc_left = sum(1 for i in d.qc_items if not i.done)
    billing = allowed(ctx.me.role, Permission.MANAGE_BILLING)
    return [Choice(cid, key) for cid, key, shown in (
        ("sa:checkin", "staff.btn_check_in", s.checked_in_at is None and st not in FINAL),
        ("sa:eta", "staff.btn_eta", st not in FINAL),
        ("sa:assign", "staff.btn_assign", st not in FINAL),
        ("sa:quote", "advisor.btn_quote", billing and st in QUOTABLE),
        ("sa:qc", "advisor.btn_qc", st is SessionStatus.QA_CHECK and qc_left > 0),
        ("sa:ready", "staff.btn_ready", st is SessionStatus.QA_CHECK and qc_left == 0 and bool(d.qc_items)),
        ("sa:complete", "staff.btn_complete", st is SessionStatus.READY_FOR_PICKUP),
        ("sa:invoice", "advisor.btn_invoice", billing and st in INVOICEABLE),
        ("sa:deposit", "advisor.btn_deposit", billing and st in OPEN),
        ("sa:deliver", "staff.btn_deliver", st is SessionStatus.COMPLETED),
        ("sa:override", "staff.btn_override", st is SessionStatus.READY_FOR_PICKUP
         and allowed(ctx.me.role, Permission.OVERRIDE_GUARD)),
        ("sa:more", "advisor.btn_more", st not in FINAL),
    ) if shown]


async def session_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    sid = c.data_session(ctx) or SessionId(0)
    d = await session_detail(ctx.uow.session, OrgId(ctx.me.org_id), sid)
    s = d.session
    return (Reply("staff.session_card", {
        "number": s.number, "plate": d.vehicle.plate, "@status": f"status.session.{s.status.value.lower()}",
        "client": d.client.name or "-", "phone": d.client.phone, "complaint": s.complaint or "-",
        "eta": await c.local_time(ctx.uow, s.eta),
    }, (*_buttons(ctx, d), BACK)),)


_NEXT = {"sa:eta": SessionsState.ETA, "sa:assign": SessionsState.STEP, "sa:override": SessionsState.OVERRIDE}


async def session(ctx: StepContext) -> Step:
    sid = c.data_session(ctx) or SessionId(0)
    choice = ctx.msg.choice or ""
    if choice in _NEXT:
        return go(FLOW, _NEXT[choice])
    if choice == "sa:deliver":
        return await _deliver(ctx, sid)
    if choice in act.ELSEWHERE:
        return await act.elsewhere(ctx, sid, choice)
    done = await act.run(ctx, sid, choice)
    if done is not None:
        return stay(done, reprompt=True)
    return await _open_typed(ctx)


async def _deliver(ctx: StepContext, sid: SessionId) -> Step:
    """The PIN is asked only once the invoice allows the car to go (a manager
    may deliver over it, with a reason asked first)."""
    rs = await ctx.uow.get(RepairSession, sid)
    block = await invoice_block(ctx.uow.session, ctx.uow.org_id, rs)
    if block is None:
        return go(FLOW, SessionsState.PIN)
    if allowed(ctx.me.role, Permission.OVERRIDE_GUARD):
        return go(FLOW, SessionsState.DELIVER_OVERRIDE, Reply(block.key, dict(block.params)))
    return stay(Reply(block.key, dict(block.params)), reprompt=True)


async def eta(ctx: StepContext) -> Step:
    sid = c.data_session(ctx) or SessionId(0)
    when = await act.parse_eta(ctx, c.typed(ctx))
    if when is None:
        return stay(Reply("staff.eta_prompt"))
    await act.set_session_eta(ctx, sid, when)
    return go(FLOW, SessionsState.SESSION, Reply("staff.eta_set", {"eta": await c.local_time(ctx.uow, when)}),
              remember=False)


async def step_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    steps = await session_steps(ctx.uow.session, OrgId(ctx.me.org_id), c.data_session(ctx) or SessionId(0))
    choices = tuple(Choice(f"sp:{s.step_id}", "staff.session_step_line", {
        "step": c.localized(ctx, s.name_en, s.name_ar), "who": s.assignee or "-",
        "@status": f"status.step.{s.status.value.lower()}"})
        for s in steps)
    cards = await assignees.card_choices(ctx, c.data_session(ctx) or SessionId(0))
    return (Reply("staff.assign_which_step", {}, (*cards, *choices, BACK)),)


async def step(ctx: StepContext) -> Step:
    card = c.chosen_id(ctx, assignees.CARD_PREFIX)
    if card is not None:
        return go(FLOW, SessionsState.PERSON, data={"session": c.data_session(ctx) or 0, "card": card})
    chosen = c.chosen_id(ctx, "sp")
    if chosen is None:
        return stay(reprompt=True)
    return go(FLOW, SessionsState.PERSON, data={"session": c.data_session(ctx) or 0, "step": chosen})


async def person_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    return await assignees.picker(ctx, "su", BACK)


async def person(ctx: StepContext) -> Step:
    chosen = c.chosen_id(ctx, "su")
    if chosen is None or not await assignees.work_of(ctx):
        return stay(reprompt=True)
    said = await assignees.assign_chosen(ctx, UserId(chosen))
    data = {"session": c.data_session(ctx) or 0}
    return go(FLOW, SessionsState.SESSION, said, data=data, remember=False)


async def deliver_override(ctx: StepContext) -> Step:
    text = c.typed(ctx)
    if not text:
        return stay(Reply("advisor.deliver_override_prompt"))
    return go(FLOW, SessionsState.PIN, data={**ctx.data, "override": text}, remember=False)


async def pin(ctx: StepContext) -> Step:
    text = c.typed(ctx)
    if not text:
        return stay(Reply("staff.pin_prompt"))
    reason = ctx.data.get("override")
    outcome = await act.deliver(ctx, c.data_session(ctx) or SessionId(0), text,
                                override_reason=reason if isinstance(reason, str) else None)
    if outcome.key is not None:
        return stay(Reply(outcome.key, dict(outcome.params)))
    return go(FLOW, SessionsState.LISTS, Reply("staff.delivered"), data={}, remember=False)


async def override(ctx: StepContext) -> Step:
    text = c.typed(ctx)
    if not text:
        return stay(Reply("staff.override_prompt"))
    await act.complete_over_guard(ctx, c.data_session(ctx) or SessionId(0), text)
    return go(FLOW, SessionsState.SESSION, Reply("staff.session_completed"), remember=False)


def _asking(key: str) -> StateSpec:
    async def prompt(ctx: StepContext) -> tuple[Reply, ...]:
        return (Reply(key, {}, (BACK,)),)

    handlers = {"staff.eta_prompt": eta, "staff.pin_prompt": pin, "staff.override_prompt": override,
                "advisor.deliver_override_prompt": deliver_override}
    return StateSpec(prompt, handlers[key], help_key="staff.help_sessions")


SESSIONS = Flow(FLOW, SessionsState.LISTS, {
    SessionsState.LISTS: StateSpec(lists_prompt, lists, help_key="staff.help_sessions"),
    SessionsState.LIST: StateSpec(list_prompt, _open_typed, help_key="staff.help_sessions"),
    SessionsState.SESSION: StateSpec(session_prompt, session, help_key="staff.help_sessions"),
    SessionsState.ETA: _asking("staff.eta_prompt"),
    SessionsState.STEP: StateSpec(step_prompt, step, help_key="staff.help_sessions"),
    SessionsState.PERSON: StateSpec(person_prompt, person, help_key="staff.help_sessions"),
    SessionsState.PIN: _asking("staff.pin_prompt"),
    SessionsState.OVERRIDE: _asking("staff.override_prompt"),
    SessionsState.DELIVER_OVERRIDE: _asking("advisor.deliver_override_prompt"),
})

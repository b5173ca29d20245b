"""The service advisor's sessions: lists (awaiting approval, parts, pickup,
all active), a session's screen (check in, ETA, assign a step, send the
quote, mark ready, complete, deliver with the client's PIN) and, for
managers, completing over a guard with an audited reason.

```mermaid
stateDiagram-v2
    [*] --> lists
    lists --> list: a list (button or typed: "awaiting parts", "بانتظار القطع" …)
    lists --> session: session number / plate
    list --> session: a session / session number / plate
    session --> session: check in / send quote / ready / complete
    session --> eta: ETA
    eta --> session: "16:30" or hours
    session --> step: assign
    step --> person: a step / a whole job card
    person --> session: a person (suggested first, with load and skill)
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
from garagebot.core.permissions import Permission, allowed
from garagebot.core.repair.queries import active_board, session_detail
from garagebot.core.staff_views import find_active_session, session_steps

FLOW = "sessions"
LISTS: dict[str, tuple[SessionStatus, ...] | None] = {
    "approval": (SessionStatus.AWAITING_CLIENT_APPROVAL,),
    "parts": (SessionStatus.AWAITING_PARTS,),
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
    choices = tuple(Choice(f"sl:{name}", f"staff.list_{name}") for name in LISTS)
    return (Reply("staff.sessions_lists", {}, choices),)


_LIST_WORDS = Vocabulary({
    "approval": ("awaiting approval", "approval", "بانتظار الموافقة", "الموافقة", "موافقة"),
    "parts": ("awaiting parts", "parts", "بانتظار القطع", "القطع", "قطع", "قطع الغيار"),
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


async def session_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    sid = c.data_session(ctx) or SessionId(0)
    d = await session_detail(ctx.uow.session, OrgId(ctx.me.org_id), sid)
    s = d.session
    choices = [Choice(cid, key) for cid, key, shown in (
        ("sa:checkin", "staff.btn_check_in", s.checked_in_at is None),
        ("sa:eta", "staff.btn_eta", True),
        ("sa:assign", "staff.btn_assign", True),
        ("sa:quote", "staff.btn_send_quote", True),
        ("sa:ready", "staff.btn_ready", SessionStatus.READY_FOR_PICKUP in d.next_statuses),
        ("sa:complete", "staff.btn_complete", s.status is SessionStatus.READY_FOR_PICKUP),
        ("sa:deliver", "staff.btn_deliver", s.status is SessionStatus.COMPLETED),
        ("sa:override", "staff.btn_override", s.status is SessionStatus.READY_FOR_PICKUP
         and allowed(ctx.me.role, Permission.OVERRIDE_GUARD)),
    ) if shown]
    return (Reply("staff.session_card", {
        "number": s.number, "plate": d.vehicle.plate, "@status": f"status.session.{s.status.value.lower()}",
        "client": d.client.name or "-",
        "phone": d.client.phone, "complaint": s.complaint or "-", "eta": await c.local_time(ctx.uow, s.eta),
    }, (*choices, BACK)),)


_NEXT = {"sa:eta": SessionsState.ETA, "sa:assign": SessionsState.STEP, "sa:deliver": SessionsState.PIN,
         "sa:override": SessionsState.OVERRIDE}


async def session(ctx: StepContext) -> Step:
    sid = c.data_session(ctx) or SessionId(0)
    choice = ctx.msg.choice or ""
    if choice in _NEXT:
        return go(FLOW, _NEXT[choice])
    done = await act.run(ctx, sid, choice)
    if done is not None:
        return stay(done, reprompt=True)
    return await _open_typed(ctx)


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


async def pin(ctx: StepContext) -> Step:
    text = c.typed(ctx)
    if not text:
        return stay(Reply("staff.pin_prompt"))
    outcome = await act.deliver(ctx, c.data_session(ctx) or SessionId(0), text)
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

    handlers = {"staff.eta_prompt": eta, "staff.pin_prompt": pin, "staff.override_prompt": override}
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
})

"""Steering a session ("More" on its screen): start the diagnosis, put it on
hold or cancel it (with a reason), resume it, set its priority, add a job
card (from a template, or a free one with its title as its one step), and
correct the client's name or the car's make, model, year, VIN or mileage.
Each is one core service; the session's status shows by its name.

```mermaid
stateDiagram-v2
    [*] --> menu
    menu --> sessions.session: start diagnosis / resume
    menu --> reason: hold / cancel
    reason --> sessions.session: the reason
    menu --> priority: priority
    priority --> sessions.session: normal … emergency
    menu --> card: add a job card
    card --> sessions.session: a template
    card --> title: a free job card
    title --> sessions.session: its title
    menu --> field: edit details
    field --> value: name / make / model / year / VIN / mileage
    value --> sessions.session: the new value
```
"""

from __future__ import annotations

from enum import StrEnum

from garagebot.conversations.router import BACK, Flow, StateSpec, Step, StepContext, go, stay
from garagebot.conversations.staff import common as c
from garagebot.conversations.types import Choice, Reply
from garagebot.core.enums import SessionStatus
from garagebot.core.errors import InvalidInput
from garagebot.core.ids import ClientId, OrgId, SessionId, TemplateId, VehicleId
from garagebot.core.models import RepairSession
from garagebot.core.normalize import ascii_digits
from garagebot.core.repair.clients import update_client
from garagebot.core.repair.machine import OPEN
from garagebot.core.repair.sessions import cancel_session, change_status, resume_session, set_priority
from garagebot.core.repair.vehicles import update_vehicle
from garagebot.core.staff_views import active_templates
from garagebot.core.work.jobcards import add_free_job_card, add_job_card
from garagebot.core.work.templates import StepSpec

FLOW = "control"
FIELDS = ("name", "make", "model", "year", "vin", "mileage")
PRIORITIES = range(4)


class ControlState(StrEnum):
    MENU = "menu"
    REASON = "reason"
    PRIORITY = "priority"
    CARD = "card"
    TITLE = "title"
    FIELD = "field"
    VALUE = "value"


def _sid(ctx: StepContext) -> SessionId:
    return c.data_session(ctx) or SessionId(0)


def to_session(ctx: StepContext, *replies: Reply) -> Step:
    return go("sessions", "session", *replies, data={"session": _sid(ctx)}, remember=False)


async def menu_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    rs = await ctx.uow.get(RepairSession, _sid(ctx))
    st = SessionStatus(rs.status)
    choices = [Choice(f"sc:{name}", f"control.btn_{name}") for name, shown in (
        ("diagnose", st is SessionStatus.NEW), ("hold", st in OPEN), ("resume", st is SessionStatus.ON_HOLD),
        ("cancel", st in OPEN or st is SessionStatus.ON_HOLD), ("priority", True), ("card", True),
        ("edit", True),
    ) if shown]
    return (Reply("control.menu", {"number": rs.number}, (*choices, BACK)),)


async def menu(ctx: StepContext) -> Step:
    action = (ctx.msg.choice or "").removeprefix("sc:")
    if action == "diagnose":
        await change_status(ctx.uow, _sid(ctx), SessionStatus.DIAGNOSING)
        return to_session(ctx, Reply("control.diagnosing"))
    if action == "resume":
        await resume_session(ctx.uow, _sid(ctx))
        return to_session(ctx, Reply("control.resumed"))
    target = {"hold": ControlState.REASON, "cancel": ControlState.REASON, "priority": ControlState.PRIORITY,
              "card": ControlState.CARD, "edit": ControlState.FIELD}.get(action)
    if target is None:
        return stay(reprompt=True)
    return go(FLOW, target, data={"session": _sid(ctx), "action": action})


async def reason_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    return (Reply(f"control.ask_{ctx.data.get('action')}_reason", {}, (BACK,)),)


async def reason(ctx: StepContext) -> Step:
    text = c.typed(ctx)
    if not text:
        return stay(reprompt=True)
    if ctx.data.get("action") == "cancel":
        await cancel_session(ctx.uow, _sid(ctx), reason=text)
        return to_session(ctx, Reply("control.cancelled"))
    await change_status(ctx.uow, _sid(ctx), SessionStatus.ON_HOLD, note=text)
    return to_session(ctx, Reply("control.held"))


async def priority_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    return (Reply("control.priority_prompt", {}, (
        *(Choice(f"sr:{n}", f"control.priority_{n}") for n in PRIORITIES), BACK)),)


async def priority(ctx: StepContext) -> Step:
    chosen = c.chosen_id(ctx, "sr")
    if chosen is None or chosen not in PRIORITIES:
        return stay(reprompt=True)
    await set_priority(ctx.uow, _sid(ctx), chosen)
    return to_session(ctx, Reply("control.priority_set"))


async def card_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    rows = await active_templates(ctx.uow.session, OrgId(ctx.me.org_id))
    choices = tuple(Choice(f"ct:{t.template_id}", "staff.template_line",
                           {"name": c.localized(ctx, t.name_en, t.name_ar)}) for t in rows)
    return (Reply("control.card_prompt", {}, (*choices, Choice("ct:free", "control.btn_free_card"), BACK)),)


async def card(ctx: StepContext) -> Step:
    if c.pressed(ctx, "ct:free"):
        return go(FLOW, ControlState.TITLE)
    chosen = c.chosen_id(ctx, "ct")
    if chosen is None:
        return stay(reprompt=True)
    await add_job_card(ctx.uow, _sid(ctx), TemplateId(chosen))
    return to_session(ctx, Reply("staff.job_card_added"))


async def title_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    return (Reply("control.title_prompt", {}, (BACK,)),)


async def title(ctx: StepContext) -> Step:
    text = c.typed(ctx)
    if not text:
        return stay(reprompt=True)
    await add_free_job_card(ctx.uow, _sid(ctx), title_en=text, title_ar=text,
                            steps=[StepSpec(name_en=text[:200], name_ar=text[:200])])
    return to_session(ctx, Reply("staff.job_card_added"))


async def field_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    return (Reply("control.field_prompt", {}, (*(Choice(f"sf:{f}", f"control.field_{f}") for f in FIELDS),
                                                BACK)),)


async def field(ctx: StepContext) -> Step:
    chosen = (ctx.msg.choice or "").removeprefix("sf:")
    if chosen not in FIELDS:
        return stay(reprompt=True)
    return go(FLOW, ControlState.VALUE, data={**ctx.data, "field": chosen})


async def value_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    return (Reply(f"control.ask_{ctx.data.get('field')}", {}, (BACK,)),)


async def value(ctx: StepContext) -> Step:
    text = c.typed(ctx)
    if not text:
        return stay(reprompt=True)
    rs = await ctx.uow.get(RepairSession, _sid(ctx))
    name = str(ctx.data.get("field"))
    vehicle = VehicleId(rs.vehicle_id)
    if name == "name":
        await update_client(ctx.uow, ClientId(rs.client_id), name=text)
    elif name == "year":
        await update_vehicle(ctx.uow, vehicle, year=_number(name, text))
    elif name == "mileage":
        await update_vehicle(ctx.uow, vehicle, mileage_km=_number(name, text))
    else:
        await update_vehicle(ctx.uow, vehicle, make=text if name == "make" else None,
                             model=text if name == "model" else None, vin=text if name == "vin" else None)
    return to_session(ctx, Reply("control.details_saved"))


def _number(name: str, text: str) -> int:
    digits = ascii_digits(text).lower().replace(",", "").replace(" ", "")
    digits = digits.removesuffix("km").removesuffix("كم")
    if not digits.isdigit():
        raise InvalidInput(f"error.{name}_not_a_number")
    return int(digits)


CONTROL = Flow(FLOW, ControlState.MENU, {
    ControlState.MENU: StateSpec(menu_prompt, menu, help_key="control.help"),
    ControlState.REASON: StateSpec(reason_prompt, reason, help_key="control.help"),
    ControlState.PRIORITY: StateSpec(priority_prompt, priority, help_key="control.help"),
    ControlState.CARD: StateSpec(card_prompt, card, help_key="control.help"),
    ControlState.TITLE: StateSpec(title_prompt, title, help_key="control.help"),
    ControlState.FIELD: StateSpec(field_prompt, field, help_key="control.help"),
    ControlState.VALUE: StateSpec(value_prompt, value, help_key="control.help"),
})

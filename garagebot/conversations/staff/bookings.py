"""The advisor's booking requests: the open requests clients made by chat;
one opened shows its details; confirm the client's time (one tap) or another,
propose another time, decline with a reason — the client is told each in
their language — or open a session from it (client, car and complaint
filled in) and go on as at intake (photos, then the first job card).

```mermaid
stateDiagram-v2
    [*] --> list
    list --> request: a request
    request --> list: confirm the client's time (client told)
    request --> time: confirm another time / propose a time
    time --> list: "tomorrow 10:30", "today 16:00", "بكرا ٥ م" (client told)
    request --> reason: decline
    reason --> list: the reason (client told)
    request --> intake.photos: open a session (request converted)
    request --> appointments.slots: offer a free time (appointments)
```
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum

from garagebot.conversations.client.intents import preferred_time
from garagebot.conversations.router import BACK, Flow, StateSpec, Step, StepContext, go, stay
from garagebot.conversations.staff import common as c
from garagebot.conversations.staff.intake import FLOW as INTAKE
from garagebot.conversations.staff.intake import IntakeState
from garagebot.conversations.types import Choice, Reply
from garagebot.core.ids import RequestId
from garagebot.core.models import RepairSession
from garagebot.core.normalize import ascii_digits
from garagebot.core.repair.bookings import (
    Booking,
    confirm_booking,
    decline_booking,
    local_datetime,
    open_booking,
    open_bookings,
    propose_booking_time,
)
from garagebot.core.repair.intake import open_session

FLOW = "bookings"
HELP = "bookings.help"
_ACTIONS = ("other", "propose", "decline", "convert")
_CLOCK = re.compile(r"^(?:at\s+)?(\d{1,2})[:.](\d{2})$")


class BookingsState(StrEnum):
    LIST = "list"
    REQUEST = "request"
    TIME = "time"
    REASON = "reason"


async def _when(ctx: StepContext, when: dt.datetime | None) -> str:
    """A time as the reader (the advisor) reads it, in the garage's zone."""
    if when is None:
        return ""
    return local_datetime(when, (await ctx.uow.organization()).timezone, ctx.me.locale)


async def list_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    found = await open_bookings(ctx.uow.session, ctx.me.org_id)
    if not found:
        return (Reply("bookings.none", {}, (BACK,)),)
    choices = [Choice(f"bk:{b.request_id}", _line_key(b), {
        "id": b.request_id, "name": b.client_name, "plate": b.plate,
        "when": await _when(ctx, b.preferred_time)}) for b in found]
    return (Reply("bookings.list", {"count": len(found)}, (*choices, BACK)),)


def _line_key(b: Booking) -> str:
    if b.preferred_time is None:
        return "bookings.line_any_time"
    return "bookings.line_confirmed" if b.confirmed else "bookings.line"


async def pick(ctx: StepContext) -> Step:
    chosen = c.chosen_id(ctx, "bk")
    if chosen is None:
        return stay(reprompt=True)
    if await open_booking(ctx.uow.session, ctx.me.org_id, chosen) is None:
        return stay(Reply("bookings.not_open"), reprompt=True)
    return go(FLOW, BookingsState.REQUEST, data={"request": chosen})


async def _current(ctx: StepContext) -> Booking | None:
    rid = c.data_int(ctx.data, "request")
    return None if rid is None else await open_booking(ctx.uow.session, ctx.me.org_id, rid)


async def request_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    b = await _current(ctx)
    if b is None:
        return (Reply("bookings.not_open", {}, (BACK,)),)
    when = await _when(ctx, b.preferred_time)
    unconfirmed = when and not b.confirmed
    choices = [Choice("bq:confirm", "bookings.btn_confirm", {"when": when})] if unconfirmed else []
    choices += [Choice(f"bq:{name}", f"bookings.btn_{name}") for name in _ACTIONS]
    choices += [Choice("bq:slots", "appointments.btn_slots"), BACK]
    key = "bookings.card" if unconfirmed else "bookings.card_confirmed" if when else "bookings.card_any_time"
    return (Reply(key, {
        "id": b.request_id, "name": b.client_name, "phone": b.phone, "plate": b.plate, "car": b.car,
        "complaint": b.complaint, "when": when, "received": await _when(ctx, b.created_at),
    }, tuple(choices)),)


async def request(ctx: StepContext) -> Step:
    b = await _current(ctx)
    choice = ctx.msg.choice or ""
    if b is None:
        return go(FLOW, BookingsState.LIST, Reply("bookings.not_open"), data={}, remember=False)
    if choice == "bq:confirm" and b.preferred_time is not None and not b.confirmed:  # not a stale button
        return await _answer(ctx, b, "confirm", b.preferred_time)
    if choice in ("bq:other", "bq:propose"):
        return go(FLOW, BookingsState.TIME, data={**ctx.data, "mode": choice.removeprefix("bq:")})
    if choice == "bq:decline":
        return go(FLOW, BookingsState.REASON)
    if choice == "bq:convert":
        return await _convert(ctx, b)
    if choice == "bq:slots":  # conversations.staff.appointments: the free times
        return go("appointments", "slots", data={"request": b.request_id})
    return stay(reprompt=True)


async def _convert(ctx: StepContext, b: Booking) -> Step:
    sid = await open_session(ctx.uow, request_id=b.request_id)
    rs = await ctx.uow.get(RepairSession, sid)
    opened = Reply("bookings.converted", {"number": rs.number, "id": b.request_id})
    return go(INTAKE, IntakeState.PHOTOS, opened, data={"session": sid}, remember=False)


async def parse_advisor_time(ctx: StepContext, text: str) -> dt.datetime | None:
    """"tomorrow 10:30", "today 16", "بكرا ٥ م" (the clients' words), or "16:30" (today, else tomorrow)."""
    timezone = (await ctx.uow.organization()).timezone
    said = preferred_time(text, ctx.now, timezone)
    if said is not None:
        return said.when
    found = _CLOCK.match(ascii_digits(text).strip().lower())
    if found is None:
        return None
    at = preferred_time(f"today {found.group(1)}:{found.group(2)}", ctx.now, timezone)
    if at is None or at.when is None:
        return None
    return at.when if at.when > ctx.now else at.when + dt.timedelta(days=1)


async def time_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    key = "bookings.time_confirm" if ctx.data.get("mode") == "other" else "bookings.time_propose"
    return (Reply(key, {}, (BACK,)),)


async def time(ctx: StepContext) -> Step:
    b = await _current(ctx)
    if b is None:
        return go(FLOW, BookingsState.LIST, Reply("bookings.not_open"), data={}, remember=False)
    when = await parse_advisor_time(ctx, c.typed(ctx))
    if when is None:
        return stay(Reply("bookings.time_again"))
    return await _answer(ctx, b, "confirm" if ctx.data.get("mode") == "other" else "propose", when)


async def _answer(ctx: StepContext, b: Booking, mode: str, when: dt.datetime) -> Step:
    rid = RequestId(b.request_id)
    service = confirm_booking if mode == "confirm" else propose_booking_time
    told = await service(ctx.uow, rid, when)
    key = f"bookings.{'confirmed' if mode == 'confirm' else 'proposed'}{'' if told else '_untold'}"
    params: dict[str, str | int | None] = {"id": b.request_id, "name": b.client_name, "phone": b.phone,
                                           "when": await _when(ctx, when)}
    return go(FLOW, BookingsState.LIST, Reply(key, params), data={}, remember=False)


async def reason_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    return (Reply("bookings.reason_prompt", {}, (BACK,)),)


async def reason(ctx: StepContext) -> Step:
    b = await _current(ctx)
    text = c.typed(ctx)
    if b is None:
        return go(FLOW, BookingsState.LIST, Reply("bookings.not_open"), data={}, remember=False)
    if not text:
        return stay(reprompt=True)
    told = await decline_booking(ctx.uow, RequestId(b.request_id), text)
    params: dict[str, str | int | None] = {"id": b.request_id, "name": b.client_name, "phone": b.phone}
    return go(FLOW, BookingsState.LIST, Reply("bookings.declined" if told else "bookings.declined_untold",
                                              params), data={}, remember=False)


BOOKINGS = Flow(FLOW, BookingsState.LIST, {
    BookingsState.LIST: StateSpec(list_prompt, pick, help_key=HELP),
    BookingsState.REQUEST: StateSpec(request_prompt, request, help_key=HELP),
    BookingsState.TIME: StateSpec(time_prompt, time, help_key=HELP),
    BookingsState.REASON: StateSpec(reason_prompt, reason, help_key=HELP),
})

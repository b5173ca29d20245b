"""Appointments for advisors: offer a booking request a free time (the next
free slots within the opening hours, across the bays, holidays left out) or
a typed one — the client is asked to confirm by reply — and the day's
appointments ("today" / "اليوم"): the car arrived (a session opens with the
request's client, car and complaint, then photos as at intake), a no-show,
or cancel with a reason (the client is told).

```mermaid
stateDiagram-v2
    [*] --> today
    today --> today: next day / previous day
    today --> appointment: an appointment
    appointment --> intake.photos: arrived (session opened)
    appointment --> today: no-show
    appointment --> reason: cancel
    reason --> today: the reason (client told)
    bookings.request --> slots: offer a free time
    slots --> bookings.list: a free time (client asked to confirm)
    slots --> time: another time
    time --> bookings.list: "tomorrow 10:30" (first free bay; client asked to confirm)
```
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from enum import StrEnum

from garagebot.conversations.router import BACK, Flow, StateSpec, Step, StepContext, go, stay
from garagebot.conversations.staff import common as c
from garagebot.conversations.staff.bookings import parse_advisor_time
from garagebot.conversations.staff.intake import FLOW as INTAKE
from garagebot.conversations.staff.intake import IntakeState
from garagebot.conversations.staff.labels import label
from garagebot.conversations.types import Choice, Reply
from garagebot.core.appointments.arrival import convert_appointment
from garagebot.core.appointments.booking import Slot, book_appointment, cancel_appointment, mark_no_show
from garagebot.core.appointments.settings import bays_of, settings_of
from garagebot.core.appointments.slots import busy, free_slots, slot_at
from garagebot.core.appointments.views import (
    AppointmentRow,
    appointment_row,
    appointments_between,
    day_bounds,
)
from garagebot.core.i18n import short_when
from garagebot.core.models import Bay, RepairSession
from garagebot.core.repair.bookings import open_booking

FLOW = "appointments"
HELP = "appointments.help"
BOOKINGS_FLOW, BOOKINGS_LIST = "bookings", "list"
_EPOCH = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


class AppointmentsState(StrEnum):
    TODAY = "today"
    APPOINTMENT = "appointment"
    REASON = "reason"
    SLOTS = "slots"
    TIME = "time"


async def _zone(ctx: StepContext) -> str:
    return (await ctx.uow.organization()).timezone


async def _when(ctx: StepContext, when: dt.datetime) -> str:
    return short_when(when, await _zone(ctx), ctx.me.locale)


def _bay_name(ctx: StepContext, en: str, ar: str) -> str:
    return c.localized(ctx, en, ar)


# --- offering a free time to a booking request -------------------------------------------------

def _slot_choice(bay_id: int, start: dt.datetime) -> str:
    return f"sl:{bay_id}:{int((start - _EPOCH).total_seconds() // 60)}"


def _slot_of(choice: str) -> tuple[int, dt.datetime] | None:
    bay, _, minutes = choice.removeprefix("sl:").partition(":")
    if not choice.startswith("sl:") or not bay.isdigit() or not minutes.isdigit():
        return None
    return int(bay), _EPOCH + dt.timedelta(minutes=int(minutes))


async def slots_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    b = await open_booking(ctx.uow.session, ctx.me.org_id, c.data_int(ctx.data, "request") or 0)
    if b is None:
        return (Reply("bookings.not_open", {}, (BACK,)),)
    org = await ctx.uow.organization()
    bays = await bays_of(ctx.uow)
    names = {x.id: _bay_name(ctx, x.name_en, x.name_ar) for x in bays}
    settings = settings_of(org)
    found = await free_slots(ctx.uow.session, org.id, org.timezone, settings, bays, ctx.now)
    wanted = None if b.preferred_time is None else await slot_at(
        ctx.uow.session, org.id, org.timezone, settings, bays, b.preferred_time, ctx.now)
    if wanted is not None and wanted.starts_at not in {s.starts_at for s in found}:
        found = [wanted, *found[:-1]]  # the client's own time first, when it is free
    choices = [Choice(_slot_choice(s.bay_id, s.starts_at), "appointments.slot_line",
                      {"when": await _when(ctx, s.starts_at), "bay": names[s.bay_id]}) for s in found]
    key = "appointments.slots" if found else "appointments.no_slots"
    return (Reply(key, {"name": b.client_name, "plate": b.plate},
                  (*choices, Choice("ax:time", "appointments.btn_type_time"), BACK)),)


async def slots(ctx: StepContext) -> Step:
    if ctx.msg.choice == "ax:time":
        return go(FLOW, AppointmentsState.TIME)
    picked = _slot_of(ctx.msg.choice or "")
    if picked is None:
        typed = c.typed(ctx)
        return await time(ctx) if typed else stay(reprompt=True)
    return await _offer(ctx, *picked)


async def time_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    return (Reply("appointments.time_prompt", {}, (BACK,)),)


async def time(ctx: StepContext) -> Step:
    when = await parse_advisor_time(ctx, c.typed(ctx))
    if when is None:
        return stay(Reply("appointments.time_again"))
    bays = await bays_of(ctx.uow)
    length = dt.timedelta(minutes=settings_of(await ctx.uow.organization()).slot_minutes)
    taken = {b for b, _t, _s, _e in await busy(ctx.uow.session, ctx.me.org_id, when, when + length)}
    bay = next((x.id for x in bays if x.id not in taken), None)
    if bay is None:
        return stay(Reply("appointments.no_free_bay" if bays else "appointment.no_bays",
                          {"when": await _when(ctx, when)}))
    return await _offer(ctx, bay, when)


async def _offer(ctx: StepContext, bay_id: int, when: dt.datetime) -> Step:
    rid = c.data_int(ctx.data, "request") or 0
    b = await open_booking(ctx.uow.session, ctx.me.org_id, rid)
    if b is None:
        return go(BOOKINGS_FLOW, BOOKINGS_LIST, Reply("bookings.not_open"), data={}, remember=False)
    booked = await book_appointment(ctx.uow, rid, Slot(bay_id, when))
    bay = await ctx.uow.get(Bay, bay_id)
    key = "appointments.offered" if booked.told else "appointments.offered_untold"
    return go(BOOKINGS_FLOW, BOOKINGS_LIST, Reply(key, {
        "when": await _when(ctx, when), "bay": _bay_name(ctx, bay.name_en, bay.name_ar),
        "name": b.client_name, "phone": b.phone}), data={}, remember=False)


# --- the day's appointments ---------------------------------------------------------------------

def _status(status: str) -> str:
    return f"appointments.status_{status.lower()}"


async def today_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    zone = await _zone(ctx)
    offset = dt.timedelta(days=c.data_int(ctx.data, "day") or 0)
    day = ctx.now.astimezone(zoneinfo.ZoneInfo(zone)).date() + offset
    start, end = day_bounds(day, zone)
    rows = await appointments_between(ctx.uow.session, ctx.me.org_id, start, end)
    shown = dt.datetime.combine(day, dt.time(12), zoneinfo.ZoneInfo(zone))
    day_text = short_when(shown, zone, ctx.me.locale).rsplit(",", 1)[0].rsplit("،", 1)[0]
    choices = [Choice(f"ap:{r.appointment_id}", "appointments.line", {
        "time": short_when(r.starts_at, zone, ctx.me.locale).rsplit(" ", 1)[-1],
        "bay": _bay_name(ctx, r.bay_en, r.bay_ar), "name": r.client_name, "plate": r.plate,
        "status": label(ctx, _status(r.status))}) for r in rows]
    nav = (Choice("ad:prev", "appointments.btn_prev_day"), Choice("ad:next", "appointments.btn_next_day"))
    key = "appointments.today" if rows else "appointments.today_none"
    return (Reply(key, {"day": day_text, "count": len(rows)}, (*choices, *nav, BACK)),)


async def today(ctx: StepContext) -> Step:
    day = c.data_int(ctx.data, "day") or 0
    if ctx.msg.choice in ("ad:prev", "ad:next"):
        step = 1 if ctx.msg.choice == "ad:next" else -1
        return go(FLOW, AppointmentsState.TODAY, data={"day": day + step})
    chosen = c.chosen_id(ctx, "ap")
    if chosen is None:
        return stay(reprompt=True)
    if await appointment_row(ctx.uow.session, ctx.me.org_id, chosen) is None:
        return stay(Reply("appointments.not_found"), reprompt=True)
    return go(FLOW, AppointmentsState.APPOINTMENT, data={"day": day, "appointment": chosen})


async def _current(ctx: StepContext) -> AppointmentRow | None:
    aid = c.data_int(ctx.data, "appointment")
    return None if aid is None else await appointment_row(ctx.uow.session, ctx.me.org_id, aid)


async def appointment_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    r = await _current(ctx)
    if r is None:
        return (Reply("appointments.not_found", {}, (BACK,)),)
    zone = await _zone(ctx)
    active = r.status in ("BOOKED", "CONFIRMED")
    actions = ("arrived", "no_show", "cancel") if active else ()
    return (Reply("appointments.card", {
        "when": short_when(r.starts_at, zone, ctx.me.locale),
        "end": short_when(r.ends_at, zone, ctx.me.locale).rsplit(" ", 1)[-1],
        "bay": _bay_name(ctx, r.bay_en, r.bay_ar), "name": r.client_name, "phone": r.phone, "plate": r.plate,
        "tech": r.technician or label(ctx, "appointments.nobody"), "status": label(ctx, _status(r.status)),
    }, (*(Choice(f"aq:{a}", f"appointments.btn_{a}") for a in actions), BACK)),)


async def appointment(ctx: StepContext) -> Step:
    r = await _current(ctx)
    if r is None:
        return go(FLOW, AppointmentsState.TODAY, Reply("appointments.not_found"), data={}, remember=False)
    if ctx.msg.choice == "aq:arrived":
        sid = await convert_appointment(ctx.uow, r.appointment_id)
        rs = await ctx.uow.get(RepairSession, sid)
        return go(INTAKE, IntakeState.PHOTOS, Reply("appointments.converted", {"number": rs.number}),
                  data={"session": sid}, remember=False)
    if ctx.msg.choice == "aq:no_show":
        await mark_no_show(ctx.uow, r.appointment_id)
        return go(FLOW, AppointmentsState.TODAY, Reply(
            "appointments.no_show_done", {"name": r.client_name, "when": await _when(ctx, r.starts_at)}),
            data={"day": c.data_int(ctx.data, "day") or 0}, remember=False)
    if ctx.msg.choice == "aq:cancel":
        return go(FLOW, AppointmentsState.REASON)
    return stay(reprompt=True)


async def reason_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    return (Reply("appointments.reason_prompt", {}, (BACK,)),)


async def reason(ctx: StepContext) -> Step:
    r = await _current(ctx)
    text = c.typed(ctx)
    if r is None:
        return go(FLOW, AppointmentsState.TODAY, Reply("appointments.not_found"), data={}, remember=False)
    if not text:
        return stay(reprompt=True)
    told = await cancel_appointment(ctx.uow, r.appointment_id, text)
    return go(FLOW, AppointmentsState.TODAY, Reply(
        "appointments.cancelled" if told else "appointments.cancelled_untold",
        {"name": r.client_name, "when": await _when(ctx, r.starts_at), "phone": r.phone}),
        data={"day": c.data_int(ctx.data, "day") or 0}, remember=False)


APPOINTMENTS = Flow(FLOW, AppointmentsState.TODAY, {
    AppointmentsState.TODAY: StateSpec(today_prompt, today, help_key=HELP),
    AppointmentsState.APPOINTMENT: StateSpec(appointment_prompt, appointment, help_key=HELP),
    AppointmentsState.REASON: StateSpec(reason_prompt, reason, help_key=HELP),
    AppointmentsState.SLOTS: StateSpec(slots_prompt, slots, help_key=HELP),
    AppointmentsState.TIME: StateSpec(time_prompt, time, help_key=HELP),
})

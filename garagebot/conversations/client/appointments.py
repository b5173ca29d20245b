"""The client's answer to an offered, moved or reminded appointment.

The question went out as a notice (``core.appointments.notices``) with its
answers as buttons on WhatsApp ("ap:<id>:yes") and as numbered lines on SMS.
A button is taken only for the sender's own appointment (the service checks
the appointment's client is the chat's client). A typed number is taken
only when it is exactly one of the numbers the last question offered
("1" confirm, "2" another time, "3" cancel after a reminder), for the
appointment that asked it; anything else goes on as usual.
"""

from __future__ import annotations

from garagebot.conversations.client.types import ClientCtx, ClientStep, reply
from garagebot.conversations.text import parse_int
from garagebot.conversations.types import Reply
from garagebot.core.appointments.booking import answer_appointment
from garagebot.core.appointments.notices import (
    OFFER_ANSWERS,
    PREFIX,
    REMINDER_ANSWERS,
    Answer,
    parse_choice,
    when_for,
)
from garagebot.core.appointments.views import awaiting_answer
from garagebot.core.models import Appointment, Vehicle

__all__ = ["PREFIX", "on_choice", "typed"]

_REPLY = {Answer.CONFIRM: "appointment.confirmed_reply", Answer.OTHER: "appointment.other_reply",
          Answer.CANCEL: "appointment.cancelled_reply"}


async def _answer(ctx: ClientCtx, appointment_id: int, answer: Answer) -> ClientStep:
    await answer_appointment(ctx.uow, appointment_id, answer)  # refuses another client's appointment
    appt = await ctx.uow.get(Appointment, appointment_id)
    vehicle = await ctx.uow.get(Vehicle, appt.vehicle_id) if appt.vehicle_id is not None else None
    return reply(Reply(_REPLY[answer], {
        "name": ctx.client.name if ctx.client else "", "plate": vehicle.plate if vehicle else "",
        "when": await when_for(ctx.uow, appt, ctx.locale)}))


async def on_choice(ctx: ClientCtx, choice: str) -> ClientStep:
    """A pressed button "ap:<id>:<answer>"."""
    parsed = parse_choice(choice)
    if parsed is None or ctx.client is None:
        return reply(Reply("client.not_understood"))
    return await _answer(ctx, *parsed)


async def typed(ctx: ClientCtx) -> ClientStep | None:
    """A typed "1" / "2" / "3" answering the last question; None when it is not one."""
    if ctx.client is None:
        return None
    n = parse_int(ctx.msg.text)
    if n is None or not 1 <= n <= len(REMINDER_ANSWERS):
        return None
    asked = await awaiting_answer(ctx.uow.session, ctx.garage.id, ctx.client.id)
    if asked is None:
        return None
    answers = REMINDER_ANSWERS if asked[1] == "reminder" else OFFER_ANSWERS
    if n > len(answers):
        return None
    return await _answer(ctx, asked[0], answers[n - 1])

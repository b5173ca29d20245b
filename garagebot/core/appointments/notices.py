"""What the client and the advisor are told about an appointment.

The client's message goes in their language on their channel (``channel_to``:
SMS instead of a WhatsApp message outside the 24-hour window when the garage
has no approved template for the key), with the answers as choices — buttons
on WhatsApp, numbered lines on SMS ("1. Confirm"). Each choice id carries the
appointment ("ap:<id>:yes"); the client flow checks it belongs to the sender.
A client who opted out gets nothing, and the services say so.
"""

from __future__ import annotations

from enum import StrEnum

from garagebot.core.i18n import short_when
from garagebot.core.models import Appointment, Client, Vehicle
from garagebot.core.notify.recipient import channel_to
from garagebot.core.notify.staff import open_choice, people_by_id, tell
from garagebot.core.ports import Choice
from garagebot.core.uow import UnitOfWork

PREFIX = "ap:"


class Answer(StrEnum):
    """A client's answer to an offered or reminded appointment."""

    CONFIRM = "yes"
    OTHER = "other"  # another time, please
    CANCEL = "cancel"


# The answers each question offers, in the order of their numbers.
OFFER_ANSWERS = (Answer.CONFIRM, Answer.OTHER)
REMINDER_ANSWERS = (Answer.CONFIRM, Answer.OTHER, Answer.CANCEL)


def choices(appointment_id: int, answers: tuple[Answer, ...]) -> tuple[Choice, ...]:
    return tuple(Choice(f"{PREFIX}{appointment_id}:{a.value}", f"appointment.btn_{a.value}") for a in answers)


def parse_choice(choice: str) -> tuple[int, Answer] | None:
    """The appointment and answer of a choice id ("ap:12:yes"), or None."""
    if not choice.startswith(PREFIX):
        return None
    ident, _, answer = choice[len(PREFIX):].partition(":")
    if not ident.isdigit() or answer not in Answer._value2member_map_:
        return None
    return int(ident), Answer(answer)


async def when_for(uow: UnitOfWork, appt: Appointment, locale: str) -> str:
    return short_when(appt.starts_at, (await uow.organization()).timezone, locale)


async def tell_client(uow: UnitOfWork, appt: Appointment, key: str,
                      answers: tuple[Answer, ...] = ()) -> bool:
    """Queue ``key`` about ``appt`` to its client; False when they opted out."""
    client = await uow.get(Client, appt.client_id)
    if not client.messaging_consent:
        return False
    org = await uow.organization()
    vehicle = await uow.get(Vehicle, appt.vehicle_id) if appt.vehicle_id is not None else None
    channel = await channel_to(uow, client.phone, key, client.locale)
    uow.send(channel, client.phone, client.locale, key, {
        "garage": org.name_ar if client.locale == "ar" else org.name_en, "name": client.name,
        "plate": vehicle.plate if vehicle else "", "when": await when_for(uow, appt, client.locale),
    }, choices(appt.id, answers))
    return True


async def tell_advisor(uow: UnitOfWork, appt: Appointment, key: str) -> int:
    """Queue ``key`` to the advisor who booked ``appt`` (a button opens the
    booking requests); how many were told."""
    people = await people_by_id(uow, [appt.created_by_user_id])
    if not people:
        return 0
    client = await uow.get(Client, appt.client_id)
    vehicle = await uow.get(Vehicle, appt.vehicle_id) if appt.vehicle_id is not None else None
    org = await uow.organization()

    def params(locale: str) -> dict[str, object]:
        return {"name": client.name, "phone": client.phone, "plate": vehicle.plate if vehicle else "",
                "when": short_when(appt.starts_at, org.timezone, locale)}

    return await tell(uow, people, key, params, open_choice("appt", appt.id))

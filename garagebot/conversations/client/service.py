"""A client's "1" to a service-due reminder (``core.alerts.service_due``): the
booking starts with the car and the service filled in and asks only when to
come (``intake``'s last question); the request is made as any chat booking.
A reminder is answered this way once (its id is kept in the conversation)."""

from __future__ import annotations

from garagebot.conversations.client import intake
from garagebot.conversations.client.types import ClientCtx, ClientState, ClientStep, reply
from garagebot.conversations.text import parse_int
from garagebot.conversations.types import Reply
from garagebot.core.alerts.service_due import service_offer
from garagebot.core.jsonable import JsonValue

USED = "service_offer"


async def book_service(ctx: ClientCtx) -> ClientStep | None:
    """The booking a "1" opens, or None when the message answers no service reminder."""
    if ctx.client is None or parse_int(ctx.msg.text) != 1:
        return None
    offer = await service_offer(ctx.uow.session, ctx.garage.id, ctx.client.id, ctx.now)
    if offer is None or ctx.data.get(USED) == offer.notice_id:
        return None
    service = offer.service_ar if ctx.locale == "ar" else offer.service_en
    answers: dict[str, JsonValue] = {"name": ctx.client.name, "plate": offer.plate, "complaint": service}
    data = intake._data(ctx, answers)
    data[USED] = offer.notice_id
    return reply(Reply("schedule.book_service", {"service": service, "plate": offer.plate},
                       intake.TIME_CHOICES), state=ClientState.INTAKE_TIME, data=data)

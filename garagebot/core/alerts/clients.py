"""Sending a scheduled reminder to a client: on their channel, in their
language (``notify.recipient``: nothing to a client who opted out; SMS instead
of a WhatsApp message that would fall outside the 24-hour window without an
approved template), once only (``claim_once``), and never inside the garage's
quiet hours (the row waits in the outbox until they end)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from garagebot.core.notify.recipient import Target, claim_once, session_target
from garagebot.core.notify.staff import quiet_until
from garagebot.core.ports import Choice
from garagebot.core.uow import UnitOfWork


async def remind_once(uow: UnitOfWork, session_id: int, rule: str, marker: str, key: str,
                      params: Callable[[str], Mapping[str, object]],
                      choices: Sequence[Choice] = ()) -> Target | None:
    """Queue ``key`` (``params`` given the client's language) to the session's
    client unless they opted out or (rule, marker) was claimed before; the
    target when a message was queued."""
    target = await session_target(uow, session_id)
    if target is None or not await claim_once(uow, session_id, rule, marker):
        return None
    org = await uow.organization()
    row = uow.send(target.channel_for(key), target.phone, target.locale, key,
                   {"garage": target.garage, "number": target.number, "name": target.client_name,
                    "car": target.car, **params(target.locale)}, choices)
    held = quiet_until(org.settings, org.timezone, uow.now)
    if held is not None:
        row.available_at = held
    return target

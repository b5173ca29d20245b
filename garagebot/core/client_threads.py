"""What a client writes that no flow understands goes to a person, never nowhere.

``forward_to_staff`` queues the text to the session's advisor on Telegram
(or, when there is none or they are not on Telegram, to every member of
staff on Telegram who does intake), audits it — so it is on record even when
nobody is reachable — and emits ``client.message``. ``announce_request`` tells
the same people that a new client asked for an appointment by chat.
"""

from __future__ import annotations

from dataclasses import dataclass

from garagebot.core.clientlookup import staff_recipients
from garagebot.core.enums import Channel
from garagebot.core.ids import ClientId, OrgId, RequestId, SessionId, UserId
from garagebot.core.models import Request
from garagebot.core.normalize import clean_text
from garagebot.core.notify.staff import local_when, open_choice
from garagebot.core.uow import UnitOfWork

MAX_FORWARDED = 1500


@dataclass(frozen=True, slots=True)
class ClientMessage:
    """A client's message for staff: who, about which visit, what they wrote."""

    phone: str
    channel: Channel
    text: str
    client_id: ClientId | None = None
    client_name: str | None = None
    session_id: SessionId | None = None
    session_number: str | None = None
    plate: str | None = None
    advisor_id: UserId | None = None
    attachments: int = 0


def _params(msg: ClientMessage) -> dict[str, object]:
    text = clean_text(msg.text)
    if len(text) > MAX_FORWARDED:
        text = text[:MAX_FORWARDED] + "…"
    return {"name": msg.client_name or msg.phone, "phone": msg.phone, "channel": msg.channel.value,
            "number": msg.session_number or "", "plate": msg.plate or "", "text": text,
            "attachments": msg.attachments}


async def forward_to_staff(uow: UnitOfWork, msg: ClientMessage) -> int:
    """Queue ``msg`` to the staff who should read it; how many it reaches."""
    recipients = await staff_recipients(uow.session, OrgId(uow.org_id), msg.advisor_id)
    key = ("client.forwarded_files" if msg.attachments
           else "client.forwarded_about_visit" if msg.session_number else "client.forwarded")
    params = _params(msg)
    for r in recipients:
        uow.send(Channel.TELEGRAM, r.telegram_chat, r.locale, key, params)
    await uow.audit("client_message", msg.client_id or msg.phone, "forward", after={
        **params, "session_id": msg.session_id, "to_users": [r.user_id for r in recipients]})
    uow.emit("client.message", {"client_id": msg.client_id, "phone": msg.phone,
                                "session_id": msg.session_id, "reached": len(recipients)})
    return len(recipients)


async def announce_request(uow: UnitOfWork, request_id: RequestId, *, name: str, phone: str,
                           plate: str, complaint: str, preferred: str) -> int:
    """Tell the intake staff on Telegram about a request a client made by chat,
    with a button that opens it in their booking requests.
    The preferred time is the request's, written in each reader's language
    (``preferred``, as the client saw it, only when the request has none)."""
    recipients = await staff_recipients(uow.session, OrgId(uow.org_id), None)
    params = {"id": request_id, "name": name, "phone": phone, "plate": plate,
              "complaint": clean_text(complaint)[:MAX_FORWARDED], "preferred": preferred}
    req = await uow.get(Request, request_id)
    zone = (await uow.organization()).timezone
    for r in recipients:
        when = None if req.preferred_time is None else local_when(req.preferred_time, zone, r.locale)
        uow.send(Channel.TELEGRAM, r.telegram_chat, r.locale, "client.request_to_staff",
                 params if when is None else {**params, "preferred": when},
                 (open_choice("req", request_id),))
    return len(recipients)

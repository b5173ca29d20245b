"""Who a client notification goes to, on which channel, in which language,
and the once-only claim for notices that must not repeat.

The channel is the client's (``client_channel``):

- SMS when the client last wrote to the garage by SMS (and the garage has an
  SMS number): they answer where they wrote;
- else WhatsApp when the garage has a WhatsApp number (Twilio or Meta);
- but a WhatsApp message the provider would refuse (outside the 24-hour
  window, with no approved template for its key) goes by SMS instead when
  the garage has an SMS number;
- else SMS.

A client who opted out of messages gets nothing, so ``session_target``
returns None for them and the rule sends nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite

from garagebot.core.enums import Channel
from garagebot.core.errors import NotFound
from garagebot.core.messaging import in_window, last_inbound, template_for
from garagebot.core.models import Client, ClientNotice, Organization, RepairSession, Vehicle
from garagebot.core.ports import Choice
from garagebot.core.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class Target:
    """One client's address for a notification about one session."""

    session_id: int
    number: str
    status: str
    channel: Channel
    phone: str
    locale: str
    client_name: str
    garage: str  # the garage's name in the client's language
    car: str  # make, model and plate as the client knows the car
    # Instead of WhatsApp, for keys WhatsApp would refuse now (see client_channel).
    sms_instead: bool = False
    settings: Mapping[str, object] = field(default_factory=dict)

    def channel_for(self, key: str) -> Channel:
        """The channel of message ``key``: SMS instead of a WhatsApp message
        outside the 24-hour window that has no approved template."""
        if self.sms_instead and self.channel is Channel.WHATSAPP and template_for(
                self.settings, key, self.locale) is None:
            return Channel.SMS
        return self.channel


def channel_for(org: Organization) -> Channel:
    """The garage's usual client channel: WhatsApp when it has a WhatsApp number, else SMS."""
    return Channel.WHATSAPP if org.whatsapp_number or org.meta_phone_number_id else Channel.SMS


async def client_channel(uow: UnitOfWork, org: Organization, phone: str) -> tuple[Channel, bool]:
    """The client's channel (see the module docstring), and whether SMS goes
    instead of a WhatsApp message that has no approved template."""
    if not org.sms_number:
        return channel_for(org), False
    wrote_sms = await last_inbound(uow.session, org.id, Channel.SMS.value, phone)
    wrote_whatsapp = await last_inbound(uow.session, org.id, Channel.WHATSAPP.value, phone)
    if channel_for(org) is Channel.SMS or (
            wrote_sms is not None and (wrote_whatsapp is None or wrote_sms > wrote_whatsapp)):
        return Channel.SMS, False
    return Channel.WHATSAPP, not in_window(wrote_whatsapp, uow.now)


async def channel_to(uow: UnitOfWork, phone: str, key: str, locale: str) -> Channel:
    """The channel of message ``key`` to the client at ``phone`` (for messages
    that are not about a session, like payment receipts)."""
    org = await uow.organization()
    channel, sms_instead = await client_channel(uow, org, phone)
    if sms_instead and channel is Channel.WHATSAPP and template_for(org.settings or {}, key, locale) is None:
        return Channel.SMS
    return channel


def _car(vehicle: Vehicle) -> str:
    return " ".join(p for p in (vehicle.make, vehicle.model, vehicle.plate) if p)


async def session_target(uow: UnitOfWork, session_id: int) -> Target | None:
    """The session's client as a recipient; None when they opted out or the
    session is gone."""
    try:
        rs = await uow.get(RepairSession, session_id)
    except NotFound:
        return None
    client = await uow.get(Client, rs.client_id)
    if not client.messaging_consent:
        return None
    vehicle = await uow.get(Vehicle, rs.vehicle_id)
    org = await uow.organization()
    channel, sms_instead = await client_channel(uow, org, client.phone)
    return Target(
        session_id=rs.id, number=rs.number, status=rs.status, channel=channel, phone=client.phone,
        locale=client.locale, client_name=client.name,
        garage=org.name_ar if client.locale == "ar" else org.name_en, car=_car(vehicle),
        sms_instead=sms_instead, settings=dict(org.settings or {}),
    )


def notify(
    uow: UnitOfWork, target: Target, key: str, params: Mapping[str, object], choices: Sequence[Choice] = ()
) -> None:
    """Queue ``key`` to the target in their language; the garage's name and
    the job number are always parameters."""
    uow.send(target.channel_for(key), target.phone, target.locale, key,
             {"garage": target.garage, "number": target.number, **params}, choices)


def _insert(uow: UnitOfWork) -> Any:
    return postgresql.insert if uow.session.bind.dialect.name == "postgresql" else sqlite.insert


async def claim_once(uow: UnitOfWork, session_id: int, rule: str, marker: str) -> bool:
    """True the first time (rule, marker) is claimed in this garage, False after."""
    stmt = (
        _insert(uow)(ClientNotice)
        .values(organization_id=uow.org_id, session_id=session_id, rule=rule, marker=marker[:128],
                created_at=uow.now)
        .on_conflict_do_nothing(index_elements=["organization_id", "rule", "marker"])
        .returning(ClientNotice.id)
    )
    return (await uow.session.execute(stmt)).first() is not None



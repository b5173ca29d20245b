"""Read queries of client messaging (no writes; every one scoped to a garage,
except finding the garage itself from the number a message was sent to).

- ``garage_by_number``: the garage that owns an SMS / WhatsApp number or a
  Meta phone-number id;
- ``client_by_phone``, ``current_visit`` (with its pending quote): what a
  client's conversation looks at;
- ``staff_recipients``: who hears what a client wrote that no flow understood;
- ``delivery_context``: what a client transport needs to send one outbox row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.core import pgraw
from garagebot.core.billing.enums import QuoteStatus
from garagebot.core.enums import Role, SessionStatus
from garagebot.core.ids import ClientId, OrgId, QuoteId, SessionId, UserId
from garagebot.core.messaging import last_inbound
from garagebot.core.models import (
    Client,
    Organization,
    OutboxRow,
    Quote,
    RepairSession,
    User,
    Vehicle,
)
from garagebot.core.models.repair import ACTIVE_SESSION_SQL, FINAL_SESSION_STATUSES
from garagebot.core.permissions import Permission, allowed


class NumberField(StrEnum):
    """The Organization column that identifies a garage on a provider."""

    SMS = "sms_number"
    WHATSAPP = "whatsapp_number"
    META = "meta_phone_number_id"


@dataclass(frozen=True, slots=True)
class Garage:
    id: OrgId
    name_en: str
    name_ar: str
    default_locale: str
    timezone: str

    def name(self, locale: str) -> str:
        return self.name_ar if locale == "ar" else self.name_en


# Every inbound client message runs the lookups below: on PostgreSQL they are
# raw asyncpg statements (``core.pgraw``), each for a whole group of messages
# (``*s_by_*``, ``current_visits``; one message is a group of one); the
# SQLAlchemy ones serve SQLite.
_PG_GARAGES = {
    f: f"SELECT {f.value}, id, name_en, name_ar, default_locale, timezone FROM organization "
       f"WHERE {f.value} = ANY($1::text[])"
    for f in NumberField}
_PG_VISIT = (
    "SELECT s.id, s.number, s.status, s.eta, s.opened_at, s.delivered_at, s.delivery_pin, v.plate, v.make, "
    "v.model, s.advisor_id, (SELECT q.id FROM quote q WHERE q.organization_id = $1 AND q.session_id = s.id "
    f"AND q.status = '{QuoteStatus.SENT.value}' ORDER BY q.version DESC LIMIT 1) AS pending_quote "
    "FROM repair_session s "
    "JOIN vehicle v ON v.id = s.vehicle_id AND v.organization_id = $1 "
    "WHERE s.organization_id = $1 AND s.client_id = $2 AND {} ORDER BY {} DESC, s.id DESC LIMIT 1")
_PG_ACTIVE_VISIT = _PG_VISIT.format("s." + ACTIVE_SESSION_SQL, "s.opened_at")
_PG_DELIVERED_VISIT = _PG_VISIT.format(f"s.status = '{SessionStatus.DELIVERED.value}'", "s.delivered_at")


async def garage_by_number(session: AsyncSession, number_field: NumberField, value: str) -> Garage | None:
    raw = await pgraw.driver(session)
    if raw is not None:
        return (await garages_by_number(raw, number_field, [value]))[0]
    column = getattr(Organization, number_field.value)
    org = (await session.scalars(select(Organization).where(column == value))).one_or_none()
    if org is None:
        return None
    return Garage(OrgId(org.id), org.name_en, org.name_ar, org.default_locale, org.timezone)


async def garages_by_number(raw: Any, number_field: NumberField,
                            values: Sequence[str]) -> list[Garage | None]:
    """``garage_by_number`` for several numbers in one statement on PostgreSQL
    (``raw``: the asyncpg connection, ``core.pgraw.driver``). The number
    columns are unique, so a number names one garage at most."""
    rows = await raw.fetch(_PG_GARAGES[number_field], sorted(set(values)))
    found = {r[0]: Garage(OrgId(r[1]), *r[2:]) for r in rows}
    return [found.get(v) for v in values]


async def garage_by_id(session: AsyncSession, org_id: int) -> Garage | None:
    org = await session.get(Organization, org_id)
    if org is None:
        return None
    return Garage(OrgId(org.id), org.name_en, org.name_ar, org.default_locale, org.timezone)


@dataclass(frozen=True, slots=True)
class ClientContact:
    id: ClientId
    name: str
    phone: str
    locale: str
    consent: bool


async def client_by_phone(session: AsyncSession, org_id: OrgId, phone: str) -> ClientContact | None:
    """The garage's client with this E.164 phone, or None."""
    raw = await pgraw.driver(session)
    if raw is not None:
        return (await clients_by_phone(raw, [(org_id, phone)]))[0]
    c = (await session.scalars(
        select(Client).where(Client.organization_id == org_id, Client.phone == phone)
    )).one_or_none()
    if c is None:
        return None
    return ClientContact(ClientId(c.id), c.name, c.phone, c.locale, c.messaging_consent)


_PG_CLIENTS = ("SELECT t.i, c.id, c.name, c.phone, c.locale, c.messaging_consent "
               "FROM unnest($1::bigint[], $2::text[]) WITH ORDINALITY AS t(o, p, i) "
               "JOIN client c ON c.organization_id = t.o AND c.phone = t.p")


async def clients_by_phone(raw: Any, wanted: Sequence[tuple[int, str]]) -> list[ClientContact | None]:
    """``client_by_phone`` for a group of (garage, phone), in one statement on
    PostgreSQL (``raw``: the asyncpg connection, ``core.pgraw.driver``)."""
    rows = await raw.fetch(_PG_CLIENTS, [o for o, _ in wanted], [p for _, p in wanted])
    found = {int(r[0]) - 1: ClientContact(ClientId(r[1]), r[2], r[3], r[4], r[5]) for r in rows}
    return [found.get(i) for i in range(len(wanted))]


@dataclass(frozen=True, slots=True)
class ClientVisit:
    """A client's repair session as their conversation shows it."""

    session_id: SessionId
    number: str
    status: SessionStatus
    eta: dt.datetime | None
    opened_at: dt.datetime
    delivered_at: dt.datetime | None
    delivery_pin: str
    plate: str
    make: str | None
    model: str | None
    advisor_id: UserId | None
    # The quote version waiting for the client's decision when the visit was
    # read (a turn reads its visit first, before it changes anything).
    pending_quote: QuoteId | None

    @property
    def active(self) -> bool:
        return self.status.value not in FINAL_SESSION_STATUSES


async def current_visit(session: AsyncSession, org_id: OrgId, client_id: ClientId) -> ClientVisit | None:
    """The client's newest active session, else their newest delivered one, else None."""
    raw = await pgraw.driver(session)
    if raw is not None:
        return (await current_visits(raw, [(org_id, client_id)]))[0]
    rs = RepairSession
    base = (
        select(rs, Vehicle.plate, Vehicle.make, Vehicle.model)
        .join(Vehicle, and_(Vehicle.id == rs.vehicle_id, Vehicle.organization_id == org_id))
        .where(rs.organization_id == org_id, rs.client_id == client_id)
    )
    active = base.where(rs.status.not_in(FINAL_SESSION_STATUSES)).order_by(rs.opened_at.desc(), rs.id.desc())
    row = (await session.execute(active.limit(1))).first()
    if row is None:
        delivered = base.where(rs.status == SessionStatus.DELIVERED.value).order_by(
            rs.delivered_at.desc(), rs.id.desc())
        row = (await session.execute(delivered.limit(1))).first()
    if row is None:
        return None
    s, plate, make, model = row._tuple()
    return ClientVisit(
        SessionId(s.id), s.number, SessionStatus(s.status), s.eta, s.opened_at, s.delivered_at,
        s.delivery_pin, plate, make, model, UserId(s.advisor_id) if s.advisor_id else None,
        await _pending_quote(session, org_id, SessionId(s.id)),
    )


def _visit(row: Sequence[Any]) -> ClientVisit:
    """A ClientVisit from the columns of ``_PG_VISIT``."""
    return ClientVisit(SessionId(row[0]), row[1], SessionStatus(row[2]), row[3], row[4], row[5], row[6],
                       row[7], row[8], row[9], UserId(row[10]) if row[10] else None,
                       None if row[11] is None else QuoteId(int(row[11])))


def _for_each(sql: str) -> str:
    return sql.replace("$1", "t.o").replace("$2", "t.c")


# current_visit for each (garage, client) of a group: the active visit if any, else the delivered one.
_PG_VISITS = (
    "SELECT t.i, v.* FROM unnest($1::bigint[], $2::bigint[]) WITH ORDINALITY AS t(o, c, i) "
    "CROSS JOIN LATERAL (SELECT * FROM ("
    f"SELECT 0 AS pref, a.* FROM ({_for_each(_PG_ACTIVE_VISIT)}) AS a UNION ALL "
    f"SELECT 1 AS pref, d.* FROM ({_for_each(_PG_DELIVERED_VISIT)}) AS d"
    ") AS u ORDER BY pref LIMIT 1) AS v")


async def current_visits(raw: Any, wanted: Sequence[tuple[int, int]]) -> list[ClientVisit | None]:
    """``current_visit`` for several (garage, client) in one statement on
    PostgreSQL (``raw``: the asyncpg connection, ``core.pgraw.driver``)."""
    rows = await raw.fetch(_PG_VISITS, [o for o, _ in wanted], [c for _, c in wanted])
    found = {int(r[0]) - 1: _visit(tuple(r)[2:]) for r in rows}
    return [found.get(i) for i in range(len(wanted))]


async def _pending_quote(session: AsyncSession, org_id: OrgId, session_id: SessionId) -> QuoteId | None:
    """The session's quote version waiting for the client's decision, if any
    (SQLite; on PostgreSQL ``_PG_VISIT`` reads it with the visit)."""
    found = await session.scalar(
        select(Quote.id).where(Quote.organization_id == org_id, Quote.session_id == session_id,
                               Quote.status == QuoteStatus.SENT.value)
        .order_by(Quote.version.desc()).limit(1)
    )
    return None if found is None else QuoteId(int(found))


@dataclass(frozen=True, slots=True)
class StaffRecipient:
    user_id: UserId
    telegram_chat: str
    locale: str


async def staff_recipients(
    session: AsyncSession, org_id: OrgId, advisor_id: UserId | None
) -> list[StaffRecipient]:
    """The session's advisor when reachable on Telegram; otherwise every active
    member of staff on Telegram who handles intake (advisors, managers, owner)."""
    rows = (await session.scalars(
        select(User).where(User.organization_id == org_id, User.active.is_(True),
                           User.telegram_user_id.is_not(None)).order_by(User.id)
    )).all()
    reachable = [StaffRecipient(UserId(u.id), str(u.telegram_user_id), u.locale) for u in rows
                 if allowed(Role(u.role), Permission.INTAKE) or u.id == advisor_id]
    own = [r for r in reachable if r.user_id == advisor_id]
    return own or reachable


@dataclass(frozen=True, slots=True)
class DeliveryContext:
    """One outbox message as a client transport sees it."""

    organization_id: OrgId
    key: str
    params: Mapping[str, object]
    sms_number: str | None
    whatsapp_number: str | None
    meta_phone_number_id: str | None
    settings: Mapping[str, object]
    client: ClientContact | None
    last_inbound: dt.datetime | None = None


async def delivery_context(session: AsyncSession, outbox_id: int, channel: str,
                           recipient: str) -> DeliveryContext | None:
    """The outbox row's key and parameters, its garage's numbers and settings,
    the client at ``recipient`` (None: not a client) and their last inbound time
    on ``channel``. None when the row does not exist."""
    row = (await session.execute(
        select(OutboxRow.organization_id, OutboxRow.topic, OutboxRow.payload, Organization)
        .join(Organization, Organization.id == OutboxRow.organization_id)
        .where(OutboxRow.id == outbox_id)
    )).first()
    if row is None:
        return None
    org_id, topic, payload, org = row._tuple()
    params = cast(Mapping[str, object], (payload or {}).get("params") or {})
    client = await client_by_phone(session, OrgId(org_id), recipient)
    return DeliveryContext(
        OrgId(org_id), str(topic), params, org.sms_number, org.whatsapp_number, org.meta_phone_number_id,
        dict(org.settings or {}), client, await last_inbound(session, org_id, channel, recipient),
    )


_PG_DELIVERY = (
    "SELECT t.i, o.organization_id, o.topic, o.payload, g.sms_number, g.whatsapp_number, "
    "g.meta_phone_number_id, g.settings, c.id, c.name, c.phone, c.locale, c.messaging_consent, "
    "cc.last_inbound_at "
    "FROM unnest($1::bigint[], $2::text[], $3::text[]) WITH ORDINALITY AS t(r, ch, rcp, i) "
    "JOIN outbox o ON o.id = t.r JOIN organization g ON g.id = o.organization_id "
    "LEFT JOIN client c ON c.organization_id = o.organization_id AND c.phone = t.rcp "
    "LEFT JOIN channel_contact cc ON cc.organization_id = o.organization_id "
    "AND cc.channel = t.ch AND cc.address = t.rcp")


async def delivery_contexts(raw: Any, wanted: Sequence[tuple[int, str, str]]) -> list[DeliveryContext | None]:
    """``delivery_context`` for several (outbox id, channel, recipient) in one
    statement on PostgreSQL (``raw``: the asyncpg connection, ``core.pgraw.driver``)."""
    rows = await raw.fetch(_PG_DELIVERY, [w[0] for w in wanted], [w[1] for w in wanted],
                           [w[2] for w in wanted])
    found: dict[int, DeliveryContext] = {}
    for r in rows:
        payload = r[3] or {}
        client = None if r[8] is None else ClientContact(ClientId(r[8]), r[9], r[10], r[11], r[12])
        found[int(r[0]) - 1] = DeliveryContext(
            OrgId(r[1]), str(r[2]), cast(Mapping[str, object], payload.get("params") or {}),
            r[4], r[5], r[6], dict(r[7] or {}), client, r[13])
    return [found.get(i) for i in range(len(wanted))]

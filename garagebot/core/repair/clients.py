"""Clients (car owners): found or created by phone at intake, and edited.

A client is identified by the E.164 form of the phone number within a garage
(unique). Intake never overwrites what is on file (except a blank name); edits
go through ``update_client`` and are audited.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from garagebot.core.errors import Conflict
from garagebot.core.ids import ClientId
from garagebot.core.models import Client
from garagebot.core.normalize import phone_e164
from garagebot.core.permissions import Permission
from garagebot.core.repair import inputs
from garagebot.core.repair.rows import Upsert, apply_changes, insert_ignore
from garagebot.core.uow import UnitOfWork

MAX_NAME = 200
MAX_NOTES = 2000


@dataclass(frozen=True, slots=True)
class ClientInput:
    """Validated intake data of a client."""

    phone: str
    name: str | None
    locale: str | None


def client_input(phone: str, name: str | None = None, locale: str | None = None) -> ClientInput:
    """Normalise and validate (no I/O): phone to E.164 (default region JO)."""
    return ClientInput(
        phone=phone_e164(phone),
        name=inputs.optional_text(name, MAX_NAME),
        locale=None if locale is None else inputs.locale(locale),
    )


async def _client_by_phone(uow: UnitOfWork, phone: str) -> Client | None:
    stmt = select(Client).where(Client.organization_id == uow.org_id, Client.phone == phone)
    return (await uow.session.execute(stmt)).scalar_one_or_none()


async def upsert_client(uow: UnitOfWork, data: ClientInput) -> Upsert[Client]:
    """The garage's client with this phone, created when new; a found client's
    blank name is filled in. Writes no audit entry (see ``record_client``), so
    callers can take their row locks first."""
    client = await _client_by_phone(uow, data.phone)
    if client is not None:
        before, after = apply_changes(client, {"name": data.name} if data.name and not client.name else {})
        return Upsert(client, False, before, after)
    locale = data.locale or (await uow.organization()).default_locale
    new_id = await insert_ignore(
        uow, Client,
        {"organization_id": uow.org_id, "name": data.name or "", "phone": data.phone,
         "locale": locale, "messaging_consent": True, "created_at": uow.now},
        ("organization_id", "phone"),
    )
    if new_id is None:  # created meanwhile by a concurrent intake
        return await upsert_client(uow, data)
    return Upsert(await uow.get(Client, new_id), True)


async def record_client(uow: UnitOfWork, found: Upsert[Client]) -> None:
    """Audit entry and event for what intake did to the client, if anything."""
    client = found.row
    if found.created:
        await uow.audit(
            "client", client.id, "create",
            after={"name": client.name, "phone": client.phone, "locale": client.locale,
                   "messaging_consent": client.messaging_consent},
        )
        uow.emit("client.created", {"client_id": client.id})
    elif found.after:
        await uow.audit("client", client.id, "update", before=found.before, after=found.after)
        uow.emit("client.updated", {"client_id": client.id, "fields": sorted(found.after)})


async def find_or_create_client(
    uow: UnitOfWork, *, phone: str, name: str | None = None, locale: str | None = None
) -> ClientId:
    """The client with this phone in the actor's garage, created when new
    (preferred language ``locale``, else the garage's default)."""
    await uow.require(Permission.INTAKE)
    found = await upsert_client(uow, client_input(phone, name, locale))
    await record_client(uow, found)
    return ClientId(found.row.id)


async def update_client(
    uow: UnitOfWork,
    client_id: ClientId,
    *,
    name: str | None = None,
    phone: str | None = None,
    locale: str | None = None,
    messaging_consent: bool | None = None,
    notes: str | None = None,
) -> None:
    """Change the given fields (None = leave as is). A new phone must not belong
    to another client of the garage. Withdrawn consent stops marketing and
    optional messages (the notification rules read ``messaging_consent``)."""
    await uow.require(Permission.INTAKE)
    client = await uow.get(Client, client_id, lock=True)
    changes: dict[str, object] = {}
    if name is not None:
        changes["name"] = inputs.required_text(name, "error.client_name_required", MAX_NAME)
    if phone is not None:
        changes["phone"] = phone_e164(phone)
        other = await _client_by_phone(uow, str(changes["phone"]))
        if other is not None and other.id != client.id:
            raise Conflict("error.client_phone_taken", phone=str(changes["phone"]))
    if locale is not None:
        changes["locale"] = inputs.locale(locale)
    if messaging_consent is not None:
        changes["messaging_consent"] = bool(messaging_consent)
    if notes is not None:
        changes["notes"] = inputs.optional_text(notes, MAX_NOTES)
    before, after = apply_changes(client, changes)
    if not after:
        return
    await uow.audit("client", client.id, "update", before=before, after=after)
    uow.emit("client.updated", {"client_id": client.id, "fields": sorted(after)})


async def edit_client(
    uow: UnitOfWork, client_id: ClientId, *, name: str, phone: str, locale: str, notes: str
) -> bool:
    """The console's client form: name, phone (normalised to E.164; another
    client's number is refused), preferred language and notes, as typed
    (blank notes clear them). Audited by ``update_client``; True when anything changed."""
    await uow.require(Permission.INTAKE)
    client = await uow.get(Client, client_id)
    before = (client.name, client.phone, client.locale, client.notes)
    await update_client(uow, client_id, name=name, phone=phone, locale=locale, notes=notes)
    return before != (client.name, client.phone, client.locale, client.notes)

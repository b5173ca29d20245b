"""A garage's own settings: its provider numbers and time zone.

``set_garage_settings`` is a service like any other (one unit of work, permission,
audit, validation before writing). The numbers identify the garage on inbound
SMS / WhatsApp, so they are normalised and must be unique across garages.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select

from garagebot.core.errors import Conflict, InvalidInput, NotFound
from garagebot.core.ids import OrgId
from garagebot.core.models import Organization
from garagebot.core.normalize import clean_text, phone_e164
from garagebot.core.permissions import Permission
from garagebot.core.uow import Database, UnitOfWork

NUMBER_FIELDS = ("sms_number", "whatsapp_number", "meta_phone_number_id")
_META_ID = re.compile(r"^[0-9]{5,32}$")


@dataclass(frozen=True, slots=True)
class GarageRef:
    id: OrgId
    slug: str


async def find_garage(db: Database, slug: str) -> GarageRef:
    """The garage with ``slug``; NotFound otherwise."""
    async with db.read() as session:
        org_id = (
            await session.execute(select(Organization.id).where(Organization.slug == slug))
        ).scalar_one_or_none()
    if org_id is None:
        raise NotFound("error.garage_not_found")
    return GarageRef(OrgId(org_id), slug)


def normalize_numbers(numbers: Mapping[str, str | None]) -> dict[str, str | None]:
    """Phone numbers to E.164 and the Meta phone-number id checked; "" clears a
    number (None leaves it unchanged and is dropped here)."""
    out: dict[str, str | None] = {}
    for field, raw in numbers.items():
        if field not in NUMBER_FIELDS:
            raise InvalidInput("error.invalid_choice", value=field)
        if raw is None:
            continue
        value = clean_text(raw)
        if not value:
            out[field] = None
        elif field == "meta_phone_number_id":
            if not _META_ID.match(value):
                raise InvalidInput("error.invalid_meta_phone_number_id", value=raw)
            out[field] = value
        else:
            out[field] = phone_e164(value)
    return out


async def _check_numbers_free(uow: UnitOfWork, numbers: Mapping[str, str | None]) -> None:
    for field, value in numbers.items():
        if value is None:
            continue
        column = getattr(Organization, field)
        taken = await uow.session.execute(
            select(Organization.id).where(column == value, Organization.id != uow.org_id)
        )
        if taken.first():
            raise Conflict("error.garage_number_taken", value=value)


async def set_garage_settings(
    uow: UnitOfWork,
    *,
    numbers: Mapping[str, str | None] | None = None,
    timezone: str | None = None,
) -> None:
    """Change the garage's provider numbers and/or time zone (audited)."""
    await uow.require(Permission.MANAGE_GARAGE)
    changes: dict[str, str | None] = normalize_numbers(numbers or {})
    if timezone is not None:
        try:
            zoneinfo.ZoneInfo(timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise InvalidInput("error.invalid_timezone", value=timezone) from exc
        changes["timezone"] = timezone
    if not changes:
        raise InvalidInput("error.nothing_to_change")
    await _check_numbers_free(uow, {k: v for k, v in changes.items() if k in NUMBER_FIELDS})
    org = await uow.organization()
    before = {field: getattr(org, field) for field in changes}
    for field, value in changes.items():
        setattr(org, field, value)
    await uow.session.flush()
    await uow.audit("organization", org.id, "update_settings", before=before, after=changes)
    uow.emit("garage.settings_changed", {"organization_id": org.id, "fields": sorted(changes)})

"""The garage's details printed on its documents: name, address, phone, tax
number and logo. Kept in ``Organization.settings["documents"]`` (no column:
only the documents read them); ``set_document_profile`` is the one writer."""

from __future__ import annotations

from dataclasses import dataclass

from garagebot.core.errors import InvalidInput
from garagebot.core.models import Organization
from garagebot.core.normalize import clean_text, phone_e164
from garagebot.core.permissions import Permission
from garagebot.core.uow import UnitOfWork

SETTINGS_KEY = "documents"
FIELDS = ("address_en", "address_ar", "phone", "tax_number", "logo_key")
_MAX = 200


@dataclass(frozen=True, slots=True)
class GarageProfile:
    """What a document's letterhead shows, in both languages."""

    name_en: str
    name_ar: str
    address_en: str
    address_ar: str
    phone: str
    tax_number: str
    logo_key: str  # a FileStorage key of a PNG or JPEG ("" when none)
    timezone: str
    currency: str
    default_locale: str

    def name(self, locale: str) -> str:
        return self.name_ar if locale == "ar" and self.name_ar else self.name_en

    def address(self, locale: str) -> str:
        return self.address_ar if locale == "ar" and self.address_ar else self.address_en


def garage_profile(org: Organization) -> GarageProfile:
    raw = (org.settings or {}).get(SETTINGS_KEY)
    found = raw if isinstance(raw, dict) else {}

    def text(field: str) -> str:
        value = found.get(field)
        return value if isinstance(value, str) else ""

    return GarageProfile(
        name_en=org.name_en,
        name_ar=org.name_ar,
        address_en=text("address_en"),
        address_ar=text("address_ar"),
        phone=text("phone"),
        tax_number=text("tax_number"),
        logo_key=text("logo_key"),
        timezone=org.timezone,
        currency=org.currency,
        default_locale=org.default_locale,
    )


def _checked(field: str, raw: str) -> str:
    if field not in FIELDS:
        raise InvalidInput("error.invalid_choice", value=field)
    value = clean_text(raw)
    if len(value) > _MAX:
        raise InvalidInput("error.document_field_too_long", field=field)
    if value and field == "phone":
        return phone_e164(value)
    if value and field == "tax_number" and not value.replace("-", "").isdigit():
        raise InvalidInput("error.document_tax_number", value=value)
    return value


async def set_document_profile(uow: UnitOfWork, **changes: str) -> GarageProfile:
    """Change the garage's document details (owner only, audited). Every value
    is checked before anything is written; "" clears a field."""
    await uow.require(Permission.MANAGE_GARAGE)
    checked = {field: _checked(field, raw) for field, raw in changes.items()}
    if not checked:
        raise InvalidInput("error.nothing_to_change")
    org = await uow.organization()
    settings = dict(org.settings or {})
    before = dict(settings.get(SETTINGS_KEY) or {})  # type: ignore[call-overload]
    settings[SETTINGS_KEY] = {**before, **checked}
    org.settings = settings
    await uow.audit(
        "organization",
        org.id,
        "set_document_profile",
        before={k: before.get(k) for k in checked},
        after=checked,
    )
    return garage_profile(org)

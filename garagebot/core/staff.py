"""Garages and their staff: creating them, and who may do what."""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Iterable

from sqlalchemy import select

from garagebot.core import audit
from garagebot.core.actor import Actor
from garagebot.core.enums import Locale, Role, Skill
from garagebot.core.errors import Conflict, InvalidInput
from garagebot.core.garage import normalize_numbers
from garagebot.core.ids import OrgId, UserId
from garagebot.core.models import Organization, User, UserSkill
from garagebot.core.normalize import clean_text, phone_e164
from garagebot.core.permissions import Permission
from garagebot.core.uow import Database, UnitOfWork

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
_CURRENCY_EXPONENT = {
    "JOD": 3, "KWD": 3, "BHD": 3, "OMR": 3, "USD": 2, "SAR": 2, "AED": 2, "QAR": 2, "EUR": 2,
}


async def create_organization(
    db: Database,
    *,
    slug: str,
    name_en: str,
    name_ar: str,
    timezone: str = "Asia/Amman",
    currency: str = "JOD",
    languages: Iterable[str] = ("en", "ar"),
    default_locale: str = "en",
    channel_numbers: dict[str, str | None] | None = None,
) -> OrgId:
    """Create a garage with its audit chain. Channel numbers (``sms_number``,
    ``whatsapp_number``, ``meta_phone_number_id``) identify it on inbound messages."""
    if not _SLUG.match(slug):
        raise InvalidInput("error.invalid_slug", value=slug)
    try:
        zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput("error.invalid_timezone", value=timezone) from exc
    if currency not in _CURRENCY_EXPONENT:
        raise InvalidInput("error.invalid_currency", value=currency)
    langs = [str(Locale(lang)) for lang in languages if lang in Locale._value2member_map_]
    if not langs or default_locale not in langs:
        raise InvalidInput("error.invalid_languages", value=",".join(languages))
    numbers = {k: v for k, v in normalize_numbers(channel_numbers or {}).items() if v}
    async with db.raw_transaction() as session:
        if (await session.execute(select(Organization.id).where(Organization.slug == slug))).first():
            raise Conflict("error.slug_taken", value=slug)
        org = Organization(
            slug=slug, name_en=clean_text(name_en), name_ar=clean_text(name_ar), timezone=timezone,
            currency=currency, languages=",".join(langs), default_locale=default_locale,
            created_at=db.clock.now(), settings={}, **numbers,
        )
        session.add(org)
        await session.flush()
        await audit.start_chain(session, org.id)
        await audit.append(
            session, Actor.system(OrgId(org.id)), entity="organization", entity_id=org.id,
            action="create", before=None,
            after={"slug": slug, "name_en": org.name_en, "timezone": timezone, "currency": currency},
            at=org.created_at,
        )
        return OrgId(org.id)


def currency_exponent(currency: str) -> int:
    return _CURRENCY_EXPONENT[currency]


async def create_user(
    uow: UnitOfWork,
    *,
    name: str,
    role: Role | str,
    phone: str | None = None,
    locale: str = "en",
    telegram_user_id: int | None = None,
    skills: Iterable[Skill | str] = (),
) -> UserId:
    """Add a member of staff to the actor's garage."""
    await uow.require(Permission.MANAGE_STAFF)
    try:
        role_v = Role(role)
        skills_v = sorted({Skill(s) for s in skills})
        locale_v = Locale(locale)
    except ValueError as exc:
        raise InvalidInput("error.invalid_choice", value=str(exc)) from exc
    name = clean_text(name)
    if not name:
        raise InvalidInput("error.name_required")
    phone_v = phone_e164(phone) if phone else None
    if telegram_user_id is not None and (
        await uow.session.execute(select(User.id).where(User.telegram_user_id == telegram_user_id))
    ).first():
        raise Conflict("error.telegram_taken", value=telegram_user_id)
    if phone_v and (
        await uow.session.execute(
            select(User.id).where(User.organization_id == uow.org_id, User.phone == phone_v)
        )
    ).first():
        raise Conflict("error.phone_taken", value=phone_v)
    user = User(
        organization_id=uow.org_id, name=name, role=role_v.value, phone=phone_v,
        locale=locale_v.value, telegram_user_id=telegram_user_id, active=True, available=True,
        created_at=uow.now,
    )
    uow.session.add(user)
    await uow.session.flush()
    for s in skills_v:
        uow.session.add(UserSkill(user_id=user.id, skill=s.value, organization_id=uow.org_id))
    await uow.audit(
        "user", user.id, "create",
        after={"name": name, "role": role_v, "phone": phone_v, "skills": [s.value for s in skills_v],
               "telegram_user_id": telegram_user_id},
    )
    return UserId(user.id)

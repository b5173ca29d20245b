"""Staff chat accounts: linking a Telegram account with a one-time code, and
the person's own chat language.

A link code is short (8 characters from an alphabet without look-alikes such
as 0/O and 1/I/L), expires, links once, and is stored only as its SHA-256:
whoever reads the database cannot link an account with what is there.
Making a new code for a user revokes that user's earlier unused codes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.core.enums import Locale
from garagebot.core.errors import Conflict, InvalidInput, PermissionDenied
from garagebot.core.ids import OrgId, UserId
from garagebot.core.models import LinkCode, Organization, User
from garagebot.core.normalize import ascii_digits, clean_text
from garagebot.core.permissions import Permission
from garagebot.core.uow import UnitOfWork

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
DEFAULT_TTL = dt.timedelta(hours=24)


def canonical_code(raw: str) -> str | None:
    """The code as stored: upper case, without spaces or dashes; None when it
    cannot be a link code (so a typo is refused before any lookup)."""
    text = ascii_digits(clean_text(raw)).upper().replace("-", "").replace(" ", "")
    if len(text) != CODE_LENGTH or any(ch not in ALPHABET for ch in text):
        return None
    return text


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode("ascii")).hexdigest()


def _new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


async def make_link_code(uow: UnitOfWork, user_id: UserId, *, ttl: dt.timedelta = DEFAULT_TTL) -> str:
    """A fresh one-time code for ``user_id`` (of the actor's garage), valid for
    ``ttl``. Earlier unused codes of the user stop working. The code itself is
    returned once and never stored or audited."""
    await uow.require(Permission.MANAGE_STAFF)
    user = await uow.get(User, user_id)
    if not user.active:
        raise InvalidInput("error.link_user_inactive", user=user.id)
    await uow.session.execute(
        update(LinkCode)
        .where(LinkCode.organization_id == uow.org_id, LinkCode.user_id == user.id,
               LinkCode.used_at.is_(None), LinkCode.expires_at > uow.now)
        .values(expires_at=uow.now)
    )
    while True:
        code = _new_code()
        taken = await uow.session.scalar(select(LinkCode.id).where(LinkCode.code_hash == _hash(code)))
        if taken is None:
            break
    row = LinkCode(organization_id=uow.org_id, user_id=user.id, code_hash=_hash(code),
                   created_at=uow.now, expires_at=uow.now + ttl)
    uow.session.add(row)
    await uow.session.flush()
    await uow.audit("user", user.id, "link_code_created",
                    after={"link_code_id": row.id, "expires_at": row.expires_at})
    return code


@dataclass(frozen=True, slots=True)
class LinkTarget:
    """Whose code it is: the garage and the member of staff it links."""

    org_id: OrgId
    user_id: UserId


async def find_link_code(session: AsyncSession, code: str, now: dt.datetime) -> LinkTarget | None:
    """Who a still-valid code belongs to (any garage: the sender has no garage
    yet), so the caller can open a unit of work for that person."""
    canonical = canonical_code(code)
    if canonical is None:
        return None
    row = (await session.execute(
        select(LinkCode.organization_id, LinkCode.user_id)
        .where(LinkCode.code_hash == _hash(canonical), LinkCode.used_at.is_(None),
               LinkCode.expires_at > now)
    )).first()
    return None if row is None else LinkTarget(OrgId(row[0]), UserId(row[1]))


async def redeem_link_code(uow: UnitOfWork, code: str, telegram_user_id: int) -> UserId:
    """Link ``telegram_user_id`` to the code's owner, who must be the acting user.

    One conditional UPDATE marks the code used, so two redemptions of one code
    cannot both succeed. The account replaces any Telegram account the user
    had before (a new phone)."""
    canonical = canonical_code(code)
    user = await uow.user()
    if canonical is None:
        raise InvalidInput("error.link_code_invalid")
    owner = await uow.session.scalar(
        update(LinkCode)
        .where(LinkCode.code_hash == _hash(canonical), LinkCode.organization_id == uow.org_id,
               LinkCode.used_at.is_(None), LinkCode.expires_at > uow.now)
        .values(used_at=uow.now, used_by_telegram_id=telegram_user_id)
        .returning(LinkCode.user_id)
    )
    if owner is None:
        raise InvalidInput("error.link_code_invalid")
    if owner != user.id:
        raise PermissionDenied("error.link_code_invalid")
    holder = await uow.session.scalar(
        select(User.id).where(User.telegram_user_id == telegram_user_id, User.id != user.id)
    )
    if holder is not None:
        raise Conflict("error.telegram_taken", value=telegram_user_id)
    before = user.telegram_user_id
    user.telegram_user_id = telegram_user_id
    await uow.audit("user", user.id, "telegram_linked",
                    before={"telegram_user_id": before}, after={"telegram_user_id": telegram_user_id})
    return UserId(user.id)


async def unlink_telegram(uow: UnitOfWork, user_id: UserId) -> None:
    """Detach the user's Telegram account (a lost phone, someone leaving), so the
    account can be linked again, to this user or in another garage."""
    await uow.require(Permission.MANAGE_STAFF)
    user = await uow.get(User, user_id)
    if user.telegram_user_id is None:
        return
    before = user.telegram_user_id
    user.telegram_user_id = None
    await uow.audit("user", user.id, "telegram_unlinked",
                    before={"telegram_user_id": before}, after={"telegram_user_id": None})


async def set_own_locale(uow: UnitOfWork, locale: str) -> Locale:
    """The acting staff member's chat language, one of the garage's languages."""
    user = await uow.user()
    org = await uow.session.get(Organization, uow.org_id)
    offered = (org.languages if org else "en,ar").split(",")
    if locale not in Locale._value2member_map_ or locale not in offered:
        raise InvalidInput("error.locale_not_offered", value=locale)
    value = Locale(locale)
    if user.locale != value.value:
        before = user.locale
        user.locale = value.value
        await uow.audit("user", user.id, "locale_changed",
                        before={"locale": before}, after={"locale": value.value})
    return value

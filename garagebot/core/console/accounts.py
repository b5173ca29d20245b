"""Setting console passwords and making one-time links.

A manager sets a member's login and password, or makes an invite link with
which the member sets their own (valid ``INVITE_TTL``). A member on Telegram
asks for a sign-in link by their login: it goes to their linked chat, works
once and for ``SIGNIN_LINK_TTL``. Tokens are returned once and stored only as
their SHA-256.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.core.console.passwords import check_policy, hash_password
from garagebot.core.console.sessions import new_token, revoke_all, token_hash
from garagebot.core.console.staff_admin import manageable
from garagebot.core.enums import Channel
from garagebot.core.errors import Conflict, InvalidInput
from garagebot.core.ids import OrgId, UserId
from garagebot.core.models import ConsoleCredential, ConsoleToken, User
from garagebot.core.uow import UnitOfWork

INVITE_TTL = dt.timedelta(days=3)
SIGNIN_LINK_TTL = dt.timedelta(minutes=10)
_LOGIN = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")


class TokenPurpose(StrEnum):
    INVITE = "invite"
    SIGNIN = "signin"


def canonical_login(raw: str) -> str:
    login = raw.strip().lower()
    if not _LOGIN.match(login):
        raise InvalidInput("console.error.login_invalid")
    return login


async def _credential(uow: UnitOfWork, user: User, login: str) -> ConsoleCredential:
    """The member's credential row with ``login`` (created when missing)."""
    taken = await uow.session.scalar(select(ConsoleCredential.user_id).where(
        ConsoleCredential.login == login, ConsoleCredential.user_id != user.id))
    if taken is not None:
        raise Conflict("console.error.login_taken")
    cred = await uow.session.get(ConsoleCredential, user.id)
    if cred is None:
        cred = ConsoleCredential(user_id=user.id, organization_id=uow.org_id, login=login, failed_count=0,
                                 updated_at=uow.now)
        uow.session.add(cred)
    cred.login, cred.updated_at = login, uow.now
    return cred


async def login_of(uow: UnitOfWork, user_id: UserId) -> str | None:
    cred = await uow.session.get(ConsoleCredential, user_id)
    return None if cred is None or cred.organization_id != uow.org_id else cred.login


async def set_password(uow: UnitOfWork, user_id: UserId, *, login: str, password: str) -> None:
    """A manager sets ``user_id``'s login and password; their open sessions end."""
    user = await manageable(uow, user_id)
    login = canonical_login(login)
    check_policy(password, login=login, name=user.name)
    cred = await _credential(uow, user, login)
    cred.password_hash = await hash_password(password)
    cred.failed_count, cred.locked_until = 0, None
    await revoke_all(uow, user.id, "password_set")
    await uow.audit("user", user.id, "console_password_set", after={"login": login})


async def _new_link(uow: UnitOfWork, user_id: int, purpose: TokenPurpose, ttl: dt.timedelta) -> str:
    await uow.session.execute(
        update(ConsoleToken).where(ConsoleToken.organization_id == uow.org_id,
                                   ConsoleToken.user_id == user_id, ConsoleToken.purpose == purpose.value,
                                   ConsoleToken.used_at.is_(None),
                                   ConsoleToken.expires_at > uow.now)
        .values(expires_at=uow.now))
    token = new_token()
    uow.session.add(ConsoleToken(organization_id=uow.org_id, user_id=user_id, purpose=purpose.value,
                                 token_hash=token_hash(token), created_at=uow.now, expires_at=uow.now + ttl))
    return token


async def create_invite(uow: UnitOfWork, user_id: UserId) -> str:
    """A one-time invite token for ``user_id`` (earlier unused invites stop working)."""
    user = await manageable(uow, user_id)
    if not user.active:
        raise InvalidInput("error.link_user_inactive", user=user.id)
    token = await _new_link(uow, user.id, TokenPurpose.INVITE, INVITE_TTL)
    await uow.audit("user", user.id, "console_invite_created", after={"expires_at": uow.now + INVITE_TTL})
    return token


async def spend_token(uow: UnitOfWork, token: str, purpose: TokenPurpose) -> int | None:
    """Mark a valid token of the actor's garage used (one conditional UPDATE, so
    it works once); its member's id, or None."""
    owner = await uow.session.scalar(
        update(ConsoleToken)
        .where(ConsoleToken.token_hash == token_hash(token), ConsoleToken.organization_id == uow.org_id,
               ConsoleToken.purpose == purpose.value, ConsoleToken.used_at.is_(None),
               ConsoleToken.expires_at > uow.now)
        .values(used_at=uow.now).returning(ConsoleToken.user_id))
    return None if owner is None else int(owner)


async def accept_invite(uow: UnitOfWork, token: str, *, login: str, password: str) -> UserId:
    """The invited member (the actor) sets their login and password with the invite."""
    user = await uow.user()
    login = canonical_login(login)
    check_policy(password, login=login, name=user.name)
    if await spend_token(uow, token, TokenPurpose.INVITE) != user.id:
        raise InvalidInput("console.error.link_invalid")
    cred = await _credential(uow, user, login)
    cred.password_hash = await hash_password(password)
    cred.failed_count, cred.locked_until = 0, None
    await uow.audit("user", user.id, "console_invite_accepted", after={"login": login})
    return UserId(user.id)


async def send_signin_link(uow: UnitOfWork, base_url: str) -> bool:
    """Send the acting member a one-time sign-in link on Telegram; False when
    they have no linked chat (nothing is sent)."""
    user = await uow.user()
    if user.telegram_user_id is None:
        return False
    token = await _new_link(uow, user.id, TokenPurpose.SIGNIN, SIGNIN_LINK_TTL)
    url = f"{base_url.rstrip('/')}/signin/link/{token}"
    uow.send(Channel.TELEGRAM, str(user.telegram_user_id), user.locale, "console.telegram.signin_link",
             {"url": url, "minutes": int(SIGNIN_LINK_TTL.total_seconds() // 60)})
    await uow.audit("user", user.id, "console_signin_link_sent")
    return True


async def find_token(session: AsyncSession, token: str, purpose: TokenPurpose,
                     now: dt.datetime) -> tuple[OrgId, UserId] | None:
    """Whose still-valid token it is (any garage: the visitor is not signed in),
    so the caller can open a unit of work for that member."""
    row = (await session.execute(
        select(ConsoleToken.organization_id, ConsoleToken.user_id)
        .where(ConsoleToken.token_hash == token_hash(token), ConsoleToken.purpose == purpose.value,
               ConsoleToken.used_at.is_(None), ConsoleToken.expires_at > now))).first()
    return None if row is None else (OrgId(row[0]), UserId(row[1]))

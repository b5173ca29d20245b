"""Server-side console sessions: opened at sign-in, found by the cookie's
token on every request, ended by signing out, by "sign out everywhere", by
the idle or absolute timeout, or when the member is deactivated or their
role changes (``revoke_all``)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import and_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.core.actor import Actor
from garagebot.core.enums import Channel, Role
from garagebot.core.errors import NotFound
from garagebot.core.ids import OrgId, UserId
from garagebot.core.models import ConsoleSession, Organization, User
from garagebot.core.uow import UnitOfWork

IDLE_TIMEOUT = dt.timedelta(minutes=60)
ABSOLUTE_TIMEOUT = dt.timedelta(hours=12)
TOUCH_EVERY = dt.timedelta(seconds=60)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True, slots=True)
class Device:
    """Where a sign-in comes from: the browser's device cookie, address and agent."""

    cookie: str
    ip: str
    user_agent: str

    @property
    def hash(self) -> str:
        return token_hash("device:" + self.cookie)


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A signed-in member as the console sees them on a request."""

    session_id: int
    org_id: OrgId
    user_id: UserId
    name: str
    role: Role
    locale: str
    garage_name_en: str
    garage_name_ar: str
    timezone: str
    token_hash: str
    last_seen_at: dt.datetime

    @property
    def actor(self) -> Actor:
        """The member as the actor of a unit of work (roles are re-checked by the services)."""
        return self.actor_of(self.org_id, self.user_id)

    @staticmethod
    def actor_of(org_id: OrgId, user_id: UserId) -> Actor:
        return Actor.user(org_id, user_id, Channel.WEB)


@dataclass(frozen=True, slots=True)
class SessionView:
    id: int
    ip: str
    user_agent: str
    created_at: dt.datetime
    last_seen_at: dt.datetime


async def open_session(uow: UnitOfWork, user: User, device: Device) -> tuple[str, bool]:
    """A new session for ``user`` (the acting member); returns the cookie's
    token and whether the device is new to this member."""
    known = await uow.session.scalar(select(ConsoleSession.id).where(
        ConsoleSession.organization_id == uow.org_id, ConsoleSession.user_id == user.id,
        ConsoleSession.device_hash == device.hash).limit(1))
    token = new_token()
    row = ConsoleSession(
        organization_id=uow.org_id, user_id=user.id, token_hash=token_hash(token), device_hash=device.hash,
        ip=device.ip[:64], user_agent=device.user_agent[:200], created_at=uow.now, last_seen_at=uow.now)
    uow.session.add(row)
    await uow.session.flush()
    await uow.audit("console_session", row.id, "open", after={"user_id": user.id, "ip": row.ip})
    return token, known is None


def _live(now: dt.datetime) -> tuple[object, ...]:
    return (ConsoleSession.revoked_at.is_(None), ConsoleSession.last_seen_at > now - IDLE_TIMEOUT,
            ConsoleSession.created_at > now - ABSOLUTE_TIMEOUT)


async def current(session: AsyncSession, token: str, now: dt.datetime) -> SignedIn | None:
    """The live session of ``token`` with its active member, or None."""
    row = (await session.execute(
        select(ConsoleSession, User, Organization)
        .join(User, and_(User.id == ConsoleSession.user_id,
                         User.organization_id == ConsoleSession.organization_id))
        .join(Organization, Organization.id == ConsoleSession.organization_id)
        .where(ConsoleSession.token_hash == token_hash(token), User.active.is_(True), *_live(now))  # type: ignore[arg-type]
    )).one_or_none()
    if row is None:
        return None
    cs, user, org = row._tuple()
    return SignedIn(cs.id, OrgId(org.id), UserId(user.id), user.name, Role(user.role), user.locale,
                    org.name_en, org.name_ar, org.timezone, cs.token_hash, cs.last_seen_at)


async def touch(session: AsyncSession, signed_in: SignedIn, now: dt.datetime) -> None:
    """Record use (for the idle timeout), at most once a minute per session."""
    if now - signed_in.last_seen_at >= TOUCH_EVERY:
        await session.execute(update(ConsoleSession).where(ConsoleSession.id == signed_in.session_id)
                              .values(last_seen_at=now))


async def list_sessions(session: AsyncSession, org_id: OrgId, user_id: UserId,
                        now: dt.datetime) -> list[SessionView]:
    rows = (await session.scalars(
        select(ConsoleSession).where(ConsoleSession.organization_id == org_id,
                                     ConsoleSession.user_id == user_id, *_live(now))  # type: ignore[arg-type]
        .order_by(ConsoleSession.last_seen_at.desc(), ConsoleSession.id.desc()).limit(50))).all()
    return [SessionView(r.id, r.ip, r.user_agent, r.created_at, r.last_seen_at) for r in rows]


async def revoke(uow: UnitOfWork, session_id: int) -> None:
    """End one of the acting member's own sessions (signing out)."""
    user = await uow.user()
    row = await uow.get(ConsoleSession, session_id)
    if row.user_id != user.id:
        raise NotFound("error.not_found", entity="console_session", id=session_id)
    if row.revoked_at is None:
        row.revoked_at, row.revoke_reason = uow.now, "sign_out"
        await uow.audit("console_session", row.id, "revoke", after={"reason": "sign_out"})


async def revoke_all(uow: UnitOfWork, user_id: int, reason: str) -> int:
    """End every open session of ``user_id`` (of the actor's garage); the count ended."""
    ended = (await uow.session.execute(
        update(ConsoleSession)
        .where(ConsoleSession.organization_id == uow.org_id, ConsoleSession.user_id == user_id,
               ConsoleSession.revoked_at.is_(None))
        .values(revoked_at=uow.now, revoke_reason=reason)
        .returning(ConsoleSession.id))).all()
    if ended:
        await uow.audit("user", user_id, "console_sessions_revoked",
                        after={"reason": reason, "sessions": len(ended)})
    return len(ended)

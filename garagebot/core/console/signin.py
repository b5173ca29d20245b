"""Signing a browser in: by login and password, or by a one-time link.

Password sign-in refuses an address with ``PER_IP_FAILURES`` failed attempts
in ``PER_IP_WINDOW`` (any login, known or not), and a locked account. After
``LOCK_AFTER`` failures in a row an account is locked for 1 minute, then 2,
4 … (at most a day), and the garage's owners are told on Telegram when the
lock starts. A sign-in from a device the member never used tells the owners
too. The answer to a wrong login and to a wrong password is the same.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select

from garagebot.core.actor import Actor
from garagebot.core.console.accounts import TokenPurpose, find_token, send_signin_link, spend_token
from garagebot.core.console.passwords import verify_password
from garagebot.core.console.sessions import Device, open_session
from garagebot.core.enums import Channel, Role
from garagebot.core.errors import DomainError, InvalidInput, PermissionDenied
from garagebot.core.ids import OrgId, UserId
from garagebot.core.models import ConsoleCredential, SignInAttempt, User
from garagebot.core.uow import Database, UnitOfWork

LOCK_AFTER = 5
MAX_LOCK = dt.timedelta(days=1)
PER_IP_FAILURES = 20
PER_IP_WINDOW = dt.timedelta(minutes=15)


class SignInRefused(DomainError):
    key = "console.error.signin_failed"


@dataclass(frozen=True, slots=True)
class NewSession:
    token: str
    org_id: OrgId
    user_id: UserId


def lock_length(failures: int) -> dt.timedelta:
    """How long the ``failures``-th failure in a row locks the account."""
    if failures < LOCK_AFTER:
        return dt.timedelta(0)
    return min(dt.timedelta(minutes=2 ** min(failures - LOCK_AFTER, 20)), MAX_LOCK)


async def _ip_blocked(db: Database, ip: str, now: dt.datetime) -> bool:
    async with db.read() as s:
        failures = await s.scalar(select(func.count()).select_from(SignInAttempt).where(
            SignInAttempt.ip == ip, SignInAttempt.ok.is_(False), SignInAttempt.at > now - PER_IP_WINDOW,
            SignInAttempt.at <= now))
    return int(failures or 0) >= PER_IP_FAILURES


def _tell_owners(uow: UnitOfWork, owners: list[User], key: str, params: dict[str, object]) -> None:
    for owner in owners:
        if owner.telegram_user_id is not None:
            uow.send(Channel.TELEGRAM, str(owner.telegram_user_id), owner.locale, key, params)


async def _owners(uow: UnitOfWork) -> list[User]:
    return list((await uow.session.scalars(select(User).where(
        User.organization_id == uow.org_id, User.role == Role.OWNER.value, User.active.is_(True)))).all())


async def sign_in_with_password(db: Database, login: str, password: str, device: Device) -> NewSession:
    """A new session for the member with ``login`` and ``password``, or SignInRefused."""
    now = db.clock.now()
    if await _ip_blocked(db, device.ip, now):
        raise SignInRefused("console.error.too_many_attempts")
    async with db.read() as s:
        cred = (await s.execute(select(ConsoleCredential).where(
            ConsoleCredential.login == login.strip().lower()))).scalar_one_or_none()
    if cred is not None and cred.locked_until is not None and cred.locked_until > now:
        minutes = max(1, int((cred.locked_until - now).total_seconds() + 59) // 60)
        raise SignInRefused("console.error.locked", minutes=minutes, count=minutes)
    ok = await verify_password(cred.password_hash if cred else None, password)
    if cred is None:
        async with db.raw_transaction() as s:
            s.add(SignInAttempt(ip=device.ip[:64], ok=False, at=now))
        raise SignInRefused()
    if not ok:
        await count_failure(db, cred.organization_id, cred.user_id, device)
        raise SignInRefused()
    return await open_signed_session(db, OrgId(cred.organization_id), UserId(cred.user_id), device,
                                     "password")


async def count_failure(db: Database, org_id: int, user_id: int, device: Device) -> None:
    async with db.unit_of_work(Actor.system(OrgId(org_id), Channel.WEB)) as uow:
        uow.session.add(SignInAttempt(organization_id=org_id, user_id=user_id, ip=device.ip[:64], ok=False,
                                      at=uow.now))
        cred = await uow.session.get(ConsoleCredential, user_id, with_for_update=True)
        user = await uow.get(User, user_id)
        assert cred is not None
        cred.failed_count += 1
        lock = lock_length(cred.failed_count)
        if lock:
            cred.locked_until = uow.now + lock
        await uow.audit("user", user_id, "console_signin_failed",
                        after={"ip": device.ip[:64], "failures": cred.failed_count})
        if cred.failed_count == LOCK_AFTER:
            _tell_owners(uow, await _owners(uow), "console.telegram.locked",
                         {"name": user.name, "ip": device.ip[:64], "failures": LOCK_AFTER})


async def open_signed_session(db: Database, org_id: OrgId, user_id: UserId, device: Device,
                              how: str) -> NewSession:
    """Sign ``user_id`` in on ``device`` (already authenticated ``how``): a new
    session, the failure count reset, the owners told when the device is new."""
    async with db.unit_of_work(Actor.user(org_id, user_id, Channel.WEB)) as uow:
        try:
            user = await uow.user()
        except PermissionDenied as exc:  # deactivated since: the same answer as a wrong password
            raise SignInRefused() from exc
        uow.session.add(SignInAttempt(organization_id=org_id, user_id=user_id, ip=device.ip[:64], ok=True,
                                      at=uow.now))
        cred = await uow.session.get(ConsoleCredential, user_id)
        if cred is not None:
            cred.failed_count, cred.locked_until = 0, None
        token, new_device = await open_session(uow, user, device)
        await uow.audit("user", user_id, "console_signed_in", after={"how": how, "new_device": new_device})
        if new_device:
            _tell_owners(uow, await _owners(uow), "console.telegram.new_device",
                         {"name": user.name, "ip": device.ip[:64], "agent": device.user_agent[:80]})
    return NewSession(token, org_id, user_id)


async def sign_in_with_link(db: Database, token: str, device: Device) -> NewSession:
    """A new session from a Telegram sign-in link (works once, while valid)."""
    async with db.read() as s:
        found = await find_token(s, token, TokenPurpose.SIGNIN, db.clock.now())
    if found is None:
        raise InvalidInput("console.error.link_invalid")
    org_id, user_id = found
    async with db.unit_of_work(Actor.user(org_id, user_id, Channel.WEB)) as uow:
        if await spend_token(uow, token, TokenPurpose.SIGNIN) != user_id:
            raise InvalidInput("console.error.link_invalid")
    return await open_signed_session(db, org_id, user_id, device, "telegram_link")


async def request_signin_link(db: Database, login: str, device: Device, base_url: str) -> None:
    """Send ``login``'s member a sign-in link on Telegram, when the login exists,
    is active and linked (nothing says which). Each request counts towards the
    address's limit, so the form cannot be used to flood someone's chat."""
    now = db.clock.now()
    if await _ip_blocked(db, device.ip, now):
        raise SignInRefused("console.error.too_many_attempts")
    async with db.read() as s:
        cred = (await s.execute(select(ConsoleCredential.organization_id, ConsoleCredential.user_id).where(
            ConsoleCredential.login == login.strip().lower()))).first()
    async with db.raw_transaction() as s:
        s.add(SignInAttempt(organization_id=cred[0] if cred else None, user_id=cred[1] if cred else None,
                            ip=device.ip[:64], ok=False, at=now))
    if cred is None:
        return
    try:
        async with db.unit_of_work(Actor.user(OrgId(cred[0]), UserId(cred[1]), Channel.WEB)) as uow:
            await send_signin_link(uow, base_url)
    except PermissionDenied:
        return  # a deactivated member: nothing is sent, and the answer does not say so

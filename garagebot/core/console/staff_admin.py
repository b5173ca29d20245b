"""A manager's changes to a member of staff from the console: role, skills,
language, active or not. A role change or a deactivation ends the member's
console sessions in the same unit of work; a deactivated member's Telegram
messages are refused by the chat engine (it resolves active staff only)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete

from garagebot.core.console.sessions import revoke_all
from garagebot.core.enums import Locale, Role, Skill
from garagebot.core.errors import InvalidInput, PermissionDenied
from garagebot.core.ids import UserId
from garagebot.core.models import User, UserSkill
from garagebot.core.permissions import Permission
from garagebot.core.uow import UnitOfWork


async def manageable(uow: UnitOfWork, user_id: UserId, *, lock: bool = False) -> User:
    """The member ``user_id`` if the actor may manage them: staff managers may,
    but only an owner manages an owner (their password, invite, Telegram link,
    role or activity), so a manager can never take an owner's account."""
    actor = await uow.require(Permission.MANAGE_STAFF)
    user = await uow.get(User, user_id, lock=lock)
    if actor is not None and Role(user.role) is Role.OWNER and Role(actor.role) is not Role.OWNER:
        raise PermissionDenied("error.permission_denied", permission=Permission.MANAGE_GARAGE.value)
    return user


async def _member(uow: UnitOfWork, user_id: UserId) -> User:
    """The member to change (``manageable``), never the actor themselves."""
    user = await manageable(uow, user_id, lock=True)
    if uow.actor.id is not None and user.id == uow.actor.id:
        raise PermissionDenied("console.error.not_yourself")
    return user


async def change_role(uow: UnitOfWork, user_id: UserId, role: Role | str) -> None:
    user = await _member(uow, user_id)
    try:
        new = Role(role)
    except ValueError as exc:
        raise InvalidInput("error.invalid_choice", value=str(role)) from exc
    actor = await uow.user()
    if new is Role.OWNER and Role(actor.role) is not Role.OWNER:
        raise PermissionDenied("error.permission_denied", permission=Permission.MANAGE_GARAGE.value)
    if new.value == user.role:
        return
    before, user.role = user.role, new.value
    await revoke_all(uow, user.id, "role_changed")
    await uow.audit("user", user.id, "role_changed", before={"role": before}, after={"role": new.value})


async def set_active(uow: UnitOfWork, user_id: UserId, active: bool) -> None:
    user = await _member(uow, user_id)
    if user.active == active:
        return
    user.active = active
    if not active:
        await revoke_all(uow, user.id, "deactivated")
    await uow.audit("user", user.id, "activated" if active else "deactivated",
                    before={"active": not active}, after={"active": active})


async def set_skills(uow: UnitOfWork, user_id: UserId, skills: Iterable[str]) -> None:
    user = await _member(uow, user_id)
    try:
        chosen = sorted({Skill(s).value for s in skills})
    except ValueError as exc:
        raise InvalidInput("error.invalid_choice", value=str(exc)) from exc
    await uow.session.execute(delete(UserSkill).where(UserSkill.organization_id == uow.org_id,
                                                      UserSkill.user_id == user.id))
    for skill in chosen:
        uow.session.add(UserSkill(user_id=user.id, skill=skill, organization_id=uow.org_id))
    await uow.audit("user", user.id, "skills_set", after={"skills": chosen})


async def set_language(uow: UnitOfWork, user_id: UserId, locale: str) -> None:
    user = await _member(uow, user_id)
    if locale not in Locale._value2member_map_:
        raise InvalidInput("error.invalid_choice", value=locale)
    if user.locale != locale:
        before, user.locale = user.locale, locale
        await uow.audit("user", user.id, "locale_changed", before={"locale": before},
                        after={"locale": locale})

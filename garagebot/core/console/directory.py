"""The garage's staff as the console lists them: role, skills, language,
whether active, whether their Telegram is linked and their console login."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.core.enums import Role, Skill
from garagebot.core.errors import NotFound
from garagebot.core.ids import OrgId, UserId
from garagebot.core.models import ConsoleCredential, User, UserSkill


@dataclass(frozen=True, slots=True)
class Member:
    id: UserId
    name: str
    role: Role
    phone: str | None
    locale: str
    active: bool
    telegram_linked: bool
    skills: tuple[Skill, ...]
    login: str | None
    has_password: bool


async def members(session: AsyncSession, org_id: OrgId, *, user_id: UserId | None = None) -> list[Member]:
    """The garage's staff by name (or only ``user_id``), active ones first."""
    stmt = (select(User, ConsoleCredential)
            .outerjoin(ConsoleCredential, ConsoleCredential.user_id == User.id)
            .where(User.organization_id == org_id)
            .order_by(User.active.desc(), User.name, User.id))
    skill_stmt = select(UserSkill.user_id, UserSkill.skill).where(UserSkill.organization_id == org_id)
    if user_id is not None:
        stmt, skill_stmt = stmt.where(User.id == user_id), skill_stmt.where(UserSkill.user_id == user_id)
    skills: dict[int, list[Skill]] = defaultdict(list)
    for uid, skill in (await session.execute(skill_stmt.order_by(UserSkill.skill))).all():
        skills[uid].append(Skill(skill))
    return [Member(UserId(u.id), u.name, Role(u.role), u.phone, u.locale, u.active,
                   u.telegram_user_id is not None, tuple(skills[u.id]), c.login if c else None,
                   bool(c and c.password_hash))
            for u, c in (await session.execute(stmt)).tuples()]


async def member(session: AsyncSession, org_id: OrgId, user_id: UserId) -> Member:
    found = await members(session, org_id, user_id=user_id)
    if not found:
        raise NotFound("error.not_found", entity="user_account", id=user_id)
    return found[0]

"""An owner of several garages: their accounts linked, and switching.

Staff accounts belong to one garage each, so an owner of two garages has two
accounts. Signed in to one, they link the other by giving its login and
password (a wrong password counts towards that account's lockout); the link
is stored both ways and audited in both garages. Switching opens a session
for the other account on the same browser, only while both are active owners.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, select

from garagebot.core.console.passwords import verify_password
from garagebot.core.console.sessions import Device, SignedIn
from garagebot.core.console.signin import NewSession, SignInRefused, count_failure, open_signed_session
from garagebot.core.enums import Role
from garagebot.core.errors import InvalidInput, NotFound, PermissionDenied
from garagebot.core.ids import OrgId, UserId
from garagebot.core.models import ConsoleCredential, ConsoleLink, Organization, User
from garagebot.core.uow import Database


@dataclass(frozen=True, slots=True)
class LinkedGarage:
    user_id: UserId
    org_id: OrgId
    name_en: str
    name_ar: str


async def linked_garages(db: Database, me: SignedIn) -> list[LinkedGarage]:
    """The other garages the member may switch to (their accounts there are active owners)."""
    async with db.read() as s:
        rows = (await s.execute(
            select(User.id, Organization.id, Organization.name_en, Organization.name_ar)
            .join(ConsoleLink, and_(ConsoleLink.other_user_id == User.id, ConsoleLink.user_id == me.user_id))
            .join(Organization, Organization.id == User.organization_id)
            .where(User.active.is_(True), User.role == Role.OWNER.value)
            .order_by(Organization.name_en))).all()
    return [LinkedGarage(UserId(r[0]), OrgId(r[1]), r[2], r[3]) for r in rows]


async def link_garage(db: Database, me: SignedIn, login: str, password: str, device: Device) -> None:
    """Link the signed-in owner's account with their owner account of ``login``."""
    if me.role is not Role.OWNER:
        raise PermissionDenied("error.permission_denied", permission="manage_garage")
    async with db.read() as s:
        found = (await s.execute(
            select(ConsoleCredential, User).join(User, User.id == ConsoleCredential.user_id)
            .where(ConsoleCredential.login == login.strip().lower()))).one_or_none()
    cred, other = found._tuple() if found else (None, None)
    if cred is not None and cred.locked_until is not None and cred.locked_until > db.clock.now():
        raise SignInRefused()
    ok = await verify_password(cred.password_hash if cred else None, password)
    if not ok or cred is None or other is None:
        if cred is not None:
            await count_failure(db, cred.organization_id, cred.user_id, device)
        raise SignInRefused()
    if other.organization_id == me.org_id or not other.active or other.role != Role.OWNER.value:
        raise InvalidInput("console.error.not_another_owner")
    async with db.shared_transaction() as shared:
        for actor_org, actor_id, here, there in ((me.org_id, me.user_id, me.user_id, other.id),
                                                 (OrgId(other.organization_id), UserId(other.id), other.id,
                                                  me.user_id)):
            uow = shared.unit_of_work(SignedIn.actor_of(actor_org, actor_id))
            await uow.user()
            exists = await uow.session.scalar(select(ConsoleLink.id).where(
                ConsoleLink.user_id == here, ConsoleLink.other_user_id == there))
            if exists is None:
                uow.session.add(ConsoleLink(organization_id=actor_org, user_id=here, other_user_id=there,
                                            created_at=uow.now))
                await uow.audit("user", here, "console_garage_linked", after={"other_user_id": there})


async def switch_garage(db: Database, me: SignedIn, user_id: UserId, device: Device) -> NewSession:
    """A session for the member's linked account ``user_id`` (NotFound when not linked)."""
    target = next((g for g in await linked_garages(db, me) if g.user_id == user_id), None)
    if target is None:
        raise NotFound("error.not_found", entity="console_link", id=user_id)
    return await open_signed_session(db, target.org_id, target.user_id, device, "garage_switch")

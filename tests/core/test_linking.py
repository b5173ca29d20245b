"""One-time link codes: short, unambiguous, hashed, expiring, single use."""

from __future__ import annotations

import asyncio
import hashlib

import pytest
from sqlalchemy import select

from garagebot.core.actor import Actor
from garagebot.core.enums import Channel
from garagebot.core.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from garagebot.core.ids import OrgId, UserId
from garagebot.core.linking import (
    ALPHABET,
    CODE_LENGTH,
    canonical_code,
    find_link_code,
    make_link_code,
    redeem_link_code,
    set_own_locale,
    unlink_telegram,
)
from garagebot.core.models import AuditEntry, LinkCode, User
from garagebot.core.uow import Database
from tests.conftest import Staff, make_staff, new_garage
from tests.conversations.chat import telegram_id
from tests.fakes import FakeClock


async def code_for(db: Database, staff: Staff, user: UserId, actor: Actor | None = None) -> str:
    async with db.unit_of_work(actor or staff.manager) as uow:
        return await make_link_code(uow, user)


async def redeem(db: Database, org: OrgId, user: UserId, code: str, tg: int) -> UserId:
    async with db.unit_of_work(Actor.user(org, user, Channel.TELEGRAM)) as uow:
        return await redeem_link_code(uow, code, tg)


async def test_a_code_is_short_unambiguous_and_stored_only_as_a_hash(db: Database, staff: Staff) -> None:
    tech = staff.id(staff.tech)
    code = await code_for(db, staff, tech)

    assert len(code) == CODE_LENGTH
    assert set(code) <= set(ALPHABET)
    assert not set("01OIL") & set(ALPHABET)
    async with db.read() as session:
        row = (await session.scalars(select(LinkCode).where(LinkCode.user_id == tech))).one()
        audit = (await session.scalars(
            select(AuditEntry).where(AuditEntry.organization_id == staff.org,
                                     AuditEntry.action == "link_code_created")
        )).one()
    assert row.code_hash == hashlib.sha256(code.encode()).hexdigest()
    assert code not in str(audit.after)
    assert audit.entity_id == str(tech)


async def test_only_managers_make_codes_and_only_for_their_own_garage(db: Database, staff: Staff) -> None:
    with pytest.raises(PermissionDenied):
        await code_for(db, staff, staff.id(staff.tech2), staff.tech)
    other = await make_staff(db, await new_garage(db))
    with pytest.raises(NotFound):
        await code_for(db, staff, staff.id(other.tech))
    async with db.read() as session:
        codes = await session.scalars(select(LinkCode).where(LinkCode.organization_id == staff.org))
        assert codes.all() == []


async def test_redeeming_links_the_account_once(db: Database, staff: Staff) -> None:
    tech = staff.id(staff.tech)
    code = await code_for(db, staff, tech)
    tg = telegram_id()

    assert await redeem(db, staff.org, tech, code.lower(), tg) == tech

    async with db.read() as session:
        user = await session.get(User, tech)
        assert user is not None
        assert user.telegram_user_id == tg
        row = (await session.scalars(select(LinkCode).where(LinkCode.user_id == tech))).one()
        assert (row.used_at, row.used_by_telegram_id) == (db.clock.now(), tg)
        audit = (await session.scalars(
            select(AuditEntry).where(AuditEntry.organization_id == staff.org,
                                     AuditEntry.action == "telegram_linked")
        )).one()
    assert audit.after == {"telegram_user_id": tg}
    with pytest.raises(InvalidInput) as refused:
        await redeem(db, staff.org, tech, code, telegram_id())
    assert refused.value.key == "error.link_code_invalid"


async def test_a_code_expires(db: Database, staff: Staff, clock: FakeClock) -> None:
    tech = staff.id(staff.tech)
    code = await code_for(db, staff, tech)
    clock.advance(hours=24, seconds=1)

    async with db.read() as session:
        assert await find_link_code(session, code, clock.now()) is None
    with pytest.raises(InvalidInput):
        await redeem(db, staff.org, tech, code, telegram_id())


async def test_a_new_code_revokes_the_earlier_one(db: Database, staff: Staff) -> None:
    tech = staff.id(staff.tech)
    first = await code_for(db, staff, tech)
    second = await code_for(db, staff, tech)

    async with db.read() as session:
        assert await find_link_code(session, first, db.clock.now()) is None
        target = await find_link_code(session, second, db.clock.now())
    assert target is not None
    assert (target.org_id, target.user_id) == (staff.org, tech)


async def test_two_redemptions_of_one_code_at_once_link_one_account(db: Database, staff: Staff) -> None:
    tech = staff.id(staff.tech)
    code = await code_for(db, staff, tech)
    accounts = [telegram_id(), telegram_id()]

    results = await asyncio.gather(*(redeem(db, staff.org, tech, code, tg) for tg in accounts),
                                   return_exceptions=True)

    assert sum(1 for r in results if r == tech) == 1
    assert sum(1 for r in results if isinstance(r, DomainError)) == 1
    async with db.read() as session:
        linked = await session.scalar(select(User.telegram_user_id).where(User.id == tech))
    assert linked in accounts


async def test_a_code_links_only_its_owner(db: Database, staff: Staff) -> None:
    code = await code_for(db, staff, staff.id(staff.tech))
    with pytest.raises(PermissionDenied):
        await redeem(db, staff.org, staff.id(staff.tech2), code, telegram_id())


def test_typed_codes_are_read_with_any_case_dashes_and_arabic_digits() -> None:
    assert canonical_code("abcd-2345") == "ABCD2345"
    assert canonical_code("ABCD ٢٣٤٥") == "ABCD2345"
    assert canonical_code("ABCD0123") is None  # 0 and 1 are never in a code
    assert canonical_code("ABC") is None


async def test_a_member_of_staff_sets_their_own_language(db: Database, staff: Staff) -> None:
    async with db.unit_of_work(staff.tech) as uow:
        await set_own_locale(uow, "ar")
    with pytest.raises(InvalidInput):
        async with db.unit_of_work(staff.tech) as uow:
            await set_own_locale(uow, "fr")
    async with db.read() as session:
        assert await session.scalar(select(User.locale).where(User.id == staff.id(staff.tech))) == "ar"


async def test_a_garage_in_english_only_does_not_offer_arabic(db: Database) -> None:
    org = await new_garage(db, languages=("en",))
    staff = await make_staff(db, org)
    with pytest.raises(InvalidInput) as refused:
        async with db.unit_of_work(staff.tech) as uow:
            await set_own_locale(uow, "ar")
    assert refused.value.key == "error.locale_not_offered"


async def test_a_manager_unlinks_an_account_and_it_is_audited(db: Database, staff: Staff) -> None:
    tech = staff.id(staff.tech)
    tg = telegram_id()
    await redeem(db, staff.org, tech, await code_for(db, staff, tech), tg)
    with pytest.raises(PermissionDenied):
        async with db.unit_of_work(staff.tech2) as uow:
            await unlink_telegram(uow, tech)

    async with db.unit_of_work(staff.manager) as uow:
        await unlink_telegram(uow, tech)

    async with db.read() as session:
        assert await session.scalar(select(User.telegram_user_id).where(User.id == tech)) is None
        audit = (await session.scalars(
            select(AuditEntry).where(AuditEntry.organization_id == staff.org,
                                     AuditEntry.action == "telegram_unlinked")
        )).one()
    assert (audit.before, audit.after) == ({"telegram_user_id": tg}, {"telegram_user_id": None})

"""The unit of work, audit chain and counters on both engines."""

from __future__ import annotations

import asyncio

from sqlalchemy import select, update

from garagebot.core.actor import Actor
from garagebot.core.audit import verify_chain
from garagebot.core.models import AuditEntry
from garagebot.core.uow import Database
from tests.conftest import Staff


async def test_staff_creation_is_audited_and_the_chain_verifies(db: Database, staff: Staff) -> None:
    async with db.read() as s:
        query = select(AuditEntry).where(AuditEntry.organization_id == staff.org)
        entries = (await s.scalars(query)).all()
        assert [e.seq for e in entries] == list(range(1, 11))
        assert await verify_chain(s, staff.org) is None


async def test_a_tampered_entry_is_found_by_verify(db: Database, staff: Staff) -> None:
    async with db.raw_transaction() as s:
        await s.execute(
            update(AuditEntry)
            .where(AuditEntry.organization_id == staff.org, AuditEntry.seq == 4)
            .values(action="tampered")
        )
    async with db.read() as s:
        broken = await verify_chain(s, staff.org)
    assert broken is not None
    assert broken.seq == 4


async def test_concurrent_counters_are_gapless(db: Database, staff: Staff) -> None:
    async def take() -> int:
        async with db.unit_of_work(Actor.system(staff.org)) as uow:
            return await uow.next_number("TEST", "2026")

    got = await asyncio.gather(*(take() for _ in range(16)))
    assert sorted(got) == list(range(1, 17))

"""A garage turns its clients' step updates on and off (owner only, audited)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from garagebot.core.errors import PermissionDenied
from garagebot.core.models import AuditEntry, Organization
from garagebot.core.notify import set_client_step_updates, step_updates_enabled
from garagebot.core.uow import Database
from tests.conftest import Staff


async def test_the_owner_turns_step_updates_on_and_off_and_each_change_is_audited(
    db: Database, staff: Staff
) -> None:
    async with db.unit_of_work(staff.owner) as uow:
        assert await set_client_step_updates(uow, True)
    async with db.unit_of_work(staff.owner) as uow:
        assert not await set_client_step_updates(uow, True)
    async with db.read() as s:
        org = await s.get(Organization, staff.org)
        assert org is not None
        assert step_updates_enabled(org.settings)
    async with db.unit_of_work(staff.owner) as uow:
        assert await set_client_step_updates(uow, False)
    async with db.read() as s:
        changes = (await s.execute(select(AuditEntry.before, AuditEntry.after).where(
            AuditEntry.organization_id == staff.org, AuditEntry.action == "client_step_updates",
        ).order_by(AuditEntry.seq))).all()
    assert [(b, a) for b, a in changes] == [
        ({"client_step_updates": False}, {"client_step_updates": True}),
        ({"client_step_updates": True}, {"client_step_updates": False}),
    ]


@pytest.mark.parametrize("who", ["manager", "advisor", "tech"])
async def test_only_the_owner_may_change_it(db: Database, staff: Staff, who: str) -> None:
    with pytest.raises(PermissionDenied):
        async with db.unit_of_work(getattr(staff, who)) as uow:
            await set_client_step_updates(uow, True)
    async with db.read() as s:
        org = await s.get(Organization, staff.org)
        assert org is not None
        assert not step_updates_enabled(org.settings)

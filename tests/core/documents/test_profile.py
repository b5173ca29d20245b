"""The garage's document details: the owner sets them (audited, checked
before anything is written), nobody else may, and the documents print them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from garagebot.core.documents.parties import garage
from garagebot.core.documents.profile import set_document_profile
from garagebot.core.errors import InvalidInput, PermissionDenied
from garagebot.core.models import AuditEntry
from garagebot.core.uow import Database
from tests.conftest import Staff


async def test_the_owner_sets_the_details_and_the_change_is_audited(db: Database, staff: Staff) -> None:
    async with db.unit_of_work(staff.owner) as uow:
        await set_document_profile(uow, address_en="12 Mecca Street", phone="06 551 2345",
                                   tax_number="12345678")
    async with db.read() as s:
        found = await garage(s, staff.org)
        actions = (await s.scalars(select(AuditEntry.action).where(
            AuditEntry.organization_id == staff.org, AuditEntry.entity == "organization"))).all()
    assert found.address("ar") == "12 Mecca Street"  # no Arabic address: the English one
    assert (found.phone, found.tax_number) == ("+96265512345", "12345678")
    assert "set_document_profile" in actions


async def test_bad_values_and_other_roles_are_refused_and_nothing_changes(db: Database, staff: Staff) -> None:
    with pytest.raises(InvalidInput) as bad:
        async with db.unit_of_work(staff.owner) as uow:
            await set_document_profile(uow, address_en="Kept?", tax_number="12-AB")
    assert bad.value.key == "error.document_tax_number"
    with pytest.raises(PermissionDenied):
        async with db.unit_of_work(staff.accountant) as uow:
            await set_document_profile(uow, tax_number="1")
    async with db.read() as s:
        found = await garage(s, staff.org)
    assert (found.address_en, found.tax_number) == ("", "")

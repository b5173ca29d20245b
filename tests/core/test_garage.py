"""Changing a garage's provider numbers and time zone: validated, unique, audited, scoped."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import select

from garagebot.core.actor import Actor
from garagebot.core.audit import verify_chain
from garagebot.core.enums import Channel
from garagebot.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from garagebot.core.garage import find_garage, set_garage_settings
from garagebot.core.ids import OrgId
from garagebot.core.models import AuditEntry, Organization, OutboxRow
from garagebot.core.uow import Database
from tests.conftest import Staff, new_garage


def fresh_mobile() -> str:
    """A valid Jordanian mobile no other test uses (numbers are unique across garages)."""
    return f"+96279{random.randrange(10**6, 10**7)}"


async def org_row(db: Database, org: OrgId) -> Organization:
    async with db.read() as s:
        row = await s.get(Organization, org)
        assert row is not None
        return row


async def test_the_owner_sets_numbers_and_zone_normalised_and_audited(
    db: Database, staff: Staff
) -> None:
    sms, whatsapp = fresh_mobile(), fresh_mobile()
    meta_id = str(random.randrange(10**11, 10**12))
    async with db.unit_of_work(staff.owner) as uow:
        await set_garage_settings(
            uow, numbers={"sms_number": "0" + sms[4:], "whatsapp_number": f" {whatsapp} ",
                          "meta_phone_number_id": meta_id},
            timezone="Asia/Riyadh",
        )
    org = await org_row(db, staff.org)
    assert (org.sms_number, org.whatsapp_number, org.meta_phone_number_id, org.timezone) == (
        sms, whatsapp, meta_id, "Asia/Riyadh")
    async with db.read() as s:
        entry = (await s.scalars(select(AuditEntry).where(
            AuditEntry.organization_id == staff.org, AuditEntry.action == "update_settings"))).one()
        event = (await s.scalars(select(OutboxRow).where(
            OutboxRow.organization_id == staff.org, OutboxRow.topic == "garage.settings_changed"))).one()
        assert await verify_chain(s, staff.org) is None
    assert entry.actor_id == staff.id(staff.owner)
    assert entry.before == {"sms_number": None, "whatsapp_number": None,
                            "meta_phone_number_id": None, "timezone": "Asia/Amman"}
    assert entry.after is not None
    assert entry.after["timezone"] == "Asia/Riyadh"
    assert event.payload["fields"] == ["meta_phone_number_id", "sms_number", "timezone",
                                       "whatsapp_number"]


async def test_an_empty_value_clears_a_number_and_none_leaves_it(db: Database, staff: Staff) -> None:
    sms, whatsapp = fresh_mobile(), fresh_mobile()
    async with db.unit_of_work(staff.owner) as uow:
        await set_garage_settings(uow, numbers={"sms_number": sms, "whatsapp_number": whatsapp})
    async with db.unit_of_work(staff.owner) as uow:
        await set_garage_settings(uow, numbers={"sms_number": "", "whatsapp_number": None})
    org = await org_row(db, staff.org)
    assert (org.sms_number, org.whatsapp_number) == (None, whatsapp)


VALID = "<a valid fresh number>"


@pytest.mark.parametrize(
    ("numbers", "timezone", "key"),
    [
        ({"whatsapp_number": VALID, "sms_number": "12"}, None, "error.invalid_phone"),
        ({"whatsapp_number": VALID, "meta_phone_number_id": "abc-123"}, None,
         "error.invalid_meta_phone_number_id"),
        ({"whatsapp_number": VALID}, "Asia/Atlantis", "error.invalid_timezone"),
        ({}, None, "error.nothing_to_change"),
    ],
)
async def test_bad_input_changes_nothing(
    db: Database, staff: Staff, numbers: dict[str, str | None], timezone: str | None, key: str
) -> None:
    given = {k: fresh_mobile() if v == VALID else v for k, v in numbers.items()}
    with pytest.raises(InvalidInput) as caught:
        async with db.unit_of_work(staff.owner) as uow:
            await set_garage_settings(uow, numbers=given, timezone=timezone)
    assert caught.value.key == key
    org = await org_row(db, staff.org)
    assert (org.whatsapp_number, org.sms_number, org.timezone) == (None, None, "Asia/Amman")


async def test_a_number_of_another_garage_is_refused(db: Database, staff: Staff) -> None:
    other = await new_garage(db)
    number = fresh_mobile()
    async with db.unit_of_work(Actor.system(other, Channel.CLI)) as uow:
        await set_garage_settings(uow, numbers={"whatsapp_number": number})
    with pytest.raises(Conflict) as caught:
        async with db.unit_of_work(staff.owner) as uow:
            await set_garage_settings(uow, numbers={"whatsapp_number": "0" + number[4:]})
    assert caught.value.key == "error.garage_number_taken"
    assert (await org_row(db, staff.org)).whatsapp_number is None
    assert (await org_row(db, other)).whatsapp_number == number


async def test_only_the_owner_may_change_the_garage(db: Database, staff: Staff) -> None:
    with pytest.raises(PermissionDenied):
        async with db.unit_of_work(staff.manager) as uow:
            await set_garage_settings(uow, timezone="Asia/Dubai")
    assert (await org_row(db, staff.org)).timezone == "Asia/Amman"


async def test_a_garage_is_found_by_slug_and_an_unknown_slug_is_not_found(
    db: Database, staff: Staff
) -> None:
    slug = (await org_row(db, staff.org)).slug
    assert (await find_garage(db, slug)).id == staff.org
    with pytest.raises(NotFound):
        await find_garage(db, "no-such-garage")

"""The WhatsApp window, the garage's template registry and short links."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from garagebot.core.errors import InvalidInput, PermissionDenied
from garagebot.core.ids import OrgId
from garagebot.core.messaging import (
    in_window,
    last_inbound,
    resolve_short_link,
    set_whatsapp_template,
    shorten,
    template_for,
    touch_contact,
)
from garagebot.core.models import AuditEntry, Organization, ShortLink
from garagebot.core.uow import Database
from tests.conftest import Staff, new_garage

T0 = dt.datetime(2026, 11, 22, 6, 0, tzinfo=dt.UTC)


async def test_the_window_is_24_hours_after_the_last_inbound_message(db: Database, org: OrgId) -> None:
    async with db.raw_transaction() as s:
        await touch_contact(s, org, "whatsapp", "+962790000001", T0)
        await touch_contact(s, org, "whatsapp", "+962790000001", T0 - dt.timedelta(hours=3))  # late, older
    async with db.read() as s:
        last = await last_inbound(s, org, "whatsapp", "+962790000001")
        assert await last_inbound(s, org, "sms", "+962790000001") is None
    assert last == T0
    assert in_window(last, T0 + dt.timedelta(hours=23, minutes=59))
    assert not in_window(last, T0 + dt.timedelta(hours=24))
    assert not in_window(None, T0)


async def test_templates_per_key_and_language_with_the_generic_one_as_fallback(
    db: Database, org: OrgId, staff: Staff
) -> None:
    async with db.unit_of_work(staff.owner) as uow:
        await set_whatsapp_template(uow, "notify.approval_requested", "ar", name="quote_ready_ar",
                                    language="ar",
                                    params=["number", "total"])
        await set_whatsapp_template(uow, "*", "en", name="new_message", language="en_US")
    async with db.read() as s:
        settings = (await s.scalars(select(Organization.settings).where(Organization.id == org))).one()

    ar = template_for(settings, "notify.approval_requested", "ar")
    assert ar is not None
    assert (ar.name, ar.language, ar.params) == ("quote_ready_ar", "ar", ("number", "total"))
    fallback = template_for(settings, "client.status", "ar")  # no Arabic generic: the English one
    assert fallback is not None
    assert (fallback.key, fallback.name, fallback.language) == ("*", "new_message", "en_US")
    assert template_for({}, "client.status", "en") is None
    async with db.read() as s:
        actions = (await s.scalars(select(AuditEntry.action).where(
            AuditEntry.organization_id == org, AuditEntry.entity == "organization",
            AuditEntry.action == "whatsapp_template"))).all()
    assert len(actions) == 2


async def test_only_the_owner_registers_templates_and_names_are_required(
    db: Database, org: OrgId, staff: Staff
) -> None:
    async with db.unit_of_work(staff.advisor) as uow:
        with pytest.raises(PermissionDenied):
            await set_whatsapp_template(uow, "x", "en", name="n", language="en")
    async with db.unit_of_work(staff.owner) as uow:
        with pytest.raises(InvalidInput):
            await set_whatsapp_template(uow, "x", "en", name=" ", language="en")


async def test_a_link_is_shortened_once_per_garage(db: Database, org: OrgId) -> None:
    other = await new_garage(db)
    url = "https://garage.example.com/t/" + "x" * 80
    async with db.raw_transaction() as s:
        first = await shorten(s, org, url, T0)
        again = await shorten(s, org, url, T0)
        elsewhere = await shorten(s, other, url, T0)
    async with db.read() as s:
        assert await resolve_short_link(s, first) == url
        assert await resolve_short_link(s, "missing") is None
        count = await s.scalar(select(func.count()).select_from(ShortLink).where(ShortLink.target == url))
    assert first == again
    assert elsewhere != first
    assert count == 2

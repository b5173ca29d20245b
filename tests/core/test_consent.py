"""Consent: keywords read as carriers read them, the service's permissions
and audit, and what may still be sent to an opted-out client."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from garagebot.core.actor import Actor
from garagebot.core.consent import (
    ConsentChange,
    consent_keyword,
    may_message,
    set_client_locale,
    set_messaging_consent,
)
from garagebot.core.enums import Channel
from garagebot.core.errors import InvalidInput, NotFound, PermissionDenied
from garagebot.core.ids import ClientId, OrgId
from garagebot.core.models import AuditEntry, Client, OutboxRow
from garagebot.core.repair.clients import find_or_create_client
from garagebot.core.uow import Database
from tests.conftest import Staff, make_staff, new_garage


@pytest.mark.parametrize("text", ["STOP", " stop ", "Stop.", "STOPALL", "unsubscribe", "CANCEL", "end",
                                  "quit", "توقف", "إلغاء", "الغاء", "إلغاء الاشتراك", "أوقف الرسائل"])
def test_opt_out_words(text: str) -> None:
    assert consent_keyword(text) is ConsentChange.OPT_OUT


@pytest.mark.parametrize("text", ["START", "start!", "unstop", "ابدأ", "ابدا"])
def test_opt_in_words(text: str) -> None:
    assert consent_keyword(text) is ConsentChange.OPT_IN


def test_yes_counts_only_for_an_opted_out_client_and_sentences_never_count() -> None:
    assert consent_keyword("yes") is None
    assert consent_keyword("YES", opted_out=True) is ConsentChange.OPT_IN
    assert consent_keyword("please stop the noise") is None
    assert consent_keyword("I want to cancel my booking") is None


def test_an_opted_out_client_may_only_get_the_confirmations() -> None:
    assert may_message(False, "client.consent_opted_out")
    assert may_message(False, "client.consent_opted_in")
    assert not may_message(False, "notify.approval_requested")
    assert may_message(True, "notify.approval_requested")


async def _client(db: Database, staff: Staff) -> ClientId:
    async with db.unit_of_work(staff.advisor) as uow:
        return await find_or_create_client(uow, phone="0791234567", name="Rami")


async def test_the_client_opts_out_and_in_and_each_change_is_audited_once(
    db: Database, org: OrgId, staff: Staff
) -> None:
    cid = await _client(db, staff)
    me = Actor.client(org, cid, Channel.SMS)

    async with db.unit_of_work(me) as uow:
        assert await set_messaging_consent(uow, cid, False, keyword="STOP") is True
    async with db.unit_of_work(me) as uow:
        assert await set_messaging_consent(uow, cid, False, keyword="STOP") is False  # already out
    async with db.unit_of_work(staff.advisor) as uow:
        assert await set_messaging_consent(uow, cid, True) is True  # asked at the desk

    async with db.read() as s:
        client = await s.get(Client, cid)
        assert client is not None
        assert client.messaging_consent is True
    async with db.read() as s:
        entries = (await s.scalars(select(AuditEntry).where(
            AuditEntry.organization_id == org, AuditEntry.entity == "client",
            AuditEntry.action.like("messaging_%")).order_by(AuditEntry.seq))).all()
        topics = (await s.scalars(select(OutboxRow.topic).where(
            OutboxRow.organization_id == org, OutboxRow.topic.like("client.opted_%")))).all()
    assert [(e.action, e.actor_kind, e.channel) for e in entries] == [
        ("messaging_opt_out", "client", "sms"), ("messaging_opt_in", "user", "telegram")]
    assert sorted(topics) == ["client.opted_in", "client.opted_out"]


async def test_nobody_else_may_change_a_clients_consent_or_language(
    db: Database, org: OrgId, staff: Staff
) -> None:
    cid = await _client(db, staff)
    other_org = await new_garage(db)
    other = await make_staff(db, other_org)
    async with db.unit_of_work(Actor.client(org, ClientId(cid + 10**6), Channel.SMS)) as uow:
        with pytest.raises(PermissionDenied):
            await set_messaging_consent(uow, cid, False)
    async with db.unit_of_work(staff.tech) as uow:
        with pytest.raises(PermissionDenied):
            await set_messaging_consent(uow, cid, False)
    async with db.unit_of_work(other.advisor) as uow:
        with pytest.raises(NotFound):
            await set_messaging_consent(uow, cid, False)
    async with db.unit_of_work(Actor.client(org, cid, Channel.SMS)) as uow:
        with pytest.raises(InvalidInput):
            await set_client_locale(uow, cid, "fr")

"""Who a chat sender acts as (issue 11, 1.1): a client as themselves, a number
the garage does not know as a *contact*, never as the system; and what the
core lets each of them do with what they send."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from garagebot.core.actor import Actor
from garagebot.core.billing.enums import LineDecision
from garagebot.core.billing.quote_flow import decide_quote_lines
from garagebot.core.enums import Channel, SessionStatus
from garagebot.core.errors import PermissionDenied
from garagebot.core.ids import OrgId, SessionId
from garagebot.core.models import AuditEntry
from garagebot.core.repair.intake import create_request
from garagebot.core.uow import Database
from garagebot.core.work.media import attach_media
from tests.conftest import Staff
from tests.conversations.client.harness import ClientChat, audit_of, mobile, scene, sent_quote, visit
from tests.fakes import MemoryFileStorage

S = SessionStatus
JPEG = b"\xff\xd8\xff\xe0 a photo"


async def test_an_unknown_number_acts_as_a_contact_and_never_as_the_system(
    db: Database, org: OrgId, staff: Staff
) -> None:
    sc = await scene(db, org)
    stranger = ClientChat(sc.engine(), sc.garage, mobile(), channel=Channel.SMS, provider="twilio")
    async with db.read() as s:
        seq = int(await s.scalar(select(AuditEntry.seq).where(AuditEntry.organization_id == org)
                                 .order_by(AuditEntry.seq.desc()).limit(1)) or 0)

    await stranger.say("stop")
    await stranger.say("hello, is anyone there?")  # opted out: forwarded to staff, audited

    [forwarded] = [e for e in await audit_of(db, org, "client_message") if e.seq > seq]
    assert (forwarded.actor_kind, forwarded.actor_id, forwarded.channel) == ("contact", None, "sms")


async def test_a_contact_cannot_decide_a_quote_even_by_calling_the_core(
    db: Database, org: OrgId, staff: Staff
) -> None:
    v = await visit(db, staff, path=(S.DIAGNOSING,))
    qid, lines = await sent_quote(db, staff, v)

    with pytest.raises(PermissionDenied):
        async with db.unit_of_work(Actor.contact(org, Channel.WHATSAPP)) as uow:
            await decide_quote_lines(uow, qid, {lines[0]: LineDecision.DECLINED}, key="meta:wamid.x")


async def test_a_client_books_only_for_their_own_phone(db: Database, org: OrgId, staff: Staff) -> None:
    v = await visit(db, staff, path=(S.DIAGNOSING,))
    client = Actor.client(org, v.client_id, Channel.WHATSAPP)

    with pytest.raises(PermissionDenied):
        async with db.unit_of_work(client) as uow:
            await create_request(uow, phone=mobile(), plate="12-34567", complaint="Noise")
    async with db.unit_of_work(client) as uow:
        assert await create_request(uow, phone=v.phone, plate="12-34567", complaint="Noise")


async def test_a_client_attaches_files_only_to_their_own_visit(
    db: Database, org: OrgId, staff: Staff
) -> None:
    mine = await visit(db, staff, path=(S.DIAGNOSING,))
    theirs = await visit(db, staff, name="Omar", path=(S.DIAGNOSING,))
    storage = MemoryFileStorage()
    client = Actor.client(org, mine.client_id, Channel.WHATSAPP)

    with pytest.raises(PermissionDenied):
        async with db.unit_of_work(client) as uow:
            await attach_media(uow, storage, session_id=SessionId(theirs.session_id), kind="photo",
                               content_type="image/jpeg", data=JPEG)
    async with db.unit_of_work(client) as uow:
        assert await attach_media(uow, storage, session_id=SessionId(mine.session_id), kind="photo",
                                  content_type="image/jpeg", data=JPEG)

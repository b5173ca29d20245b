"""The approval reminder: a delayed outbox event, due N hours after the quote
was sent, drained like any other row once the (fake) clock reaches it."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import func, select

from garagebot.core.actor import Actor
from garagebot.core.billing.enums import LineDecision
from garagebot.core.billing.quote_flow import decide_whole_quote
from garagebot.core.enums import Channel
from garagebot.core.errors import InvalidInput
from garagebot.core.links import APPROVAL, read_token
from garagebot.core.models import OutboxRow
from garagebot.core.notify.reminders import REMINDER_TOPIC
from garagebot.core.uow import Database
from tests.conftest import Staff
from tests.core.notify.harness import CONFIG, dispatcher, sent_to, token_of
from tests.fakes import FakeClock, MemoryFileStorage
from tests.webhooks.pages.scene import SECRET, quoted_visit, set_consent


async def test_an_undecided_quote_is_recalled_once_after_the_set_hours(
    db: Database, staff: Staff, clock: FakeClock
) -> None:
    v = await quoted_visit(db, staff, MemoryFileStorage())
    sent_at = clock.now()
    drainer = dispatcher(db)
    await drainer.drain()
    clock.advance(hours=23, minutes=59)
    await drainer.drain()
    assert [m.key for m in await sent_to(db, staff.org, v.client_id)] == [
        "notify.session_opened", "notify.approval_requested"]
    clock.advance(minutes=1)
    await drainer.drain()
    clock.advance(hours=30)
    await drainer.drain()
    *_, reminder = await sent_to(db, staff.org, v.client_id)
    assert reminder.key == "notify.approval_reminder"
    assert reminder.text.startswith(
        f"Reminder from Test Garage: the quote for job {v.number} (version 1, JOD")
    # A fresh link: signed when the reminder went out (24 h after the first),
    # so it still opens when the first one has expired.
    later = sent_at + dt.timedelta(hours=24 + 71)
    assert read_token(SECRET, APPROVAL, token_of(reminder.text, "/a/"), 72 * 3600, now=later) == v.quote_id
    first = (await sent_to(db, staff.org, v.client_id))[1]
    with pytest.raises(InvalidInput):
        read_token(SECRET, APPROVAL, token_of(first.text, "/a/"), 72 * 3600, now=later)
    keys = [m.key for m in await sent_to(db, staff.org, v.client_id)]
    assert keys.count("notify.approval_reminder") == 1


async def test_a_quote_decided_in_the_meantime_is_not_recalled(
    db: Database, staff: Staff, clock: FakeClock
) -> None:
    v = await quoted_visit(db, staff, MemoryFileStorage())
    async with db.unit_of_work(Actor.client(v.org, v.client_id, Channel.WHATSAPP)) as uow:
        await decide_whole_quote(uow, v.quote_id, LineDecision.APPROVED, key="chat-wamid-1")
    clock.advance(hours=25)
    await dispatcher(db).drain()
    keys = [m.key for m in await sent_to(db, staff.org, v.client_id)]
    assert keys == ["notify.session_opened", "notify.approval_requested"]
    async with db.read() as s:
        done = (await s.execute(select(OutboxRow.status).where(
            OutboxRow.organization_id == staff.org, OutboxRow.topic == REMINDER_TOPIC))).scalars().all()
    assert done == ["done"]


async def test_a_client_who_opted_out_meanwhile_is_not_recalled(
    db: Database, staff: Staff, clock: FakeClock
) -> None:
    v = await quoted_visit(db, staff, MemoryFileStorage())
    drainer = dispatcher(db)
    await drainer.drain()
    await set_consent(db, v.client_id, False)
    clock.advance(hours=25)
    await drainer.drain()
    assert [m.key for m in await sent_to(db, staff.org, v.client_id)] == [
        "notify.session_opened", "notify.approval_requested"]


async def test_zero_hours_turns_the_reminder_off(db: Database, staff: Staff, clock: FakeClock) -> None:
    v = await quoted_visit(db, staff, MemoryFileStorage())
    await dispatcher(db, dataclasses.replace(CONFIG, approval_reminder_hours=0)).drain()
    clock.advance(hours=100)
    await dispatcher(db).drain()
    async with db.read() as s:
        scheduled = (await s.execute(select(func.count()).where(
            OutboxRow.organization_id == staff.org, OutboxRow.topic == REMINDER_TOPIC))).scalar_one()
    assert scheduled == 0
    assert "notify.approval_reminder" not in [m.key for m in await sent_to(db, staff.org, v.client_id)]

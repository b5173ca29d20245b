"""The outbox dispatcher: rendering, sending, retries, events, leases, forward-only statuses.

The test database is shared by every test of the run, so assertions look at
this test's garage only (the dispatcher drains every garage's due rows).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import select, update

from garagebot.core.actor import Actor
from garagebot.core.dispatch import (
    DeliveryUpdate,
    Dispatcher,
    DispatchPolicy,
    DomainEvent,
    Subscribers,
    Transports,
    record_delivery_status,
)
from garagebot.core.enums import Channel, OutboxStatus
from garagebot.core.i18n import FSI, PDI, Translator
from garagebot.core.ids import ClientId, OrgId
from garagebot.core.models import OutboxRow
from garagebot.core.ports import (
    Choice,
    OutboundMessage,
    PermanentSendError,
    SendDeferred,
    SendResult,
    TransientSendError,
)
from garagebot.core.uow import Database, UnitOfWork
from tests.conftest import new_garage
from tests.fakes import FakeClock

PHONE = "+962791234567"


class RecordingTransport:
    """A transport fake: records what it was given; ``script`` decides each outcome."""

    def __init__(self, script: Callable[[OutboundMessage, int], None] | None = None) -> None:
        self.sent: list[OutboundMessage] = []
        self.calls = 0
        self.script = script
        self.during: Callable[[OutboundMessage, int], Awaitable[None]] | None = None

    async def send(self, message: OutboundMessage) -> SendResult:
        self.calls += 1
        await asyncio.sleep(0)  # let concurrent drainers interleave
        if self.script is not None:
            self.script(message, self.calls)
        if self.during is not None:
            await self.during(message, self.calls)
        self.sent.append(message)
        return SendResult(provider_message_id=f"prov-{message.outbox_id}")

    def of(self, org: OrgId) -> list[OutboundMessage]:
        return [m for m in self.sent if m.organization_id == org]


@pytest.fixture(scope="module")
def translator() -> Translator:
    return Translator.load()


def make_dispatcher(
    db: Database, translator: Translator, transport: RecordingTransport,
    subscribers: Subscribers | None = None, policy: DispatchPolicy | None = None,
) -> Dispatcher:
    return Dispatcher(db, translator, Transports(transport), subscribers or Subscribers(),
                      policy=policy)


async def queue_message(db: Database, org: OrgId, locale: str = "en") -> int:
    async with db.unit_of_work(Actor.system(org)) as uow:
        row = uow.send(Channel.SMS, PHONE, locale, "error.invalid_phone", {"value": "12-345"},
                       choices=[Choice("retry", "error.generic")])
        await uow.session.flush()
        return row.id


async def load(db: Database, row_id: int) -> OutboxRow:
    async with db.read() as s:
        row = await s.get(OutboxRow, row_id)
        assert row is not None
        return row


async def test_a_message_is_rendered_for_its_recipients_language_and_sent_once(
    db: Database, translator: Translator
) -> None:
    org = await new_garage(db)
    en_id, ar_id = await queue_message(db, org, "en"), await queue_message(db, org, "ar")
    transport = RecordingTransport()
    dispatcher = make_dispatcher(db, translator, transport)

    await dispatcher.drain()
    await dispatcher.drain()

    assert sorted(m.outbox_id for m in transport.of(org)) == [en_id, ar_id]
    en, ar = await load(db, en_id), await load(db, ar_id)
    assert en.status == ar.status == OutboxStatus.SENT
    assert en.rendered_text == translator.render("en", "error.invalid_phone", {"value": "12-345"})
    assert "12-345" in en.rendered_text
    assert ar.rendered_text == translator.render("ar", "error.invalid_phone", {"value": "12-345"})
    assert f"{FSI}12-345{PDI}" in ar.rendered_text
    assert (en.provider_message_id, en.attempts, en.sent_at) == (f"prov-{en_id}", 1, db.clock.now())
    sent_ar = next(m for m in transport.of(org) if m.outbox_id == ar_id)
    assert sent_ar.choices == (("retry", translator.render("ar", "error.generic")),)
    assert (sent_ar.channel, sent_ar.recipient, sent_ar.locale) == (Channel.SMS, PHONE, "ar")


async def test_a_transient_failure_is_retried_after_a_growing_delay(
    db: Database, translator: Translator, clock: FakeClock
) -> None:
    org = await new_garage(db)
    row_id = await queue_message(db, org)

    def fail_twice(message: OutboundMessage, call: int) -> None:
        if message.outbox_id == row_id and call <= 2:
            raise TransientSendError("provider busy")

    transport = RecordingTransport(fail_twice)
    dispatcher = make_dispatcher(db, translator, transport)
    start = clock.now()

    await dispatcher.drain()
    row = await load(db, row_id)
    assert (row.status, row.attempts, row.error) == (OutboxStatus.PENDING, 1, "provider busy")
    assert row.available_at == start + dt.timedelta(seconds=30)

    await dispatcher.drain()  # not due yet
    assert (await load(db, row_id)).attempts == 1

    clock.advance(seconds=30)
    await dispatcher.drain()
    row = await load(db, row_id)
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 2)
    assert row.available_at == clock.now() + dt.timedelta(seconds=60)

    clock.advance(seconds=60)
    await dispatcher.drain()
    row = await load(db, row_id)
    assert (row.status, row.attempts, row.error) == (OutboxStatus.SENT, 3, None)
    assert [m.outbox_id for m in transport.of(org)] == [row_id]


async def test_a_providers_retry_after_is_respected(
    db: Database, translator: Translator, clock: FakeClock
) -> None:
    org = await new_garage(db)
    row_id = await queue_message(db, org)

    def rate_limited(message: OutboundMessage, call: int) -> None:
        raise TransientSendError("429", retry_after_seconds=600)

    await make_dispatcher(db, translator, RecordingTransport(rate_limited)).drain()
    row = await load(db, row_id)
    assert row.available_at == clock.now() + dt.timedelta(seconds=600)


async def test_a_permanent_failure_marks_the_message_failed_with_the_reason(
    db: Database, translator: Translator
) -> None:
    org = await new_garage(db)
    row_id = await queue_message(db, org)

    def refuse(message: OutboundMessage, call: int) -> None:
        raise PermanentSendError("21211 invalid 'To' number")

    transport = RecordingTransport(refuse)
    await make_dispatcher(db, translator, transport).drain()
    row = await load(db, row_id)
    assert (row.status, row.error) == (OutboxStatus.FAILED, "21211 invalid 'To' number")
    assert row.provider_message_id is None
    assert row.rendered_text  # what would have been sent stays visible


async def test_a_message_fails_for_good_after_the_last_allowed_attempt(
    db: Database, translator: Translator, clock: FakeClock
) -> None:
    org = await new_garage(db)
    row_id = await queue_message(db, org)

    def always_busy(message: OutboundMessage, call: int) -> None:
        raise TransientSendError("timeout")

    dispatcher = make_dispatcher(db, translator, RecordingTransport(always_busy),
                                 policy=DispatchPolicy(max_attempts=2))
    await dispatcher.drain()
    clock.advance(minutes=5)
    await dispatcher.drain()
    row = await load(db, row_id)
    assert (row.status, row.attempts) == (OutboxStatus.FAILED, 2)
    assert row.error == "gave up after 2 attempts: timeout"


async def test_a_drainer_that_dies_mid_send_leaves_the_row_to_be_retried_after_its_lease(
    db: Database, translator: Translator, clock: FakeClock
) -> None:
    org = await new_garage(db)
    row_id = await queue_message(db, org)

    def die_once(message: OutboundMessage, call: int) -> None:
        if call == 1:
            raise asyncio.CancelledError

    transport = RecordingTransport(die_once)
    with pytest.raises(asyncio.CancelledError):
        await make_dispatcher(db, translator, transport).drain()
    row = await load(db, row_id)
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 1)

    other = RecordingTransport()
    await make_dispatcher(db, translator, other).drain()
    assert other.of(org) == []  # still leased to the dead drainer

    clock.advance(minutes=10)
    await make_dispatcher(db, translator, other).drain()
    assert [m.outbox_id for m in other.of(org)] == [row_id]
    assert (await load(db, row_id)).attempts == 2


async def test_two_concurrent_drainers_never_send_a_row_twice(
    db_url: str, db: Database, translator: Translator, clock: FakeClock
) -> None:
    org = await new_garage(db)
    ids = {await queue_message(db, org) for _ in range(40)}
    transport = RecordingTransport()
    policy = DispatchPolicy(batch_size=3)
    first, second = Database(db_url, clock=clock), Database(db_url, clock=clock)
    try:
        reports = await asyncio.gather(
            make_dispatcher(first, translator, transport, policy=policy).drain(),
            make_dispatcher(second, translator, transport, policy=policy).drain(),
        )
    finally:
        await first.dispose()
        await second.dispose()

    sends = Counter(m.outbox_id for m in transport.of(org))
    assert set(sends) == ids
    assert max(sends.values()) == 1
    assert all(r.sent > 0 for r in reports)  # both took part
    async with db.read() as s:
        rows = (await s.scalars(select(OutboxRow).where(OutboxRow.id.in_(ids)))).all()
    assert {(r.status, r.attempts) for r in rows} == {(OutboxStatus.SENT, 1)}


async def test_events_run_their_subscribers_which_may_queue_messages_in_the_same_commit(
    db: Database, translator: Translator
) -> None:
    org = await new_garage(db)
    seen: list[tuple[DomainEvent, int]] = []

    async def greet(uow: UnitOfWork, event: DomainEvent) -> None:
        seen.append((event, uow.org_id))
        uow.send(Channel.WHATSAPP, PHONE, "en", "error.generic")

    subscribers = Subscribers()
    subscribers.subscribe("test.greeted", greet)
    async with db.unit_of_work(Actor.system(org)) as uow:
        event_row = uow.emit("test.greeted", {"who": "Rami"})
        await uow.session.flush()
    transport = RecordingTransport()

    await make_dispatcher(db, translator, transport, subscribers).drain()

    assert [(e.outbox_id, e.topic, dict(e.payload), org_id) for e, org_id in seen] == [
        (event_row.id, "test.greeted", {"who": "Rami"}, org)
    ]
    assert (await load(db, event_row.id)).status == OutboxStatus.DONE
    assert [(m.channel, m.text) for m in transport.of(org)] == [
        (Channel.WHATSAPP, translator.render("en", "error.generic"))
    ]


async def test_a_failing_subscriber_rolls_its_writes_back_and_the_event_is_retried(
    db: Database, translator: Translator, clock: FakeClock
) -> None:
    org = await new_garage(db)
    calls: list[int] = []

    async def flaky(uow: UnitOfWork, event: DomainEvent) -> None:
        calls.append(event.outbox_id)
        uow.send(Channel.SMS, PHONE, "en", "error.generic")
        if len(calls) == 1:
            raise RuntimeError("flaky subscriber")

    subscribers = Subscribers()
    subscribers.subscribe("test.flaky", flaky)
    async with db.unit_of_work(Actor.system(org)) as uow:
        event_row = uow.emit("test.flaky", {})
        await uow.session.flush()
    transport = RecordingTransport()
    dispatcher = make_dispatcher(db, translator, transport, subscribers)

    await dispatcher.drain()
    row = await load(db, event_row.id)
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 1)
    assert "flaky subscriber" in (row.error or "")
    assert transport.of(org) == []  # the message written before the failure was rolled back

    clock.advance(seconds=30)
    await dispatcher.drain()
    assert (await load(db, event_row.id)).status == OutboxStatus.DONE
    assert len(transport.of(org)) == 1


async def test_delivery_statuses_only_move_forward(db: Database, translator: Translator) -> None:
    org = await new_garage(db)
    row_id = await queue_message(db, org)
    await make_dispatcher(db, translator, RecordingTransport()).drain()
    pid = f"prov-{row_id}"

    steps = [
        (OutboxStatus.DELIVERED, DeliveryUpdate.APPLIED, OutboxStatus.DELIVERED),
        (OutboxStatus.SENT, DeliveryUpdate.STALE, OutboxStatus.DELIVERED),
        (OutboxStatus.DELIVERED, DeliveryUpdate.STALE, OutboxStatus.DELIVERED),
        (OutboxStatus.READ, DeliveryUpdate.APPLIED, OutboxStatus.READ),
        (OutboxStatus.DELIVERED, DeliveryUpdate.STALE, OutboxStatus.READ),
        (OutboxStatus.FAILED, DeliveryUpdate.STALE, OutboxStatus.READ),
    ]
    for status, expected, stored in steps:
        assert await record_delivery_status(db, pid, status) is expected
        assert (await load(db, row_id)).status == stored
    assert await record_delivery_status(db, "no-such-id", OutboxStatus.READ) is DeliveryUpdate.UNKNOWN
    with pytest.raises(ValueError, match="not a delivery status"):
        await record_delivery_status(db, pid, OutboxStatus.DONE)


async def test_a_failed_status_callback_records_the_providers_error_code(
    db: Database, translator: Translator
) -> None:
    org = await new_garage(db)
    row_id = await queue_message(db, org)
    await make_dispatcher(db, translator, RecordingTransport()).drain()

    assert await record_delivery_status(db, f"prov-{row_id}", OutboxStatus.FAILED, "30003",
                                        channel=Channel.SMS) is DeliveryUpdate.APPLIED
    row = await load(db, row_id)
    assert (row.status, row.error) == (OutboxStatus.FAILED, "provider status failed (30003)")
    assert await record_delivery_status(db, f"prov-{row_id}", OutboxStatus.READ) is DeliveryUpdate.STALE
    assert await record_delivery_status(
        db, f"prov-{row_id}", OutboxStatus.READ, channel=Channel.WHATSAPP
    ) is DeliveryUpdate.UNKNOWN


async def test_a_reply_goes_out_before_bulk_notices_queued_earlier(
    db: Database, translator: Translator
) -> None:
    org = await new_garage(db)
    async with db.unit_of_work(Actor.system(org)) as uow:  # the system's bulk: a digest, reminders
        bulk = [uow.send(Channel.SMS, f"+96279100000{i}", "en", "error.generic") for i in range(3)]
        await uow.session.flush()
        bulk_ids = [r.id for r in bulk]
    async with db.unit_of_work(Actor.client(org, ClientId(1), Channel.SMS)) as uow:  # a client wrote
        reply = uow.send(Channel.SMS, PHONE, "en", "error.generic")
        await uow.session.flush()
        reply_id = reply.id
    assert [(await load(db, i)).priority for i in [*bulk_ids, reply_id]] == [1, 1, 1, 0]
    transport = RecordingTransport()

    await make_dispatcher(db, translator, transport,
                          policy=DispatchPolicy(batch_size=1, concurrency=1)).drain()

    assert [m.outbox_id for m in transport.of(org)] == [reply_id, *bulk_ids]


async def test_a_paced_send_is_put_back_without_counting_an_attempt(
    db: Database, translator: Translator, clock: FakeClock
) -> None:
    org = await new_garage(db)
    row_id = await queue_message(db, org)

    def paced_once(message: OutboundMessage, call: int) -> None:
        if message.outbox_id == row_id and call == 1:
            raise SendDeferred("pacing", retry_after_seconds=2)

    transport = RecordingTransport(paced_once)
    dispatcher = make_dispatcher(db, translator, transport)
    await dispatcher.drain()
    row = await load(db, row_id)
    assert (row.status, row.attempts, row.claimed_by) == (OutboxStatus.PENDING, 0, None)
    assert row.available_at == clock.now() + dt.timedelta(seconds=2)

    clock.advance(seconds=2)
    await dispatcher.drain()
    row = await load(db, row_id)
    assert (row.status, row.attempts) == (OutboxStatus.SENT, 1)


async def test_a_row_whose_provider_id_is_stored_is_never_sent_again(
    db: Database, translator: Translator
) -> None:
    org = await new_garage(db)
    row_id = await queue_message(db, org)
    async with db.raw_transaction() as session:  # the provider took it; its status was not stored
        await session.execute(update(OutboxRow).where(OutboxRow.id == row_id)
                              .values(provider_message_id="SM-already"))
    transport = RecordingTransport()

    await make_dispatcher(db, translator, transport).drain()

    assert transport.of(org) == []
    row = await load(db, row_id)
    assert (row.status, row.provider_message_id) == (OutboxStatus.SENT, "SM-already")


async def test_a_claim_names_its_drainer_until_the_outcome_is_stored(
    db: Database, translator: Translator
) -> None:
    org = await new_garage(db)
    row_id = await queue_message(db, org)
    seen: list[str | None] = []

    async def during(message: OutboundMessage, call: int) -> None:
        seen.append((await load(db, row_id)).claimed_by)

    transport = RecordingTransport()
    transport.during = during
    dispatcher = make_dispatcher(db, translator, transport)
    dispatcher.worker_id = "worker-a"
    await dispatcher.drain()

    assert seen == ["worker-a"]
    assert (await load(db, row_id)).claimed_by is None


class CountingTelemetry:
    def __init__(self) -> None:
        self.retries: list[str] = []

    def sent(self, provider: str, result: str) -> None:
        return None

    def retried(self, provider: str) -> None:
        self.retries.append(provider)

    def scheduler_ran(self, job: str, outcome: str) -> None:
        return None


async def test_the_dispatcher_counts_each_retry_of_a_message_and_of_an_event(
    db: Database, translator: Translator, clock: FakeClock
) -> None:
    org = await new_garage(db)
    row_id = await queue_message(db, org)

    async def failing(uow: UnitOfWork, event: DomainEvent) -> None:
        raise RuntimeError("subscriber down")

    subscribers = Subscribers()
    subscribers.subscribe("test.counted_retry", failing)
    async with db.unit_of_work(Actor.system(org)) as uow:
        event_row = uow.emit("test.counted_retry", {})
        await uow.session.flush()

    def busy(message: OutboundMessage, call: int) -> None:
        if message.outbox_id == row_id:
            raise TransientSendError("provider busy")

    telemetry = CountingTelemetry()
    dispatcher = Dispatcher(db, translator, Transports(RecordingTransport(busy)), subscribers,
                            telemetry=telemetry)
    await dispatcher.drain()

    assert sorted(telemetry.retries) == ["event", "sms"]
    assert (await load(db, row_id)).status == (await load(db, event_row.id)).status == OutboxStatus.PENDING


async def test_one_garages_backlog_in_flight_never_keeps_another_garages_messages_waiting(
    db: Database, translator: Translator
) -> None:
    busy, other = await new_garage(db), await new_garage(db)
    backlog = [await queue_message(db, busy) for _ in range(20)]
    behind = []
    for n in range(2):  # to other clients (one chat's messages go one at a time anyway)
        async with db.unit_of_work(Actor.system(other)) as uow:
            row = uow.send(Channel.SMS, f"+96279000000{n}", "en", "error.generic")
            await uow.session.flush()
            behind.append(row.id)
    release = asyncio.Event()

    async def slow_provider(message: OutboundMessage, call: int) -> None:
        if message.organization_id == busy:
            await release.wait()

    transport = RecordingTransport()
    transport.during = slow_provider
    dispatcher = make_dispatcher(db, translator, transport,
                                 policy=DispatchPolicy(batch_size=4, concurrency=4, per_lane=2))
    draining = asyncio.create_task(dispatcher.drain())
    for _ in range(200):  # the busy garage holds its share; the other's rows are claimed past its backlog
        if len(transport.of(other)) == 2:
            break
        await asyncio.sleep(0.05)
    release.set()
    await draining
    while len(transport.of(busy)) < len(backlog):
        await dispatcher.drain()

    ours = [m.outbox_id for m in transport.sent if m.organization_id in (busy, other)]
    assert sorted(ours[:len(behind)]) == behind
    assert sorted(m.outbox_id for m in transport.of(busy)) == backlog

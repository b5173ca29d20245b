"""Per-line decisions: who, how and when; idempotent keys; the quote's and the session's next status."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from sqlalchemy import select

from garagebot.app.transports import DryRunTransport
from garagebot.core.actor import Actor
from garagebot.core.billing import subscribers as billing_subscribers
from garagebot.core.billing.enums import LineDecision, QuoteStatus
from garagebot.core.billing.quote_flow import (
    decide_quote_lines,
    decide_whole_quote,
    expire_quotes,
    send_quote,
)
from garagebot.core.billing.quotes import create_quote
from garagebot.core.billing.views import follow_up_lines, quote_view
from garagebot.core.dispatch import Dispatcher, Subscribers, Transports
from garagebot.core.enums import Channel, SessionStatus
from garagebot.core.errors import Conflict, InvalidTransition, PermissionDenied
from garagebot.core.i18n import Translator
from garagebot.core.ids import ClientId, QuoteId, QuoteLineId, VehicleId
from garagebot.core.models import QuoteDecision, QuoteLine, RepairSession
from garagebot.core.repair.sessions import change_status, resume_session
from garagebot.core.uow import Database
from tests.conftest import Staff
from tests.core.billing.helpers import Visit, add_job, add_part, open_visit, outbox_topics
from tests.fakes import FakeClock

D = Decimal


async def _sent_quote(db: Database, staff: Staff) -> tuple[Visit, QuoteId, list[QuoteLineId]]:
    visit = await open_visit(db, staff)
    await add_job(db, staff, visit, "Brakes", [(60, None)])
    await add_job(db, staff, visit, "Tyres", [(30, None)])
    await add_part(db, staff.org, visit, "Pads", D(1), D("15.000"))
    async with db.unit_of_work(staff.advisor) as uow:
        qid = await create_quote(uow, visit.session_id)
        await send_quote(uow, qid)
    async with db.read() as s:
        view = await quote_view(s, staff.org, qid)
    return visit, qid, [ln.id for ln in view.lines]


def _client(staff: Staff, visit: Visit) -> Actor:
    return Actor.client(staff.org, visit.client_id, Channel.WHATSAPP)


async def _session_status(db: Database, visit: Visit) -> str:
    async with db.read() as s:
        return (
            await s.execute(select(RepairSession.status).where(RepairSession.id == visit.session_id))
        ).scalar_one()


async def test_the_client_decides_line_by_line_and_each_decision_is_recorded(
    db: Database, staff: Staff
) -> None:
    visit, qid, (brakes, tyres, pads) = await _sent_quote(db, staff)
    async with db.unit_of_work(_client(staff, visit)) as uow:
        status = await decide_quote_lines(uow, qid, {brakes: LineDecision.APPROVED}, key="wamid.1")
    assert status is QuoteStatus.SENT
    assert await _session_status(db, visit) == SessionStatus.AWAITING_CLIENT_APPROVAL
    async with db.unit_of_work(_client(staff, visit)) as uow:
        status = await decide_quote_lines(
            uow, qid, {tyres: LineDecision.DEFERRED, pads: LineDecision.APPROVED}, key="wamid.2"
        )
    assert status is QuoteStatus.PARTIALLY_APPROVED
    assert await _session_status(db, visit) == SessionStatus.IN_PROGRESS
    async with db.read() as s:
        line = (await s.execute(select(QuoteLine).where(QuoteLine.id == tyres))).scalar_one()
        decisions = (
            await s.scalars(
                select(QuoteDecision.decision_key)
                .where(QuoteDecision.quote_id == qid)
                .order_by(QuoteDecision.id)
            )
        ).all()
    assert (line.decision, line.decided_by_kind, line.decided_by_id, line.decided_channel) == (
        "DEFERRED",
        "client",
        visit.client_id,
        "whatsapp",
    )
    assert line.decided_at == db.clock.now()
    assert decisions == ["wamid.1", "wamid.2", "wamid.2"]
    assert "billing.quote_decided" in await outbox_topics(db, staff.org)


async def test_the_same_decision_key_twice_is_a_no_op(db: Database, staff: Staff) -> None:
    visit, qid, lines = await _sent_quote(db, staff)
    async with db.unit_of_work(_client(staff, visit)) as uow:
        await decide_quote_lines(uow, qid, {lines[0]: LineDecision.APPROVED}, key="token-1")
    async with db.unit_of_work(_client(staff, visit)) as uow:
        again = await decide_quote_lines(uow, qid, {lines[0]: LineDecision.DECLINED}, key="token-1")
    assert again is QuoteStatus.SENT
    async with db.read() as s:
        rows = (await s.scalars(select(QuoteDecision).where(QuoteDecision.quote_id == qid))).all()
        line = (await s.execute(select(QuoteLine).where(QuoteLine.id == lines[0]))).scalar_one()
    assert len(rows) == 1
    assert line.decision == "APPROVED"
    with pytest.raises(InvalidTransition) as err:
        async with db.unit_of_work(_client(staff, visit)) as uow:
            await decide_quote_lines(uow, qid, {lines[0]: LineDecision.DECLINED}, key="token-2")
    assert err.value.key == "error.line_already_decided"


async def test_a_redelivered_approval_racing_itself_records_once(db: Database, staff: Staff) -> None:
    visit, qid, _ = await _sent_quote(db, staff)

    async def approve() -> QuoteStatus:
        async with db.unit_of_work(_client(staff, visit)) as uow:
            return await decide_whole_quote(uow, qid, LineDecision.APPROVED, key="wamid.same")

    results = await asyncio.gather(approve(), approve(), approve())
    assert list(results) == [QuoteStatus.APPROVED] * 3
    async with db.read() as s:
        assert len((await s.scalars(select(QuoteDecision).where(QuoteDecision.quote_id == qid))).all()) == 3


async def test_declining_everything_sends_the_car_to_the_final_check(db: Database, staff: Staff) -> None:
    visit, qid, _ = await _sent_quote(db, staff)
    async with db.unit_of_work(staff.advisor) as uow:  # a decision taken by phone
        status = await decide_whole_quote(uow, qid, LineDecision.DECLINED, key="call-1")
    assert status is QuoteStatus.DECLINED
    assert await _session_status(db, visit) == SessionStatus.QA_CHECK


async def test_another_client_cannot_decide(db: Database, staff: Staff) -> None:
    visit, qid, lines = await _sent_quote(db, staff)
    stranger = Actor.client(staff.org, ClientId(visit.client_id + 10_000), Channel.WHATSAPP)
    with pytest.raises(PermissionDenied):
        async with db.unit_of_work(stranger) as uow:
            await decide_quote_lines(uow, qid, {lines[0]: LineDecision.APPROVED}, key="x")
    with pytest.raises(PermissionDenied):
        async with db.unit_of_work(staff.tech) as uow:
            await decide_quote_lines(uow, qid, {lines[0]: LineDecision.APPROVED}, key="y")


async def test_a_key_used_on_one_quote_cannot_decide_another(db: Database, staff: Staff) -> None:
    _, first, lines1 = await _sent_quote(db, staff)
    _, second, lines2 = await _sent_quote(db, staff)
    async with db.unit_of_work(staff.advisor) as uow:
        await decide_quote_lines(uow, first, {lines1[0]: LineDecision.APPROVED}, key="k")
    with pytest.raises(Conflict):
        async with db.unit_of_work(staff.advisor) as uow:
            await decide_quote_lines(uow, second, {lines2[0]: LineDecision.APPROVED}, key="k")


async def test_an_expired_quote_takes_no_decisions(db: Database, staff: Staff, clock: FakeClock) -> None:
    visit, qid, lines = await _sent_quote(db, staff)
    clock.advance(days=15)
    with pytest.raises(InvalidTransition) as err:
        async with db.unit_of_work(_client(staff, visit)) as uow:
            await decide_quote_lines(uow, qid, {lines[0]: LineDecision.APPROVED}, key="late")
    assert err.value.key == "error.quote_expired"
    async with db.unit_of_work(Actor.system(staff.org)) as uow:
        expired = await expire_quotes(uow)
    assert expired == [qid]
    async with db.read() as s:
        assert (await quote_view(s, staff.org, qid)).status is QuoteStatus.EXPIRED


async def test_declined_and_deferred_lines_are_kept_for_follow_up(db: Database, staff: Staff) -> None:
    visit, qid, (brakes, tyres, pads) = await _sent_quote(db, staff)
    async with db.unit_of_work(_client(staff, visit)) as uow:
        await decide_quote_lines(
            uow,
            qid,
            {
                brakes: LineDecision.APPROVED,
                tyres: LineDecision.DEFERRED,
                pads: LineDecision.DECLINED,
            },
            key="k1",
        )
    async with db.read() as s:
        rs = (await s.execute(select(RepairSession).where(RepairSession.id == visit.session_id))).scalar_one()
        follow = await follow_up_lines(s, staff.org, vehicle_id=VehicleId(rs.vehicle_id))
    assert {(f.line_id, f.decision) for f in follow} == {
        (tyres, LineDecision.DEFERRED),
        (pads, LineDecision.DECLINED),
    }
    assert follow[0].session_number == visit.number


async def test_a_car_on_hold_stays_on_hold_while_its_quote_is_sent_and_approved(
    db: Database, staff: Staff
) -> None:
    visit = await open_visit(db, staff)
    await add_job(db, staff, visit, "Brakes", [(60, None)])
    async with db.unit_of_work(staff.advisor) as uow:
        await change_status(uow, visit.session_id, SessionStatus.ON_HOLD, note="Client travelling")
        qid = await create_quote(uow, visit.session_id)
        await send_quote(uow, qid)
    assert await _session_status(db, visit) == SessionStatus.ON_HOLD

    async with db.unit_of_work(_client(staff, visit)) as uow:
        assert await decide_whole_quote(uow, qid, LineDecision.APPROVED, key="hold-1") is QuoteStatus.APPROVED
    assert await _session_status(db, visit) == SessionStatus.ON_HOLD

    async with db.unit_of_work(staff.advisor) as uow:  # lifting the hold lands where the approval leads
        await resume_session(uow, visit.session_id)
    assert await _session_status(db, visit) == SessionStatus.IN_PROGRESS


async def test_a_sent_quote_expires_by_itself_when_its_validity_ends(
    db: Database, staff: Staff, clock: FakeClock
) -> None:
    subscribers = Subscribers()
    billing_subscribers.register(subscribers)
    dispatcher = Dispatcher(db, Translator.load(), Transports(DryRunTransport()), subscribers)
    _, qid, _ = await _sent_quote(db, staff)

    clock.advance(days=13)
    await dispatcher.drain()
    async with db.read() as s:
        assert (await quote_view(s, staff.org, qid)).status is QuoteStatus.SENT

    clock.advance(days=1, seconds=1)  # 14 days: the garage's validity
    await dispatcher.drain()
    async with db.read() as s:
        assert (await quote_view(s, staff.org, qid)).status is QuoteStatus.EXPIRED
    assert "billing.quote_expired" in await outbox_topics(db, staff.org)

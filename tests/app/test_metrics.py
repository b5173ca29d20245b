"""``/metrics`` and ``/readyz`` (issue 11, point 2) through the composed app:
deliveries per channel and outcome with their time, sends per provider, the
outbox's depth and oldest due age; two apps in one process keep their own
counts; readiness fails once a due message has waited too long."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families
from pytest_aiohttp import AiohttpClient, AiohttpServer
from sqlalchemy import update

from garagebot.app.web import create_app
from garagebot.core.enums import OutboxStatus, SessionStatus
from garagebot.core.ids import OrgId
from garagebot.core.models import OutboxRow
from garagebot.core.uow import Database
from tests.app.conftest import app_settings, fake_twilio_settings
from tests.conftest import Staff
from tests.conversations.client.harness import PUBLIC_URL, scene, visit
from tests.fakes import FakeClock
from tests.webhooks.twilio.conftest import form, twilio_signature
from tests.webhooks.twilio.fake_api import AUTH_TOKEN


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a Prometheus text page by (name, sorted labels)."""
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


async def test_deliveries_sends_and_the_outbox_are_counted_per_app(
    db: Database, org: OrgId, staff: Staff, db_url: str, tmp_path: Path,
    aiohttp_server: AiohttpServer, aiohttp_client: AiohttpClient,
) -> None:
    sc = await scene(db, org)
    v = await visit(db, staff, path=(SessionStatus.DIAGNOSING,))
    fake, settings = await fake_twilio_settings(aiohttp_server, db_url, tmp_path)
    client = await aiohttp_client(create_app(settings))
    other = await aiohttp_client(create_app(settings))  # a second app in this process: its own registry
    path = "/webhooks/twilio/sms"
    params = form("sms_text", From=v.phone, To=sc.sms, Body="Where is my car?")

    assert (await client.post(path, data=params)).status == 403
    signed = {"X-Twilio-Signature": twilio_signature(AUTH_TOKEN, f"{PUBLIC_URL}{path}", params)}
    assert (await client.post(path, data=params, headers=signed)).status == 200
    await fake.wait_until(lambda: len(fake.to(v.phone)) >= 1, "the reply reached the fake provider")

    resp = await client.get("/metrics")
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("text/plain")
    page = await resp.text()
    assert "# TYPE garagebot_outbox_pending gauge" in page
    assert "# TYPE garagebot_scheduler_runs_total counter" in page
    got = samples(page)
    assert got[("garagebot_inbound_total", (("channel", "sms"), ("outcome", "accepted")))] == 1
    assert got[("garagebot_inbound_total", (("channel", "sms"), ("outcome", "forbidden")))] == 1
    assert got[("garagebot_turn_seconds_count", (("channel", "sms"),))] == 2

    untouched = samples(await (await other.get("/metrics")).text())
    assert ("garagebot_inbound_total", (("channel", "sms"), ("outcome", "accepted"))) not in untouched
    sent = ("garagebot_send_total", (("provider", "twilio"), ("result", "sent")))
    assert got.get(sent, 0) + untouched.get(sent, 0) >= 1  # whichever app's drainer sent the reply


async def test_readiness_fails_when_a_due_message_waits_too_long(
    db: Database, org: OrgId, db_url: str, tmp_path: Path, aiohttp_client: AiohttpClient, clock: FakeClock,
) -> None:
    # No polling: nothing but this test moves the row.
    settings = app_settings(db_url, tmp_path, outbox_max_age_seconds=300, outbox_poll_seconds=3600)
    client = await aiohttp_client(create_app(settings, clock=clock))
    assert (await client.get("/readyz")).status == 200

    later = clock.now() + dt.timedelta(hours=1)
    async with db.raw_transaction() as session:
        session.add(OutboxRow(organization_id=org, kind="message", topic="test.late", channel="metrics-test",
                              recipient="+962790000009", locale="en", payload={}, status=OutboxStatus.PENDING,
                              attempts=0, available_at=later, created_at=later))
    assert (await client.get("/readyz")).status == 200  # not due yet
    clock.advance(hours=1, minutes=4)
    assert (await client.get("/readyz")).status == 200  # due for 4 minutes
    clock.advance(minutes=2)
    resp = await client.get("/readyz")
    body = await resp.json()
    assert resp.status == 503
    assert body["failed"] == ["outbox"]
    assert "metrics-test 360 s" in body["checks"]["outbox"]
    got = samples(await (await client.get("/metrics")).text())
    assert got[("garagebot_outbox_oldest_due_seconds", (("channel", "metrics-test"),))] == 360
    assert got[("garagebot_outbox_pending", (("channel", "metrics-test"),))] == 1
    async with db.raw_transaction() as session:  # the shared database: leave nothing due behind
        await session.execute(update(OutboxRow).where(OutboxRow.channel == "metrics-test")
                              .values(status=OutboxStatus.FAILED))

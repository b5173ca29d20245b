"""The operator's metrics: ``GET /metrics`` in Prometheus' text format.

One ``Metrics`` per app, on its own CollectorRegistry built when the app is
created (never at import time, so several apps in one process — tests — do
not collide). It is the app's ``core.telemetry.Telemetry`` (send results per
provider, retries, scheduler runs, counted by the transports), and a
middleware counts every webhook delivery per channel and outcome with the
time its turn took. The outbox's depth and the age of its oldest due message
per channel are read from the database at scrape time.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping

from aiohttp import web
from aiohttp.typedefs import Handler
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from sqlalchemy import func, select

from garagebot.app.keys import RUNTIME
from garagebot.core.enums import OutboxStatus
from garagebot.core.models import OutboxRow
from garagebot.core.uow import Database

# Webhook path → the channel its deliveries come in on.
WEBHOOK_CHANNELS: Mapping[str, str] = {
    "/webhooks/telegram": "telegram", "/webhooks/twilio/sms": "sms",
    "/webhooks/twilio/whatsapp": "whatsapp_twilio", "/webhooks/meta/whatsapp": "whatsapp_meta",
    "/webhooks/twilio/status": "twilio_status",
}
TURN_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


def outcome_of(status: int) -> str:
    if status < 300:
        return "accepted"
    if status in (401, 403):
        return "forbidden"
    if status == 413:
        return "too_large"
    return "rejected" if status < 500 else "failed"


class Metrics:
    """The app's metrics and their registry (see the module docstring)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.inbound = Counter("garagebot_inbound", "Webhook deliveries by channel and outcome",
                               ["channel", "outcome"], registry=r)
        self.turn_seconds = Histogram("garagebot_turn_seconds", "Time to answer a webhook delivery",
                                      ["channel"], buckets=TURN_BUCKETS, registry=r)
        self.sends = Counter("garagebot_send", "Outbound sends by provider and result",
                             ["provider", "result"], registry=r)
        self.retries = Counter("garagebot_send_retries",
                               "Outbox rows put back to retry, by channel (events: event)",
                               ["provider"], registry=r)
        self.scheduler_runs = Counter("garagebot_scheduler_runs", "Scheduled job runs by job and outcome",
                                      ["job", "outcome"], registry=r)
        self.outbox_depth = Gauge("garagebot_outbox_pending", "Outbox messages waiting, by channel",
                                  ["channel"], registry=r)
        self.outbox_age = Gauge("garagebot_outbox_oldest_due_seconds",
                                "Age of the oldest due outbox message, by channel", ["channel"], registry=r)

    # core.telemetry.Telemetry
    def sent(self, provider: str, result: str) -> None:
        self.sends.labels(provider, result).inc()

    def retried(self, provider: str) -> None:
        self.retries.labels(provider).inc()

    def scheduler_ran(self, job: str, outcome: str) -> None:
        self.scheduler_runs.labels(job, outcome).inc()

    def delivery(self, channel: str, status: int, seconds: float) -> None:
        self.inbound.labels(channel, outcome_of(status)).inc()
        self.turn_seconds.labels(channel).observe(seconds)

    async def refresh_outbox(self, db: Database) -> None:
        """Set the outbox gauges from the database (a channel that emptied shows 0)."""
        backlog = await outbox_backlog(db)
        for metric in (self.outbox_depth, self.outbox_age):
            metric.clear()
        for channel, (depth, oldest_due_seconds) in backlog.items():
            self.outbox_depth.labels(channel).set(depth)
            self.outbox_age.labels(channel).set(oldest_due_seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)


async def outbox_backlog(db: Database) -> dict[str, tuple[int, float]]:
    """Per channel ("event" for domain events): pending messages, and how long
    the oldest of those already due has waited, in seconds (0: none due)."""
    now = db.clock.now()
    due = func.min(OutboxRow.available_at).filter(OutboxRow.available_at <= now)
    async with db.read() as session:
        rows = (await session.execute(
            select(OutboxRow.channel, func.count(), due)
            .where(OutboxRow.status == OutboxStatus.PENDING.value).group_by(OutboxRow.channel)
        )).all()
    return {str(channel or "event"): (int(count), _age(now, oldest)) for channel, count, oldest in rows}


def _age(now: dt.datetime, oldest: dt.datetime | None) -> float:
    if oldest is None:
        return 0.0
    if oldest.tzinfo is None:  # SQLite hands aggregates back naive; stored values are UTC
        oldest = oldest.replace(tzinfo=dt.UTC)
    return max((now - oldest).total_seconds(), 0.0)


METRICS = web.AppKey("metrics", Metrics)


@web.middleware
async def count_deliveries(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every webhook delivery counted by channel and outcome, with its time."""
    channel = WEBHOOK_CHANNELS.get(request.path) if request.method == "POST" else None
    if channel is None:
        return await handler(request)
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        request.app[METRICS].delivery(channel, status, time.perf_counter() - started)


async def metrics_endpoint(request: web.Request) -> web.Response:
    metrics = request.app[METRICS]
    await metrics.refresh_outbox(request.app[RUNTIME].db)
    return web.Response(body=metrics.render(), headers={"Content-Type": CONTENT_TYPE_LATEST})

"""The dispatcher: due outbox rows to their channel's transport or to subscribers.

Claiming: one statement moves a batch of due PENDING rows onto a lease
(``available_at`` = now + lease, ``attempts`` + 1). On PostgreSQL the batch
is selected ``FOR UPDATE SKIP LOCKED``, so concurrent drainers take disjoint
rows; on SQLite the writer transaction (``BEGIN IMMEDIATE``) serialises the
claim. A claimed row is invisible to other drainers until its lease ends, and
its outcome is written only if the claim is still ours (same ``attempts``), so
concurrent drainers never send a row twice. A drainer that dies mid-send leaves
the row to be retried once the lease ends: delivery is at least once across
crashes, exactly once otherwise.

Messages are rendered at send time for the row's locale. Events run their
subscribers inside one unit of work (system actor of the row's garage) that
also marks the row done, so a subscriber's writes and the "done" commit together.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import CursorResult, select, update

from garagebot.core.actor import Actor
from garagebot.core.dispatch.registry import (
    DispatchPolicy,
    DomainEvent,
    DrainReport,
    Renderer,
    Subscribers,
    Transports,
)
from garagebot.core.enums import Channel, OutboxKind, OutboxStatus
from garagebot.core.ids import OrgId
from garagebot.core.models import OutboxRow
from garagebot.core.ports import OutboundMessage, PermanentSendError, TransientSendError
from garagebot.core.uow import Database

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Claim:
    id: int
    organization_id: int
    kind: str
    topic: str
    channel: str | None
    recipient: str | None
    locale: str | None
    payload: Mapping[str, object]
    attempts: int
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class _Outcome:
    status: OutboxStatus
    report: DrainReport
    values: Mapping[str, object] = field(default_factory=dict)


class Dispatcher:
    """Drains due outbox rows. Safe to run in several processes at once."""

    def __init__(
        self,
        db: Database,
        renderer: Renderer,
        transports: Transports,
        subscribers: Subscribers,
        *,
        policy: DispatchPolicy | None = None,
        default_locale: str = "en",
    ) -> None:
        self.db = db
        self.renderer = renderer
        self.transports = transports
        self.subscribers = subscribers
        self.policy = policy or DispatchPolicy()
        self.default_locale = default_locale

    async def drain(self, *, max_batches: int = 1000) -> DrainReport:
        """Handle due rows batch after batch until none is due (or ``max_batches``)."""
        total = DrainReport()
        for _ in range(max_batches):
            batch = await self.drain_batch()
            total += batch
            if batch.handled == 0:
                break
        return total

    async def drain_batch(self) -> DrainReport:
        report = DrainReport()
        for claim in await self._claim():
            if claim.kind == OutboxKind.EVENT:
                report += await self._run_event(claim)
            else:
                report += await self._send(claim)
        return report

    async def _claim(self) -> list[_Claim]:
        now = self.db.clock.now()
        due = (
            select(OutboxRow.id)
            .where(OutboxRow.status == OutboxStatus.PENDING.value, OutboxRow.available_at <= now)
            .order_by(OutboxRow.available_at, OutboxRow.id)
            .limit(self.policy.batch_size)
            .with_for_update(skip_locked=True)
        )
        cols = (OutboxRow.id, OutboxRow.organization_id, OutboxRow.kind, OutboxRow.topic,
                OutboxRow.channel, OutboxRow.recipient, OutboxRow.locale, OutboxRow.payload,
                OutboxRow.attempts, OutboxRow.created_at)
        stmt = (
            update(OutboxRow)
            .where(OutboxRow.id.in_(due.scalar_subquery()))
            .values(attempts=OutboxRow.attempts + 1, available_at=now + self.policy.lease)
            .returning(*cols)
        )
        async with self.db.raw_transaction() as session:
            rows = (await session.execute(stmt)).all()
        return sorted((_Claim(*row) for row in rows), key=lambda c: c.id)

    async def _send(self, claim: _Claim) -> DrainReport:
        outcome = await self._attempt_send(claim)
        await self._finish(claim, outcome.status, outcome.values)
        return outcome.report

    async def _attempt_send(self, claim: _Claim) -> _Outcome:
        if claim.attempts > self.policy.max_attempts:
            return self._failed("too many attempts")
        try:
            message = self._render(claim)
        except (KeyError, TypeError, ValueError) as exc:
            return self._failed(f"cannot render: {exc!r}")
        values: dict[str, object] = {"rendered_text": message.text}
        try:
            result = await self.transports.get(message.channel).send(message)
        except PermanentSendError as exc:
            return self._failed(str(exc) or type(exc).__name__, values)
        except TransientSendError as exc:
            return self._retry_or_fail(claim, str(exc), exc.retry_after_seconds, values)
        except Exception as exc:  # a transport bug must not stop the drainer; retried like a hiccup
            log.exception("transport for %s failed on outbox row %s", message.channel, claim.id)
            return self._retry_or_fail(claim, repr(exc), None, values)
        values.update(provider_message_id=result.provider_message_id,
                      sent_at=self.db.clock.now(), error=None)
        return _Outcome(OutboxStatus.SENT, DrainReport(sent=1), values)

    def _render(self, claim: _Claim) -> OutboundMessage:
        payload = claim.payload
        locale = claim.locale or self.default_locale
        if claim.channel is None or claim.recipient is None:
            raise ValueError("message row without channel or recipient")
        params = cast(Mapping[str, object], payload.get("params") or {})
        text = self.renderer.render(locale, str(payload["key"]), params)
        raw_choices = cast(Sequence[Mapping[str, Any]], payload.get("choices") or [])
        choices = tuple(
            (str(c["id"]), self.renderer.render(locale, str(c["key"]), c.get("params") or {}))
            for c in raw_choices
        )
        media = tuple(str(m) for m in cast(Sequence[object], payload.get("media") or []))
        return OutboundMessage(
            outbox_id=claim.id, organization_id=claim.organization_id,
            channel=Channel(claim.channel), recipient=claim.recipient, locale=locale,
            text=text, choices=choices, media_keys=media,
        )

    def _failed(self, error: str, values: Mapping[str, object] | None = None) -> _Outcome:
        return _Outcome(OutboxStatus.FAILED, DrainReport(failed=1), {**(values or {}), "error": error})

    def _retry_or_fail(
        self, claim: _Claim, error: str, retry_after: float | None, values: Mapping[str, object]
    ) -> _Outcome:
        if claim.attempts >= self.policy.max_attempts:
            return self._failed(f"gave up after {claim.attempts} attempts: {error}", values)
        when = self.db.clock.now() + self.policy.retry_delay(claim.attempts, retry_after)
        return _Outcome(OutboxStatus.PENDING, DrainReport(retried=1),
                        {**values, "error": error, "available_at": when})

    async def _finish(self, claim: _Claim, status: OutboxStatus, values: Mapping[str, object]) -> None:
        async with self.db.raw_transaction() as session:
            result = await session.execute(self._still_ours(claim).values(status=status.value, **values))
        if cast(CursorResult[Any], result).rowcount == 0:
            log.warning("outbox row %s: lease lost before its outcome was stored", claim.id)

    @staticmethod
    def _still_ours(claim: _Claim) -> Any:
        return update(OutboxRow).where(
            OutboxRow.id == claim.id,
            OutboxRow.status == OutboxStatus.PENDING.value,
            OutboxRow.attempts == claim.attempts,
        )

    async def _run_event(self, claim: _Claim) -> DrainReport:
        event = DomainEvent(claim.id, OrgId(claim.organization_id), claim.topic,
                            claim.payload, claim.created_at)
        try:
            async with self.db.unit_of_work(Actor.system(event.organization_id)) as uow:
                for handler in self.subscribers.handlers_for(claim.topic):
                    await handler(uow, event)
                done = await uow.session.execute(
                    self._still_ours(claim).values(status=OutboxStatus.DONE.value, error=None)
                )
                if cast(CursorResult[Any], done).rowcount == 0:
                    raise _LeaseLost
        except _LeaseLost:
            log.warning("outbox event %s: lease lost; its handlers' work was rolled back", claim.id)
            return DrainReport()
        except Exception as exc:  # one logged catch-all: the event is retried, then failed
            log.exception("subscriber of %s failed on outbox row %s", claim.topic, claim.id)
            outcome = self._retry_or_fail(claim, repr(exc), None, {})
            await self._finish(claim, outcome.status, outcome.values)
            return outcome.report
        return DrainReport(events=1)


class _LeaseLost(Exception):
    """Another drainer took the row over; roll this attempt back."""

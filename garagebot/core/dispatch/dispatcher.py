"""The dispatcher: due outbox rows to their channel's transport or to subscribers.

Claiming is per row, when a send slot is free for it: one statement moves up
to the free slots' worth of due PENDING rows onto a short lease
(``available_at`` = now + lease, ``attempts`` + 1, ``claimed_by`` = this
drainer), replies before bulk notices (``priority``), then oldest first, and
at most ``policy.per_lane`` rows of one garage's channel per claim; a channel
that already holds ``per_lane`` rows in this drainer is passed over. The
statement walks only the next few due rows in the index's order (never the
whole backlog), so a claim costs the same with ten rows due or a million. On
PostgreSQL the rows are selected ``FOR UPDATE SKIP LOCKED``, so concurrent
drainers take disjoint rows; on SQLite the writer transaction (``BEGIN
IMMEDIATE``) serialises the claim. Up to ``policy.concurrency`` rows are in
flight at once, one at a time per chat and events one at a time per garage
(in claim order), and each row's
outcome is written as soon as its provider answers,
and only if the claim is still ours (same ``attempts``), so concurrent drainers
never send a row twice. A drainer that dies leaves only its in-flight rows, to
be retried when their lease ends (seconds); every other row is claimed by the
next drainer at once. A message is therefore sent twice only when the provider
call itself was in flight at the crash (or its answer could not be stored
within the lease). A row that already has a provider id is not sent again.

Messages are rendered at send time for the row's locale. Events run their
subscribers inside one unit of work (system actor of the row's garage) that
also marks the row done, so a subscriber's writes and the "done" commit together.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Callable
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, tuple_, update

from garagebot.core.actor import Actor
from garagebot.core.dispatch import outcome as oc
from garagebot.core.dispatch.finisher import Finisher
from garagebot.core.dispatch.registry import (
    DispatchPolicy,
    DomainEvent,
    DrainReport,
    Renderer,
    Subscribers,
    Transports,
)
from garagebot.core.enums import OutboxKind, OutboxStatus
from garagebot.core.ids import OrgId
from garagebot.core.models import OutboxRow
from garagebot.core.ports import PermanentSendError, SendDeferred, TransientSendError
from garagebot.core.telemetry import NULL_TELEMETRY, Telemetry
from garagebot.core.uow import Database

log = logging.getLogger(__name__)

# While rows are in flight, look for new due rows at least this often (a reply
# queued meanwhile waits for a free slot, not for the slowest send).
CLAIM_TICK_SECONDS = 0.1


def _never() -> bool:
    return False


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:64]


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
        worker_id: str | None = None,
        telemetry: Telemetry = NULL_TELEMETRY,
    ) -> None:
        self.db = db
        self.renderer = renderer
        self.transports = transports
        self.subscribers = subscribers
        self.policy = policy or DispatchPolicy()
        self.default_locale = default_locale
        self.worker_id = worker_id or default_worker_id()
        self.telemetry = telemetry
        self._finisher = Finisher(db, self.policy.lease.total_seconds())
        self._lanes: dict[tuple[str | None, str | None], asyncio.Lock] = {}
        self._held: dict[tuple[int, str | None], int] = {}  # rows claimed here, per garage channel

    async def drain(self, *, stopping: Callable[[], bool] = _never) -> DrainReport:
        """Handle due rows, ``policy.concurrency`` at once, until none is due (or
        ``stopping()``); rows already in flight are finished before it returns.

        A claim is made when a quarter of the slots is free, or every
        ``CLAIM_TICK_SECONDS`` while sends are in flight (so a reply queued
        meanwhile waits a tick, not for the slowest send)."""
        running: set[asyncio.Task[DrainReport]] = set()
        total = DrainReport()
        refill = max(1, min(self.policy.batch_size, self.policy.concurrency // 4))
        reserved = self.policy.concurrency // 8
        loop = asyncio.get_running_loop()
        try:
            while True:
                # The last slots are kept for replies: bulk notices never hold them all.
                room = 0 if stopping() else self.policy.concurrency - len(running)
                replies_only = room <= reserved
                wanted = min(room, self.policy.batch_size) if replies_only else min(
                    room - reserved, self.policy.batch_size)
                claims = await self._claim(wanted, replies_only=replies_only) if wanted > 0 else []
                running.update(asyncio.create_task(self._handle(c)) for c in claims)
                if not running:
                    return total
                full = bool(claims) and len(claims) == wanted
                if full and len(running) < self.policy.concurrency - reserved:
                    continue  # more may be due: fill the free slots first
                # All slots busy: until a quarter is free. Nothing more due: a tick.
                deadline = loop.time() + CLAIM_TICK_SECONDS
                while running and (left := deadline - loop.time()) > 0:
                    done, running = await asyncio.wait(
                        running, timeout=left, return_when=asyncio.FIRST_COMPLETED)
                    for task in done:
                        total += task.result()
                    if full and self.policy.concurrency - len(running) >= refill:
                        break
        finally:
            if running:  # an error above: let the sends in flight store their outcome
                await asyncio.gather(*running, return_exceptions=True)

    async def drain_batch(self) -> DrainReport:
        """Claim one batch of due rows and handle them (concurrently)."""
        claims = await self._claim(self.policy.batch_size)
        reports = await asyncio.gather(*(self._handle(c) for c in claims))
        return sum(reports, DrainReport())

    async def _claim(self, limit: int, *, replies_only: bool = False) -> list[oc.Claim]:
        now = self.db.clock.now()
        pending = [OutboxRow.status == OutboxStatus.PENDING.value, OutboxRow.available_at <= now,
                   *((OutboxRow.priority == 0,) if replies_only else ())]
        # Fair across garages: lanes (a garage's channel) holding ``per_lane`` rows here
        # already are passed over, and a claim takes at most ``per_lane`` of one lane,
        # so one garage's backlog (paced by its own number) never fills the slots.
        full = [lane for lane, n in self._held.items() if n >= self.policy.per_lane]
        if full:
            pending.append(tuple_(OutboxRow.organization_id, OutboxRow.channel).not_in(full))
        order = (OutboxRow.priority, OutboxRow.available_at, OutboxRow.id)
        # The next due rows in the index's order (a short walk, however long the
        # backlog), then ranked within their lane: only that short list is sorted.
        first = select(OutboxRow.id, OutboxRow.organization_id, OutboxRow.channel,
                       OutboxRow.priority, OutboxRow.available_at).where(*pending) \
            .order_by(*order).limit(limit * 4).subquery()
        ranked = select(first.c.id, func.row_number().over(
            partition_by=(first.c.organization_id, first.c.channel),
            order_by=(first.c.priority, first.c.available_at, first.c.id),
        ).label("rank")).subquery()
        fair = select(ranked.c.id).where(ranked.c.rank <= self.policy.per_lane)
        due = (
            select(OutboxRow.id)
            .where(OutboxRow.id.in_(fair), *pending)
            .order_by(*order)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        stmt = (
            update(OutboxRow)
            .where(OutboxRow.id.in_(due.scalar_subquery()))
            .values(attempts=OutboxRow.attempts + 1, available_at=now + self.policy.lease,
                    claimed_by=self.worker_id)
            .returning(*(getattr(OutboxRow, c) for c in oc.CLAIM_COLUMNS))
        )
        async with self.db.raw_transaction() as session:
            rows = (await session.execute(stmt)).all()
        claims = sorted((oc.Claim(*row) for row in rows), key=lambda c: c.id)
        for c in claims:  # held until ``_handle`` is done with it
            self._held[(c.organization_id, c.channel)] = self._held.get((c.organization_id, c.channel), 0) + 1
        return claims

    async def _handle(self, claim: oc.Claim) -> DrainReport:
        lane = (claim.organization_id, claim.channel)  # counted in by ``_claim``
        try:
            return await self._handle_in_order(claim)
        finally:
            if (left := self._held[lane] - 1) > 0:
                self._held[lane] = left
            else:
                del self._held[lane]

    async def _handle_in_order(self, claim: oc.Claim) -> DrainReport:
        # One message at a time per chat, and one event at a time per garage, in
        # the order claimed (asyncio locks are FIFO).
        if claim.kind == OutboxKind.EVENT:
            key: tuple[str | None, str | None] = ("event", str(claim.organization_id))
        else:
            key = (claim.channel, claim.recipient)
        lock = self._lanes.setdefault(key, asyncio.Lock())
        try:
            async with lock:
                return await self._handle_now(claim)
        finally:
            if not lock.locked() and self._lanes.get(key) is lock:
                del self._lanes[key]

    async def _handle_now(self, claim: oc.Claim) -> DrainReport:
        if claim.kind == OutboxKind.EVENT:
            report = await self._run_event(claim)
        else:
            outcome = await self._attempt_send(claim)
            await self._finish(claim, outcome)
            report = outcome.report
        if report.retried:  # put back to be tried again (a pacing deferral is not a retry)
            self.telemetry.retried(claim.channel or "event")
        return report

    async def _attempt_send(self, claim: oc.Claim) -> oc.Outcome:
        now = self.db.clock.now
        if claim.provider_message_id:  # the provider has it already: never send again
            return oc.sent(claim.provider_message_id, now(), {})
        if claim.attempts > self.policy.max_attempts:
            return oc.failed("too many attempts")
        try:
            message = oc.render(claim, self.renderer, self.default_locale)
        except (KeyError, TypeError, ValueError) as exc:
            return oc.failed(f"cannot render: {exc!r}")
        values: dict[str, object] = {"rendered_text": message.text}
        try:
            result = await self.transports.get(message.channel).send(message)
        except PermanentSendError as exc:
            return oc.failed(str(exc) or type(exc).__name__, values)
        except SendDeferred as exc:
            return oc.deferred(claim, now(), exc.retry_after_seconds)
        except TransientSendError as exc:
            return oc.retry_or_fail(self.policy, claim, now(), str(exc), exc.retry_after_seconds,
                                    values)
        except Exception as exc:  # a transport bug must not stop the drainer; retried like a hiccup
            log.exception("transport for %s failed on outbox row %s", message.channel, claim.id)
            return oc.retry_or_fail(self.policy, claim, now(), repr(exc), None, values)
        return oc.sent(result.provider_message_id, now(), values)

    async def _finish(self, claim: oc.Claim, outcome: oc.Outcome) -> None:
        """Store the outcome (in a batch with the others arriving meanwhile)."""
        await self._finisher.store(claim, outcome)

    @staticmethod
    def _still_ours(claim: oc.Claim) -> Any:
        return update(OutboxRow).where(
            OutboxRow.id == claim.id,
            OutboxRow.status == OutboxStatus.PENDING.value,
            OutboxRow.attempts == claim.attempts,
        )

    async def _run_event(self, claim: oc.Claim) -> DrainReport:
        event = DomainEvent(claim.id, OrgId(claim.organization_id), claim.topic,
                            claim.payload, claim.created_at)
        try:
            async with self.db.unit_of_work(Actor.system(event.organization_id)) as uow:
                for handler in self.subscribers.handlers_for(claim.topic):
                    await handler(uow, event)
                done = await uow.session.execute(self._still_ours(claim).values(
                    status=OutboxStatus.DONE.value, error=None, claimed_by=None))
                if cast(CursorResult[Any], done).rowcount == 0:
                    raise _LeaseLost
        except _LeaseLost:
            log.warning("outbox event %s: lease lost; its handlers' work was rolled back", claim.id)
            return DrainReport()
        except Exception as exc:  # one logged catch-all: the event is retried, then failed
            log.exception("subscriber of %s failed on outbox row %s", claim.topic, claim.id)
            outcome = oc.retry_or_fail(self.policy, claim, self.db.clock.now(), repr(exc), None, {})
            await self._finish(claim, outcome)
            return outcome.report
        return DrainReport(events=1)


class _LeaseLost(Exception):
    """Another drainer took the row over; roll this attempt back."""

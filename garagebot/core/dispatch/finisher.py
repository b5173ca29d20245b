"""Storing send outcomes in batches: the outcomes that arrive while one batch
is being written go together in the next transaction, one executemany per
kind of outcome, so a burst of sends costs a few commits, not one each.

An outcome is stored only if the claim is still its drainer's (same
``attempts``, still PENDING). While the database is away the batch is retried
within the lease: the provider has the messages, and storing their ids is
what prevents sending them again."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from typing import cast

from sqlalchemy import Table, bindparam

from garagebot.core.dispatch.outcome import Claim, Outcome
from garagebot.core.enums import OutboxStatus
from garagebot.core.models import OutboxRow
from garagebot.core.uow import Database

log = logging.getLogger(__name__)

_Item = tuple[Claim, Outcome, "asyncio.Future[None]"]
_TABLE = cast(Table, OutboxRow.__table__)


class Finisher:
    def __init__(self, db: Database, retry_seconds: float) -> None:
        self.db = db
        self.retry_seconds = retry_seconds
        self._waiting: list[_Item] = []
        self._writer: asyncio.Task[None] | None = None

    async def store(self, claim: Claim, outcome: Outcome) -> None:
        """Store ``outcome`` with the next batch; returns once it is committed."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((claim, outcome, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_all())
        await done

    async def _write_all(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                await self._write_retrying(batch)
            except BaseException as exc:
                for _, _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
                if not isinstance(exc, Exception):
                    raise
                continue
            for _, _, done in batch:
                if not done.done():
                    done.set_result(None)

    async def _write_retrying(self, batch: Sequence[_Item]) -> None:
        deadline = time.monotonic() + self.retry_seconds
        pause = 0.1
        while True:
            try:
                await self._write(batch)
                return
            except Exception as exc:  # whatever a lost connection raises: retried within the lease
                if time.monotonic() + pause > deadline:
                    raise
                log.warning("storing %d outbox outcomes failed (%r); retrying", len(batch), exc)
                await asyncio.sleep(pause)
                pause = min(pause * 2, 2.0)

    async def _write(self, batch: Sequence[_Item]) -> None:
        groups: dict[tuple[str, ...], list[dict[str, object]]] = {}
        for claim, outcome, _ in batch:
            values = {"status": outcome.status.value, "claimed_by": None, **outcome.values}
            row = {f"v_{k}": v for k, v in values.items()}
            row.update(b_id=claim.id, b_attempts=claim.attempts)
            groups.setdefault(tuple(sorted(values)), []).append(row)
        async with self.db.raw_transaction() as session:
            conn = await session.connection()
            for columns, rows in groups.items():
                stmt = (_TABLE.update()
                        .where(_TABLE.c.id == bindparam("b_id"),
                               _TABLE.c.status == OutboxStatus.PENDING.value,
                               _TABLE.c.attempts == bindparam("b_attempts"))
                        .values({c: bindparam(f"v_{c}") for c in columns}))
                await conn.execute(stmt, rows)

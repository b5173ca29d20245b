"""Group commit: the chat messages waiting at one moment, run in one transaction.

Each message processed in its own transaction pays for its own BEGIN, its
own statements (record the delivery, load the chat, save it, queue the
replies) and its own COMMIT. Under load most of a message's cost is those
round trips and the session around them, not the conversation step. So the
engines hand their messages to a ``GroupCommit``: a message waits while
``max_running`` groups are running; as soon as one finishes, the messages
that waited meanwhile (up to ``max_size``) run as the next group. With one
message at a time a group is that one message, with no added wait; under
load groups grow by themselves, and each statement is sent once per group
with every message's row in it.

A chat (``key``) is never in two groups at once, nor twice in one group:
its second message waits for the group of its first. That keeps the
optimistic version check of a group from failing against itself; another
process can still save the chat first, and then the engine falls back to
one transaction per message (``Engine`` and ``ClientEngine`` say how).

``run`` gets the group's items and returns one result or exception per
item, in order. An exception raised by ``run`` itself is every item's.

With ``key`` None there is no exclusion: plain lookups on a hot path (the
garage a message was sent to) wait the same way and go as one statement.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class GroupConfig:
    """How many messages a group takes at most, and how many groups run at
    once (each holds a database connection while it runs)."""

    max_size: int = 64
    max_running: int = 2


class GroupCommit(Generic[T, R]):
    def __init__(self, run: Callable[[Sequence[T]], Awaitable[Sequence[R | BaseException]]],
                 key: Callable[[T], Hashable] | None, config: GroupConfig | None = None) -> None:
        self._run = run
        self._key = key
        self.config = config or GroupConfig()
        self._waiting: deque[tuple[T, asyncio.Future[R]]] = deque()
        self._busy: set[Hashable] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        # What has run (read by tests): how many groups, how many items, the largest group.
        self.groups_run = 0
        self.items_run = 0
        self.largest = 0

    async def submit(self, item: T) -> R:
        """Run ``item`` in the next group it fits; its result, or its exception raised."""
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        self._start_groups()
        return await future

    def _start_groups(self) -> None:
        while len(self._tasks) < self.config.max_running:
            group = self._take()
            if not group:
                return
            task = asyncio.create_task(self._run_group(group))
            self._tasks.add(task)

    def _take(self) -> list[tuple[T, asyncio.Future[R]]]:
        """The waiting items the next group takes, oldest first: at most
        ``max_size``, one per chat, no chat of a running group."""
        group: list[tuple[T, asyncio.Future[R]]] = []
        left: list[tuple[T, asyncio.Future[R]]] = []
        while self._waiting and len(group) < self.config.max_size:
            item, future = self._waiting.popleft()
            if future.done():  # its caller gave up (cancelled) before it ran
                continue
            if self._key is None:
                group.append((item, future))
                continue
            key = self._key(item)
            if key in self._busy:
                left.append((item, future))
                continue
            self._busy.add(key)
            group.append((item, future))
        self._waiting.extendleft(reversed(left))
        return group

    async def _run_group(self, group: list[tuple[T, asyncio.Future[R]]]) -> None:
        results: Sequence[R | BaseException]
        try:
            self.groups_run += 1
            self.items_run += len(group)
            self.largest = max(self.largest, len(group))
            try:
                results = await self._run([item for item, _ in group])
            except Exception as exc:  # handed to every caller of the group
                results = [exc] * len(group)
            if len(results) != len(group):
                raise RuntimeError(f"a group of {len(group)} got {len(results)} results")
            for (_, future), result in zip(group, results, strict=True):
                if future.done():
                    continue
                if isinstance(result, BaseException):
                    future.set_exception(result)
                else:
                    future.set_result(result)
        finally:
            for item, future in group:
                if self._key is not None:
                    self._busy.discard(self._key(item))
                if not future.done():  # cancelled, or the group failed unexpectedly
                    future.set_exception(RuntimeError("the message's group did not finish"))
            self._tasks.discard(asyncio.current_task())
            self._start_groups()


GROUP_ATTEMPTS = 4  # then whatever is left of a group runs message by message


class GroupConflict(Exception):
    """Another process saved chats of the group since the group loaded them:
    the messages at ``positions``."""

    def __init__(self, positions: Sequence[int]) -> None:
        super().__init__(positions)
        self.positions = list(positions)


class TurnRerun(Exception):
    """The turn of the message at ``position`` raised the engine's ``Rerun``
    (refused, failed); ``replay`` is what it learned."""

    def __init__(self, position: int, replay: object) -> None:
        super().__init__(position)
        self.position = position
        self.replay = replay


async def commit_or_split(
    positions: Sequence[int],
    attempt: Callable[[list[int]], Awaitable[tuple[dict[int, R], list[int]]]],
    alone: Callable[[int, object], Awaitable[R]],
) -> dict[int, R | BaseException]:
    """An engine's group, by position: ``attempt(positions)`` runs them in one
    transaction and returns the results it committed and the positions it
    left to run alone (strangers, links, deliveries seen before). When a turn
    raises ``TurnRerun`` the transaction is gone: that message runs alone,
    handed what its turn learned (``alone(position, replay)``: a refusal is
    answered without running its step again), and the others are attempted
    again as a group. On ``GroupConflict`` the messages whose chats another
    process saved first run alone (the engine's own path reruns them on the
    fresh state) and the others are attempted again as a group. On any other
    error every message left runs alone."""
    results: dict[int, R | BaseException] = {}
    replays: dict[int, object] = {}
    grouped, solo = list(positions), []
    for _ in range(GROUP_ATTEMPTS):
        if not grouped:
            break
        try:
            done, more_solo = await attempt(grouped)
        except TurnRerun as rerun:
            grouped.remove(rerun.position)
            solo.append(rerun.position)
            replays[rerun.position] = rerun.replay
            continue
        except GroupConflict as conflict:
            lost = [p for p in conflict.positions if p in grouped]
            if not lost:  # nothing to take out: no point in the same group again
                break
            for p in lost:
                grouped.remove(p)
            solo += lost
            continue
        except Exception:  # logged; each message then runs alone, and fails there if it must
            log.warning("a group of %d chat messages failed; running each alone", len(grouped), exc_info=True)
            break
        results.update(done)
        solo += more_solo
        grouped = []
    solo += grouped
    outcomes = await asyncio.gather(*(alone(p, replays.get(p)) for p in solo), return_exceptions=True)
    results.update(zip(solo, outcomes, strict=True))
    return results

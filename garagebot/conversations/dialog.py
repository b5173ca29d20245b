"""One turn of a conversation: from the stored position and a message to the
new position and the replies, without persistence (the engine saves).

The conversation's ``data`` column holds ``{"d": flow data, "h": back-stack,
"pg": the last paginated reply}``. Order of a turn: an idle conversation is
put back at the menu; then a global command, if the message is one; else the
current state's step. Moving to a state shows its prompt after the step's
replies; long choice lists are paginated.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import cast

from garagebot.conversations import paging
from garagebot.conversations.commands import Command, GlobalCommand, detect
from garagebot.conversations.router import (
    MENU_FLOW,
    MENU_STATE,
    Registry,
    StaffMember,
    Step,
    StepContext,
    Target,
)
from garagebot.conversations.store import ConversationState
from garagebot.conversations.types import Inbound, MediaSources, Reply
from garagebot.core.errors import DomainError
from garagebot.core.jsonable import JsonValue
from garagebot.core.permissions import allowed
from garagebot.core.uow import UnitOfWork

log = logging.getLogger(__name__)

LANGUAGE_FLOW = "language"


@dataclass(frozen=True, slots=True)
class DialogConfig:
    """Tunables: idle time before the menu, back-stack depth, choices per page."""

    idle_timeout: dt.timedelta = dt.timedelta(minutes=30)
    history_depth: int = 8
    page_size: int = 8


@dataclass(frozen=True, slots=True)
class Position:
    flow: str
    state: str
    data: Mapping[str, JsonValue] = field(default_factory=dict)
    history: tuple[Mapping[str, JsonValue], ...] = ()
    paged: Mapping[str, JsonValue] | None = None

    def blob(self) -> dict[str, JsonValue]:
        out: dict[str, JsonValue] = {"d": dict(self.data), "h": [dict(h) for h in self.history]}
        if self.paged is not None:
            out["pg"] = dict(self.paged)
        return out

    def frame(self) -> dict[str, JsonValue]:
        return {"flow": self.flow, "state": self.state, "data": dict(self.data)}


MENU_POSITION = Position(MENU_FLOW, MENU_STATE)


def position_of(conv: ConversationState) -> Position:
    blob = conv.data
    history = cast(list[Mapping[str, JsonValue]], blob.get("h") or [])
    paged = cast(Mapping[str, JsonValue] | None, blob.get("pg"))
    data = cast(Mapping[str, JsonValue], blob.get("d") or {})
    return Position(conv.flow, conv.state, data, tuple(history), paged)


@dataclass(frozen=True, slots=True)
class Refusal:
    """A step that raised a DomainError at (``flow``, ``state``): its writes must
    be undone and ``step`` (the refusal as the reply) taken instead."""

    flow: str
    state: str
    step: Step


class StepRefused(Exception):
    """Raised by a turn whose step refused. The caller rolls the whole attempt
    back and runs the turn again with the refusal (``run_turn(refused=…)``),
    which then stands in for the step: no savepoint per step is needed."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.flow, refusal.state)
        self.refusal = refusal


@dataclass(frozen=True, slots=True)
class Turn:
    position: Position
    replies: tuple[Reply, ...]


class Dialog:
    """Runs turns against a registry of flows."""

    def __init__(self, registry: Registry, config: DialogConfig | None = None,
                 media: MediaSources | None = None) -> None:
        self.registry = registry
        self.config = config or DialogConfig()
        self.media = media or MediaSources()

    async def run_turn(self, uow: UnitOfWork, me: StaffMember, msg: Inbound,
                       conv: ConversationState, *, refused: Refusal | None = None) -> Turn:
        """The turn for ``msg``; raises ``StepRefused`` when the state's step
        refuses, unless ``refused`` is that refusal, replayed after the rollback."""
        pos = position_of(conv)
        if pos.flow != MENU_FLOW and uow.now - conv.updated_at > self.config.idle_timeout:
            pos = MENU_POSITION  # idle: start afresh from the menu, then read the message there
        pos = self._known(pos)
        if not self.registry.allows(pos.flow, me.role):
            pos = MENU_POSITION  # the sender's role may not be here (any more): read it at the menu
        opened = self._opened(me, msg)
        if opened is not None:
            return await self._apply(uow, me, msg, pos, opened)
        command = detect(msg)
        if command is not None:
            return await self._command(uow, me, msg, pos, command)
        step = await self._step(uow, me, msg, pos, refused)
        return await self._apply(uow, me, msg, pos, step)

    def _opened(self, me: StaffMember, msg: Inbound) -> Step | None:
        """The step of a notification's button ``o:<kind>:<id>`` (``Registry.add_opener``)."""
        kind, _, tail = (msg.choice or "").removeprefix("o:").partition(":")
        opener = self.registry.openers.get(kind) if (msg.choice or "").startswith("o:") else None
        if opener is None or not tail.isdigit():
            return None
        if not allowed(me.role, opener.permission):
            return Step(replies=(Reply("floor.open_not_allowed"),), goto=Target(MENU_FLOW, MENU_STATE))
        return Step(goto=Target(opener.flow, opener.state), data=opener.data(int(tail)))

    async def prompt(self, uow: UnitOfWork, me: StaffMember, msg: Inbound, pos: Position) -> Turn:
        """The turn that shows ``pos`` (paginated)."""
        return await self._finish(uow, me, msg, pos, ())

    def _known(self, pos: Position) -> Position:
        flow = self.registry.flow(pos.flow)
        if flow.name != pos.flow:
            return MENU_POSITION
        return pos if flow.known(pos.state) == pos.state else replace(pos, state=flow.entry, data={})

    def _ctx(self, uow: UnitOfWork, me: StaffMember, msg: Inbound, pos: Position) -> StepContext:
        return StepContext(uow, me, msg, pos.flow, pos.state, pos.data, self.registry, self.media)

    async def _step(self, uow: UnitOfWork, me: StaffMember, msg: Inbound, pos: Position,
                    refused: Refusal | None) -> Step:
        """The state's step. A DomainError it raises becomes ``StepRefused``:
        its writes are rolled back with the attempt, and on the rerun the
        refusal is the step's result (the chat stays where it was)."""
        if refused is not None and (refused.flow, refused.state) == (pos.flow, pos.state):
            return refused.step
        spec = self.registry.flow(pos.flow).spec(pos.state)
        try:
            return await spec.handle(self._ctx(uow, me, msg, pos))
        except DomainError as exc:
            step = Step(replies=(Reply(exc.key, dict(exc.params)),))
            raise StepRefused(Refusal(pos.flow, pos.state, step)) from exc

    async def _apply(self, uow: UnitOfWork, me: StaffMember, msg: Inbound, pos: Position,
                     step: Step) -> Turn:
        if step.goto is None:
            data = pos.data if step.data is None else step.data
            new = replace(pos, data=data)
            if step.reprompt:
                return await self._finish(uow, me, msg, new, step.replies)
            return self._paginate(new, step.replies)
        target = self.registry.flow(step.goto.flow)
        if not self.registry.allows(target.name, me.role):  # a button leading where the role may not go
            return await self._finish(uow, me, msg, MENU_POSITION, (*step.replies, Reply("bot.not_allowed")))
        state = target.known(step.goto.state)
        data = step.data if step.data is not None else (pos.data if target.name == pos.flow else {})
        history = pos.history
        if step.remember:
            history = (*pos.history, pos.frame())[-self.config.history_depth:]
        if target.name == MENU_FLOW:
            history = ()
        new = Position(target.name, state, data, history)
        return await self._finish(uow, me, msg, new, step.replies)

    async def _finish(self, uow: UnitOfWork, me: StaffMember, msg: Inbound, pos: Position,
                      before: Sequence[Reply]) -> Turn:
        spec = self.registry.flow(pos.flow).spec(pos.state)
        prompt = await spec.prompt(self._ctx(uow, me, msg, pos))
        return self._paginate(pos, (*before, *prompt))

    def _paginate(self, pos: Position, replies: Sequence[Reply]) -> Turn:
        size = self.config.page_size
        out: list[Reply] = []
        paged = pos.paged
        for reply in replies:
            if paging.needs_paging(reply, size):
                paged = paging.remember(reply)
                reply = paging.page_of(reply, 0, size, edit_message_id=reply.edit_message_id)
            out.append(reply)
        return Turn(replace(pos, paged=paged), tuple(out))

    async def _command(self, uow: UnitOfWork, me: StaffMember, msg: Inbound, pos: Position,
                       command: Command) -> Turn:
        kind = command.kind
        if kind is GlobalCommand.MENU:
            return await self.prompt(uow, me, msg, MENU_POSITION)
        if kind is GlobalCommand.CANCEL:
            said = () if pos.flow == MENU_FLOW else (Reply("bot.cancelled"),)
            return await self._finish(uow, me, msg, MENU_POSITION, said)
        if kind is GlobalCommand.BACK:
            return await self.prompt(uow, me, msg, self._back(pos))
        if kind is GlobalCommand.HELP:
            spec = self.registry.flow(pos.flow).spec(pos.state)
            return Turn(pos, (Reply(spec.help_key),))
        if kind is GlobalCommand.LANGUAGE:
            step = Step(goto=self._language_target())
            return await self._apply(uow, me, msg, pos, step)
        if pos.paged is None:  # PAGE without a paginated reply: show the state again
            return await self.prompt(uow, me, msg, pos)
        saved = paging.recall(pos.paged)
        page = paging.page_of(saved, command.page, self.config.page_size,
                              edit_message_id=msg.origin_message_id)
        return Turn(pos, (page,))

    def _back(self, pos: Position) -> Position:
        if not pos.history:
            return MENU_POSITION
        frame = pos.history[-1]
        data = cast(Mapping[str, JsonValue], frame.get("data") or {})
        back = Position(str(frame.get("flow")), str(frame.get("state")), data, pos.history[:-1])
        return self._known(back)

    def _language_target(self) -> Target:
        flow = self.registry.flow(LANGUAGE_FLOW)
        return Target(flow.name, flow.entry)

"""Flows as explicit state tables, and the registry the engine routes through.

A ``Flow`` is a name, an entry state and a table ``state → StateSpec``. A
state has a ``prompt`` (the replies that show it: asked on entry, after
"back", after a page turn) and a ``handle`` step that reads the message and
returns a ``Step``: replies, and where to go (nowhere = stay). Step functions
call core services with ``ctx.uow``; a DomainError they raise is turned into
a reply by the engine and their writes are rolled back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.conversations.types import Inbound, MediaRef, MediaSources, Reply
from garagebot.core.enums import Role
from garagebot.core.ids import OrgId, UserId
from garagebot.core.jsonable import JsonValue
from garagebot.core.permissions import Permission, allowed
from garagebot.core.ports import Choice
from garagebot.core.uow import UnitOfWork

MENU_FLOW = "menu"
MENU_STATE = "main"


@dataclass(frozen=True, slots=True)
class StaffMember:
    """The resolved sender when it is a member of staff."""

    org_id: OrgId
    user_id: UserId
    name: str
    role: Role
    locale: str


@dataclass(frozen=True, slots=True)
class Target:
    flow: str
    state: str


@dataclass(frozen=True, slots=True)
class Step:
    """The result of handling one message in a state.

    ``goto`` None stays in the state (``reprompt`` shows it again after the
    replies). ``data`` None keeps the flow's data (and starts empty in another
    flow). Moving pushes the current
    position onto the back-stack unless ``remember`` is False."""

    replies: tuple[Reply, ...] = ()
    goto: Target | None = None
    data: Mapping[str, JsonValue] | None = None
    remember: bool = True
    reprompt: bool = False


@dataclass(frozen=True, slots=True)
class StepContext:
    """Everything a step may look at. Writes go through ``uow`` services."""

    uow: UnitOfWork
    me: StaffMember
    msg: Inbound
    flow: str
    state: str
    data: Mapping[str, JsonValue]
    registry: Registry
    media: MediaSources = field(default_factory=MediaSources)

    @property
    def now(self) -> dt.datetime:
        return self.uow.now

    async def fetch(self, ref: MediaRef) -> bytes:
        """The bytes of a file attached to this message (from the channel's provider)."""
        return await self.media.fetch(self.msg.channel, ref, self.msg.provider)


PromptFn = Callable[[StepContext], Awaitable[tuple[Reply, ...]]]
HandleFn = Callable[[StepContext], Awaitable[Step]]


@dataclass(frozen=True, slots=True)
class StateSpec:
    prompt: PromptFn
    handle: HandleFn
    help_key: str = "bot.help"


@dataclass(frozen=True, slots=True)
class Flow:
    name: str
    entry: str
    states: Mapping[str, StateSpec]

    def spec(self, state: str) -> StateSpec:
        """The state's spec; a state this version does not know (renamed in a
        deploy) falls back to the entry state rather than failing the chat."""
        return self.states.get(state) or self.states[self.entry]

    def known(self, state: str) -> str:
        return state if state in self.states else self.entry


@dataclass(frozen=True, slots=True)
class MenuEntry:
    """A main-menu item: button ``label_key``, typed ``phrases`` (any language),
    the flow it opens, and who sees it (``permission`` None = everyone).
    ``unmatched``: for these roles, words the menu does not know are offered
    to the entry state of this flow ("done", "start 2", a plate typed at the
    menu), unless it answers ``not_understood_key`` too."""

    id: str
    label_key: str
    flow: str
    permission: Permission | None = None
    phrases: tuple[str, ...] = ()
    unmatched: frozenset[Role] = frozenset()
    not_understood_key: str = "bot.not_understood"

    @property
    def choice_id(self) -> str:
        return f"m:{self.id}"

    def visible_to(self, role: Role) -> bool:
        return self.permission is None or allowed(role, self.permission)


@dataclass(frozen=True, slots=True)
class Opener:
    """Where a notification's "open" button ``o:<kind>:<id>`` leads, in any
    state: the flow and state, the name of the id in the flow's data (None:
    the id is not used) and who may follow it."""

    kind: str
    flow: str
    state: str
    data_key: str | None
    permission: Permission

    def data(self, item_id: int) -> dict[str, JsonValue]:
        return {} if self.data_key is None else {self.data_key: item_id}


@dataclass(frozen=True, slots=True)
class Waiting:
    """A message of a chat group (``conversations.groups``) and where its chat
    is, before the group's turns run."""

    me: StaffMember
    msg: Inbound
    flow: str
    state: str


# What some turns of a chat group will read first, read for all of them in one
# statement before the turns run (``Registry.add_read_ahead``).
ReadAhead = Callable[[AsyncSession, Sequence[Waiting], dt.datetime], Awaitable[None]]


@dataclass(slots=True)
class Registry:
    """Flows by name, the main-menu entries and the flows' read-aheads, built
    once at start-up."""

    flows: dict[str, Flow] = field(default_factory=dict)
    menu: list[MenuEntry] = field(default_factory=list)
    read_aheads: list[ReadAhead] = field(default_factory=list)
    openers: dict[str, Opener] = field(default_factory=dict)

    def add_opener(self, opener: Opener) -> None:
        if opener.flow not in self.flows:
            raise ValueError(f"opener {opener.kind!r}: no flow {opener.flow!r}")
        self.openers[opener.kind] = opener

    def add_read_ahead(self, read_ahead: ReadAhead) -> None:
        """A flow's read for a chat group: it must keep what it reads for a
        turn that reads it *before changing anything* (a read after a change
        must see the change), and let every other turn read for itself."""
        self.read_aheads.append(read_ahead)

    def add_flow(self, flow: Flow) -> None:
        if flow.name in self.flows:
            raise ValueError(f"flow {flow.name!r} registered twice")
        if flow.entry not in flow.states:
            raise ValueError(f"flow {flow.name!r}: entry state {flow.entry!r} has no spec")
        self.flows[flow.name] = flow

    def add_menu_entry(self, entry: MenuEntry) -> None:
        if entry.flow not in self.flows:
            raise ValueError(f"menu entry {entry.id!r}: no flow {entry.flow!r}")
        self.menu.append(entry)

    def flow(self, name: str) -> Flow:
        """The named flow; an unknown one (removed in a deploy) is the menu."""
        return self.flows.get(name) or self.flows[MENU_FLOW]

    def menu_for(self, role: Role) -> Sequence[MenuEntry]:
        return [e for e in self.menu if e.visible_to(role)]

    def allows(self, flow: str, role: Role) -> bool:
        """Whether ``role`` may be in ``flow``: a flow the main menu opens
        needs one of its entries visible to the role; the others (the menu,
        the language) are for everyone. Checked on every turn, so a chat
        left in a flow by a role that has changed since, or a stored
        position the role never had, does not keep the flow's buttons."""
        gates = [e for e in self.menu if e.flow == flow]
        return not gates or any(e.visible_to(role) for e in gates)


def stay(*replies: Reply, data: Mapping[str, JsonValue] | None = None, reprompt: bool = False) -> Step:
    return Step(replies=replies, data=data, reprompt=reprompt)


def go(flow: str, state: str, *replies: Reply, data: Mapping[str, JsonValue] | None = None,
       remember: bool = True) -> Step:
    return Step(replies=replies, goto=Target(flow, state), data=data, remember=remember)


BACK = Choice("g:back", "bot.choice_back")
MENU = Choice("g:menu", "bot.choice_menu")

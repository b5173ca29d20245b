"""Small flows that exercise the engine: a counter, a long list, failing steps."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum

from garagebot.conversations.engine import Engine, EngineConfig
from garagebot.conversations.flows import base_registry
from garagebot.conversations.router import (
    BACK,
    Flow,
    MenuEntry,
    Registry,
    StateSpec,
    Step,
    StepContext,
    go,
    stay,
)
from garagebot.conversations.types import Handled, Reply
from garagebot.core.errors import InvalidInput
from garagebot.core.permissions import Permission
from garagebot.core.ports import Choice
from garagebot.core.uow import Database
from tests.conversations.chat import Chat


class CountState(StrEnum):
    COUNTING = "counting"
    ASKED = "asked"


@dataclass
class Hooks:
    """Test control over steps: ``before_count`` runs inside the counter's step."""

    before_count: Callable[[int], Awaitable[None]] | None = None
    runs: list[int] = field(default_factory=list)


def counter_flow(hooks: Hooks) -> Flow:
    async def prompt(ctx: StepContext) -> tuple[Reply, ...]:
        return (Reply("test.counting", {"n": int(str(ctx.data.get("n", 0)))}, (BACK,)),)

    async def handle(ctx: StepContext) -> Step:
        n = int(str(ctx.data.get("n", 0)))
        hooks.runs.append(n)
        if hooks.before_count is not None:
            await hooks.before_count(n)
        if ctx.msg.text == "ask":
            return go("counter", CountState.ASKED, data={"n": n})
        return stay(Reply("test.count", {"n": n + 1}), data={"n": n + 1})

    async def asked_prompt(ctx: StepContext) -> tuple[Reply, ...]:
        return (Reply("test.asked"),)

    async def asked(ctx: StepContext) -> Step:
        return stay(Reply("test.answer", {"text": ctx.msg.text}))

    return Flow("counter", CountState.COUNTING, {
        CountState.COUNTING: StateSpec(prompt, handle, help_key="test.help_counting"),
        CountState.ASKED: StateSpec(asked_prompt, asked),
    })


class FailState(StrEnum):
    READY = "ready"


def failing_flow() -> Flow:
    async def prompt(ctx: StepContext) -> tuple[Reply, ...]:
        return (Reply("test.failing_ready"),)

    async def handle(ctx: StepContext) -> Step:
        await ctx.uow.audit("test", 1, "half_done", after={"text": ctx.msg.text})
        if ctx.msg.text == "refuse":
            raise InvalidInput("error.link_code_invalid")
        raise RuntimeError("a bug in a step")

    return Flow("failing", FailState.READY, {FailState.READY: StateSpec(prompt, handle)})


class ListState(StrEnum):
    PICK = "pick"


def list_flow() -> Flow:
    async def prompt(ctx: StepContext) -> tuple[Reply, ...]:
        items = tuple(Choice(f"item:{i}", "test.item", {"i": i}) for i in range(1, 21))
        return (Reply("test.pick", {}, items),)

    async def handle(ctx: StepContext) -> Step:
        return stay(Reply("test.picked", {"choice": ctx.msg.choice or ""}))

    return Flow("list", ListState.PICK, {ListState.PICK: StateSpec(prompt, handle)})


def sample_registry(hooks: Hooks) -> Registry:
    registry = base_registry()
    registry.add_flow(counter_flow(hooks))
    registry.add_flow(failing_flow())
    registry.add_flow(list_flow())
    registry.add_menu_entry(MenuEntry("count", "test.menu_count", "counter", phrases=("count", "عد")))
    registry.add_menu_entry(MenuEntry("fail", "test.menu_fail", "failing", phrases=("fail",)))
    registry.add_menu_entry(MenuEntry("list", "test.menu_list", "list", phrases=("list",)))
    registry.add_menu_entry(
        MenuEntry("stock", "test.menu_stock", "list", permission=Permission.MANAGE_INVENTORY,
                  phrases=("stock",))
    )
    return registry


def sample_engine(db: Database, hooks: Hooks | None = None,
                  config: EngineConfig | None = None) -> Engine:
    return Engine(db, sample_registry(hooks or Hooks()), config=config)


async def wait_for(event: asyncio.Event) -> None:
    await asyncio.wait_for(event.wait(), timeout=10)


async def race(first: Chat, second: Chat, hooks: Hooks) -> Handled:
    """Two counts of one chat at once: ``first`` says "first", whose step,
    once it has loaded the chat, waits until ``second`` (the same chat, maybe
    through another engine) has said "second" and saved. The first's result."""
    first_loaded, second_saved = asyncio.Event(), asyncio.Event()

    async def hold_the_first(n: int) -> None:
        if not first_loaded.is_set():
            first_loaded.set()
            await wait_for(second_saved)

    async def say_second() -> None:
        await wait_for(first_loaded)
        await second.send(second.inbound("second"))
        second_saved.set()

    hooks.before_count = hold_the_first
    result, _ = await asyncio.gather(first.send(first.inbound("first")), say_second())
    return result

"""The main menu: the entries the sender's role may use, as buttons and as
typed words in either language, plus language and help.

State table (global commands — menu, back, cancel, help, language — work in
every state of every flow and are handled by the dialog, not here):

```mermaid
stateDiagram-v2
    [*] --> main
    main --> main: not understood / help
    main --> EntryFlow: menu entry (button or typed phrase)
    main --> EntryFlow: words the entry flow understands (technicians and assistants: their jobs)
    main --> language: language
    EntryFlow --> main: menu / cancel / idle timeout
```
"""

from __future__ import annotations

from dataclasses import replace
from enum import StrEnum

from garagebot.conversations.commands import GlobalCommand, choice_for
from garagebot.conversations.router import (
    MENU_FLOW,
    Flow,
    MenuEntry,
    StateSpec,
    Step,
    StepContext,
    go,
    stay,
)
from garagebot.conversations.text import Vocabulary
from garagebot.conversations.types import Reply
from garagebot.core.ports import Choice


class MenuState(StrEnum):
    MAIN = "main"


def _entries(ctx: StepContext) -> list[MenuEntry]:
    return list(ctx.registry.menu_for(ctx.me.role))


async def prompt(ctx: StepContext) -> tuple[Reply, ...]:
    choices = [Choice(e.choice_id, e.label_key) for e in _entries(ctx) if e.button]
    choices.append(Choice(choice_for(GlobalCommand.LANGUAGE), "bot.choice_language"))
    choices.append(Choice(choice_for(GlobalCommand.HELP), "bot.choice_help"))
    return (Reply("bot.menu", {"name": ctx.me.name}, tuple(choices)),)


def _chosen(ctx: StepContext) -> MenuEntry | None:
    entries = _entries(ctx)
    if ctx.msg.choice is not None:
        return next((e for e in entries if e.choice_id == ctx.msg.choice), None)
    vocabulary = Vocabulary({e.id: e.phrases for e in entries})
    found = vocabulary.match(ctx.msg.text) if ctx.msg.text else None
    if found is None:
        return None
    entry = next(e for e in entries if e.id == found.intent)
    return None if found.rest and not entry.takes_rest else entry


async def _offered(ctx: StepContext) -> Step | None:
    """What the first entry ``unmatched`` for the sender's role makes of a
    message the menu does not know (a technician typing "done" after the chat
    went idle), as a move into that flow; None when it does not understand it
    either. Only the roles whose work is the job list: a lead typing "جاهز"
    (ready) at the menu must not finish a step of theirs."""
    entry = next((e for e in _entries(ctx) if ctx.me.role in e.unmatched), None)
    if entry is None:
        return None
    target = ctx.registry.flows[entry.flow]
    step = await target.spec(target.entry).handle(
        replace(ctx, flow=target.name, state=target.entry, data={}))
    if step.goto is None and any(r.key == entry.not_understood_key for r in step.replies):
        return None
    if step.goto is not None:
        return step
    return go(target.name, target.entry, *step.replies, data=step.data)


def _typed_rest(ctx: StepContext, entry: MenuEntry) -> str:
    """What was typed after the entry's phrase ("" for a button)."""
    if ctx.msg.choice is not None or not ctx.msg.text:
        return ""
    found = Vocabulary({entry.id: entry.phrases}).match(ctx.msg.text)
    return found.rest if found else ""


async def handle(ctx: StepContext) -> Step:
    entry = _chosen(ctx)
    if entry is None:
        return await _offered(ctx) or stay(Reply("bot.not_understood"), reprompt=True)
    found = _typed_rest(ctx, entry) if entry.takes_rest else None
    if found:  # words after a short phrase ("سجل وقت 30"): the role's own flow reads them first
        offered = await _offered(ctx)
        if offered is not None:
            return offered
    target = ctx.registry.flows[entry.flow]
    return go(target.name, target.entry, data={"typed": found} if found else None)


MENU = Flow(
    name=MENU_FLOW,
    entry=MenuState.MAIN,
    states={MenuState.MAIN: StateSpec(prompt, handle, help_key="bot.help")},
)

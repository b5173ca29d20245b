"""Choosing one's chat language (stored on the user, so every later message,
from any process or channel, is rendered in it).

```mermaid
stateDiagram-v2
    [*] --> choose
    choose --> choose: not understood
    choose --> menu.main: lang:en / lang:ar / typed name (stored on the user)
    choose --> previous: back
```
"""

from __future__ import annotations

from enum import StrEnum

from garagebot.conversations.dialog import LANGUAGE_FLOW
from garagebot.conversations.router import (
    BACK,
    MENU_FLOW,
    MENU_STATE,
    Flow,
    StateSpec,
    Step,
    StepContext,
    go,
    stay,
)
from garagebot.conversations.text import Vocabulary
from garagebot.conversations.types import Reply
from garagebot.core.enums import Locale
from garagebot.core.linking import set_own_locale
from garagebot.core.ports import Choice


class LanguageState(StrEnum):
    CHOOSE = "choose"


_CHOICE_PREFIX = "lang:"
_NAMES = Vocabulary({
    Locale.EN: ("english", "en", "eng", "انجليزي", "الانجليزية", "إنجليزي", "انكليزي"),
    Locale.AR: ("arabic", "ar", "عربي", "العربية", "عربى"),
})


async def prompt(ctx: StepContext) -> tuple[Reply, ...]:
    choices = (
        Choice(f"{_CHOICE_PREFIX}{Locale.EN.value}", "bot.language_en"),
        Choice(f"{_CHOICE_PREFIX}{Locale.AR.value}", "bot.language_ar"),
        BACK,
    )
    return (Reply("bot.language_prompt", {}, choices),)


def _chosen(ctx: StepContext) -> str | None:
    if ctx.msg.choice is not None:
        if ctx.msg.choice.startswith(_CHOICE_PREFIX):
            return ctx.msg.choice[len(_CHOICE_PREFIX):]
        return None
    found = _NAMES.match(ctx.msg.text) if ctx.msg.text else None
    return found.intent if found is not None and not found.rest else None


async def handle(ctx: StepContext) -> Step:
    locale = _chosen(ctx)
    if locale is None:
        return stay(Reply("bot.not_understood"), reprompt=True)
    await set_own_locale(ctx.uow, locale)
    return go(MENU_FLOW, MENU_STATE, Reply("bot.language_set"), remember=False)


LANGUAGE = Flow(
    name=LANGUAGE_FLOW,
    entry=LanguageState.CHOOSE,
    states={LanguageState.CHOOSE: StateSpec(prompt, handle, help_key="bot.help_language")},
)

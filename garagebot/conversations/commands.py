"""Global commands, understood in every state and in both languages:
menu / القائمة, back / رجوع, cancel / إلغاء, help / مساعدة, language / اللغة,
as typed words, Telegram slash commands or the engine's own buttons.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from garagebot.conversations.text import Vocabulary
from garagebot.conversations.types import Inbound


class GlobalCommand(StrEnum):
    MENU = "menu"
    BACK = "back"
    CANCEL = "cancel"
    HELP = "help"
    LANGUAGE = "language"
    PAGE = "page"


PHRASES: dict[str, tuple[str, ...]] = {
    GlobalCommand.MENU: ("menu", "/menu", "/start", "main menu", "home", "القائمة", "قائمة",
                         "القائمة الرئيسية", "الرئيسية"),
    GlobalCommand.BACK: ("back", "/back", "رجوع", "ارجع", "عودة", "رجوع للخلف"),
    GlobalCommand.CANCEL: ("cancel", "/cancel", "stop that", "إلغاء", "الغاء", "الغي"),
    GlobalCommand.HELP: ("help", "/help", "مساعدة", "مساعده", "ساعدني"),
    GlobalCommand.LANGUAGE: ("language", "/language", "lang", "اللغة", "لغة", "تغيير اللغة"),
}
_VOCABULARY = Vocabulary(PHRASES)
_CHOICES = {f"g:{c.value}": c for c in GlobalCommand if c is not GlobalCommand.PAGE}
PAGE_PREFIX = "g:page:"


@dataclass(frozen=True, slots=True)
class Command:
    kind: GlobalCommand
    page: int = 0


def _slash(text: str) -> str:
    """"/menu@garage_bot" → "/menu" (Telegram appends the bot's name in groups)."""
    head, _, tail = text.strip().partition(" ")
    if head.startswith("/") and "@" in head:
        head = head.split("@", 1)[0]
    return f"{head} {tail}".strip()


def detect(msg: Inbound) -> Command | None:
    """The global command in ``msg``, if it is one (a whole message, not a phrase
    followed by other words, so "language" is a command but "note language" is not)."""
    if msg.choice is not None:
        if msg.choice.startswith(PAGE_PREFIX):
            number = msg.choice[len(PAGE_PREFIX):]
            return Command(GlobalCommand.PAGE, int(number)) if number.isdigit() else None
        kind = _CHOICES.get(msg.choice)
        return Command(kind) if kind else None
    found = _VOCABULARY.match(_slash(msg.text)) if msg.text else None
    if found is None or found.rest:
        return None
    return Command(GlobalCommand(found.intent))


def choice_for(command: GlobalCommand, page: int = 0) -> str:
    return f"{PAGE_PREFIX}{page}" if command is GlobalCommand.PAGE else f"g:{command.value}"

"""Words from the catalogs used *inside* a staff reply (a status's name, a
payment method), rendered in the reader's language: a reply's parameters are
plain text, so a label is looked up here, never shown as its raw code."""

from __future__ import annotations

from garagebot.conversations.router import StepContext
from garagebot.core.enums import SessionStatus
from garagebot.core.i18n import Translator
from garagebot.core.repair.machine import status_key

_LOADED: list[Translator] = []


def _translator() -> Translator:
    if not _LOADED:
        _LOADED.append(Translator.load())
    return _LOADED[0]


def label(ctx: StepContext, key: str) -> str:
    """The text of ``key`` in the reader's language."""
    return _translator().render(ctx.me.locale, key)


def status_label(ctx: StepContext, status: SessionStatus | str) -> str:
    """A session status's name ("In progress", "قيد العمل"), never IN_PROGRESS."""
    return label(ctx, status_key(SessionStatus(status)))

"""Telegram's shapes for our messages: inline keyboards and texts split to fit.

Telegram limits a text to 4,096 characters and a button's callback data to
64 bytes. Texts are split below the limit at a paragraph, line or word
boundary; callback data longer than 64 bytes is a programming error (choice
ids are short, engine-made strings), so it is refused loudly.
"""

from __future__ import annotations

from collections.abc import Sequence

MAX_TEXT = 4096
SPLIT_AT = 4000
MAX_CALLBACK_BYTES = 64
SHORT_LABEL = 18  # two buttons of at most this many characters share a row
NAVIGATION_PREFIX = "g:page:"

Keyboard = dict[str, list[list[dict[str, str]]]]


def callback_data(choice_id: str) -> str:
    """The choice id as callback data; ValueError when over 64 bytes."""
    if not choice_id or len(choice_id.encode("utf-8")) > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback data must be 1-{MAX_CALLBACK_BYTES} bytes: {choice_id!r}")
    return choice_id


def inline_keyboard(choices: Sequence[tuple[str, str]]) -> Keyboard:
    """One button per choice; short labels two to a row; page buttons on a row of their own."""
    rows: list[list[dict[str, str]]] = []
    pending: list[dict[str, str]] = []
    navigation: list[dict[str, str]] = []
    for choice_id, label in choices:
        button = {"text": label[:64] or choice_id, "callback_data": callback_data(choice_id)}
        if choice_id.startswith(NAVIGATION_PREFIX):
            navigation.append(button)
        elif len(label) <= SHORT_LABEL:
            pending.append(button)
            if len(pending) == 2:
                rows.append(pending)
                pending = []
        else:
            if pending:
                rows.append(pending)
                pending = []
            rows.append([button])
    if pending:
        rows.append(pending)
    if navigation:
        rows.append(navigation)
    return {"inline_keyboard": rows}


def _cut(window: str, limit: int) -> int:
    """Where to cut: the last paragraph break, line break or space in the
    second half of the window, else (one very long word) at the limit."""
    for separator in ("\n\n", "\n", " "):
        at = window.rfind(separator)
        if at >= limit // 2:
            return at
    return limit


def split_text(text: str, limit: int = SPLIT_AT) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters, cut at natural breaks."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = _cut(rest[:limit], limit)
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n ")
    if rest or not pieces:
        pieces.append(rest)
    return pieces

"""Keyboards and text splitting in Telegram's shapes."""

from __future__ import annotations

import pytest

from garagebot.bot.render import callback_data, inline_keyboard, split_text


def test_short_labels_share_rows_and_page_buttons_get_their_own() -> None:
    keyboard = inline_keyboard([
        ("a", "Start"), ("b", "Pause"), ("c", "A much longer button label"), ("d", "Done"),
        ("g:page:0", "‹ Previous"), ("g:page:2", "More ›"),
    ])
    rows = [[b["callback_data"] for b in row] for row in keyboard["inline_keyboard"]]
    assert rows == [["a", "b"], ["c"], ["d"], ["g:page:0", "g:page:2"]]


def test_callback_data_is_at_most_64_bytes() -> None:
    assert callback_data("j" * 64) == "j" * 64
    with pytest.raises(ValueError, match="64"):
        callback_data("ج" * 33)  # 66 bytes in UTF-8
    with pytest.raises(ValueError, match="callback data"):
        callback_data("")


def test_texts_are_split_at_natural_breaks_below_the_limit() -> None:
    assert split_text("short") == ["short"]
    assert split_text("") == [""]
    paragraphs = "\n\n".join(["p" * 30] * 5)
    assert split_text(paragraphs, limit=70) == ["p" * 30 + "\n\n" + "p" * 30] * 2 + ["p" * 30]
    words = " ".join(["word"] * 30)
    pieces = split_text(words, limit=50)
    assert all(len(p) <= 50 for p in pieces)
    assert " ".join(pieces) == words
    assert split_text("x" * 120, limit=50) == ["x" * 50, "x" * 50, "x" * 20]

"""What clients type, understood in English and Arabic (no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from garagebot.conversations.client.intents import (
    Intent,
    after_intent,
    intent,
    language_of,
    numbers,
    preferred_time,
    rating,
)

NOW = dt.datetime(2026, 11, 22, 6, 0, tzinfo=dt.UTC)  # 09:00 in Amman


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Where is my car?", Intent.STATUS),
        ("hi, where's my car", Intent.STATUS),
        ("وين سيارتي؟", Intent.STATUS),
        ("وين السياره", Intent.STATUS),
        ("شو صار بالسيارة", Intent.STATUS),
        ("متى تجهز؟", Intent.STATUS),
        ("how much is the quote", Intent.QUOTE),
        ("كم السعر", Intent.QUOTE),
        ("موافق على الكل", Intent.ALL),
        ("approve all", Intent.ALL),
        ("الكل", Intent.ALL),
        ("رفض الكل", Intent.NONE),
        ("pickup code please", Intent.PIN),
        ("رمز الاستلام", Intent.PIN),
        ("بدي موعد", Intent.BOOK),
        ("English please", Intent.ENGLISH),
        ("بالعربي", Intent.ARABIC),
        ("السلام عليكم", Intent.MENU),
        ("the brakes make a noise", None),
    ],
)
def test_intents_in_both_languages(text: str, expected: Intent | None) -> None:
    assert intent(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1,3", [1, 3]), ("1 3", [1, 3]), ("3, 1, 3", [1, 3]), ("١ و ٣", [1, 3]), ("١،٣", [1, 3]),
     ("2", [2]), ("1 and 2", [1, 2]), ("one", None), ("1,3 please", None), ("", None)],
)
def test_line_numbers(text: str, expected: list[int] | None) -> None:
    assert numbers(text) == expected


def test_numbers_after_a_verb() -> None:
    assert after_intent("decline 2", Intent.DECLINE) == [2]
    assert after_intent("رفض ٢ و ٣", Intent.DECLINE) == [2, 3]
    assert after_intent("defer", Intent.DEFER) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [("5", 5), ("٤", 4), ("⭐⭐⭐", 3), ("⭐️⭐️", 2), ("6", None), ("0", None), ("4 stars", None)],
)
def test_ratings(text: str, expected: int | None) -> None:
    assert rating(text) == expected


def test_the_language_of_a_message() -> None:
    assert language_of("وين سيارتي") == "ar"
    assert language_of("hi") == "en"
    assert language_of("12-34567 ✅") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("today", dt.datetime(2026, 11, 22, 6, 0, tzinfo=dt.UTC)),
        ("tomorrow 10", dt.datetime(2026, 11, 23, 7, 0, tzinfo=dt.UTC)),
        ("tomorrow at 4:30 pm", dt.datetime(2026, 11, 23, 13, 30, tzinfo=dt.UTC)),
        ("بكرا ٥ م", dt.datetime(2026, 11, 23, 14, 0, tzinfo=dt.UTC)),
        ("اليوم الساعة 11", dt.datetime(2026, 11, 22, 8, 0, tzinfo=dt.UTC)),
    ],
)
def test_preferred_times_in_the_garages_zone(text: str, expected: dt.datetime) -> None:
    found = preferred_time(text, NOW, "Asia/Amman")
    assert found is not None
    assert found.when == expected


def test_any_time_and_nonsense() -> None:
    any_time = preferred_time("أي وقت", NOW, "Asia/Amman")
    assert any_time is not None
    assert any_time.when is None
    assert preferred_time("anything", NOW, "Asia/Amman") is None
    assert preferred_time("tomorrow 25", NOW, "Asia/Amman") is None
    assert preferred_time("tomorrow or the day after", NOW, "Asia/Amman") is None

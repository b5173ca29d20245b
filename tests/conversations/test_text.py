"""Free text in English and Arabic: normalising and understanding it."""

from __future__ import annotations

import pytest

from garagebot.conversations.text import (
    COMMON,
    Match,
    Vocabulary,
    normalize,
    parse_int,
    plate_in,
    session_number,
)


@pytest.mark.parametrize(
    ("typed", "normal"),
    [
        ("  Done!  ", "done"),
        ("\u202eDONE\u202c", "done"),
        ("تمّ", "تم"),
        ("إلغاء", "الغاء"),
        ("ابــدأ ٢", "ابدا 2"),
        ("start    ۲", "start 2"),
        ("مساعدة؟", "مساعده"),
    ],
)
def test_typed_text_is_normalised(typed: str, normal: str) -> None:
    assert normalize(typed) == normal


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("done", Match("done")),
        ("تم", Match("done")),
        ("خلصت.", Match("done")),
        ("start 2", Match("start", 2, "2")),
        ("ابدأ ٢", Match("start", 2, "2")),
        ("My Jobs", Match("my_jobs")),
        ("شغلي", Match("my_jobs")),
        ("note brakes worn", Match("note", None, "brakes worn")),
    ],
)
def test_common_phrases_are_understood_in_both_languages(typed: str, expected: Match) -> None:
    assert COMMON.match(typed) == expected


def test_unknown_text_is_not_understood() -> None:
    assert COMMON.match("the car is red") is None
    assert COMMON.match("") is None


def test_a_longer_phrase_wins_over_a_shorter_one() -> None:
    words = Vocabulary({"jobs": ("jobs",), "all_jobs": ("jobs all",)})
    assert words.match("jobs all") == Match("all_jobs")
    assert words.extended({"mine": ("jobs mine",)}).match("jobs mine") == Match("mine")


def test_numbers_session_numbers_and_plates_are_found() -> None:
    assert parse_int("#١٢") == 12
    assert parse_int("twelve") is None
    assert session_number("car SES-20261122-7 is ready") == "SES-20261122-007"
    assert session_number("ses ٢٠٢٦١١٢٢ 001") == "SES-20261122-001"
    assert session_number("no number") is None
    assert plate_in("12-34567") == "12-34567"
    assert plate_in("١٢ ٣٤٥٦٧") == "12-34567"
    assert plate_in("done") is None
    assert plate_in("the car with plate 12 34567 is here") is None

"""Catalogs: both languages complete, Arabic plurals right, bidi isolation."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from garagebot.core.i18n import FSI, PDI, Translator

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def tr() -> Translator:
    return Translator.load(ROOT / "locales")


def test_every_key_exists_in_both_languages(tr: Translator) -> None:
    assert tr.languages == ["ar", "en"]
    assert sorted(tr.keys("en") - tr.keys("ar")) == []
    assert sorted(tr.keys("ar") - tr.keys("en")) == []


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_both_languages_use_the_same_parameters(tr: Translator) -> None:
    mismatched = []
    for key in tr.keys("en"):
        en = _fields(tr._catalogs["en"].singular.get(key, "")) | {
            f for form in tr._catalogs["en"].plural.get(key, ()) for f in _fields(form)
        }
        ar = _fields(tr._catalogs["ar"].singular.get(key, "")) | {
            f for form in tr._catalogs["ar"].plural.get(key, ()) for f in _fields(form)
        }
        # An Arabic form may spell the number out ("سيارتان") and so omit {count}.
        if (ar - {"count"}) != (en - {"count"}):
            mismatched.append(key)
    assert mismatched == []


_RAISED = re.compile(
    r"\b(?:DomainError|NotFound|PermissionDenied|InvalidTransition|InvalidInput|Conflict|"
    r"[A-Z][A-Za-z]*Error)\(\s*\"([a-z][a-z0-9_]*\.[a-z0-9_.]+)\""
)
_CLASS_KEY = re.compile(r"^\s+key(?:: str)? = \"([a-z][a-z0-9_]*\.[a-z0-9_.]+)\"", re.M)


def test_every_key_raised_in_code_has_text_in_both_languages(tr: Translator) -> None:
    missing = set()
    for path in (ROOT / "garagebot").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        for key in set(_RAISED.findall(source)) | set(_CLASS_KEY.findall(source)):
            if not (tr.has("en", key) and tr.has("ar", key)):
                missing.add(f"{path.relative_to(ROOT)}: {key}")
    assert sorted(missing) == []


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, "لا توجد سيارات"),  # zero
        (1, "سيارة واحدة"),  # one
        (2, "سيارتان"),  # two
        (3, f"{FSI}3{PDI} سيارات"),  # few: 3–10
        (10, f"{FSI}10{PDI} سيارات"),
        (11, f"{FSI}11{PDI} سيارة"),  # many: 11–99
        (99, f"{FSI}99{PDI} سيارة"),
        (100, f"{FSI}100{PDI} سيارة"),  # other: 100–102
        (102, f"{FSI}102{PDI} سيارة"),
        (103, f"{FSI}103{PDI} سيارات"),  # few again (n % 100 in 3..10)
        (111, f"{FSI}111{PDI} سيارة"),  # many again (n % 100 >= 11)
    ],
)
def test_all_six_arabic_plural_forms(tr: Translator, n: int, expected: str) -> None:
    assert tr.render("ar", "count.cars", {"count": n}) == expected


@pytest.mark.parametrize(("n", "expected"), [(0, "0 cars"), (1, "1 car"), (2, "2 cars")])
def test_english_plurals(tr: Translator, n: int, expected: str) -> None:
    assert tr.render("en", "count.cars", {"count": n}) == expected


def test_latin_tokens_are_isolated_in_arabic_and_bidi_controls_stripped(tr: Translator) -> None:
    text = tr.render("ar", "error.invalid_plate", {"value": "\u202e12-34567"})
    assert f"{FSI}12-34567{PDI}" in text
    assert "\u202e" not in text
    assert tr.render("en", "error.invalid_plate", {"value": "12-34567"}).count(FSI) == 0


def test_an_unknown_key_falls_back_to_the_key_itself(tr: Translator) -> None:
    assert tr.render("ar", "no.such.key") == "no.such.key"


def test_a_short_moment_takes_each_languages_own_comma() -> None:
    import datetime as dt

    from garagebot.core.i18n import short_when

    noon = dt.datetime(2026, 12, 8, 14, 0, tzinfo=dt.UTC)  # 17:00 in Amman
    assert short_when(noon, "Asia/Amman", "en") == "Tue 8 Dec, 17:00"
    assert short_when(noon, "Asia/Amman", "ar") == "الثلاثاء 8 ديسمبر، 17:00"

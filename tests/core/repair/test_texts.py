"""Every message key of the repair code has English and Arabic text."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from garagebot.core.enums import SessionStatus
from garagebot.core.i18n import Translator
from garagebot.core.repair.delivery import MAX_PIN_FAILURES
from garagebot.core.repair.machine import status_key

ROOT = Path(__file__).resolve().parents[3]
_KEY = re.compile(r"\"((?:error|status)\.[a-z0-9_.]+)\"")


@pytest.fixture(scope="module")
def tr() -> Translator:
    return Translator.load(ROOT / "locales")


def _keys_in_code() -> set[str]:
    return {
        key for path in (ROOT / "garagebot" / "core" / "repair").glob("*.py")
        for key in _KEY.findall(path.read_text(encoding="utf-8"))
    }


def _catalog(lang: str) -> dict[str, str]:
    with (ROOT / "locales" / lang / "LC_MESSAGES" / "repair.po").open("rb") as fh:
        return {str(m.id): str(m.string) for m in read_po(fh) if m.id}


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_the_code_uses_message_keys() -> None:
    assert len(_keys_in_code()) > 30


def test_every_key_in_the_repair_code_has_text_in_both_languages(tr: Translator) -> None:
    missing = sorted(k for k in _keys_in_code() for lang in ("en", "ar") if not tr.has(lang, k))
    assert missing == []


def test_every_session_status_has_a_label_in_both_languages(tr: Translator) -> None:
    for status in SessionStatus:
        assert tr.has("en", status_key(status)), status
        assert tr.has("ar", status_key(status)), status
    assert tr.render("ar", status_key(SessionStatus.READY_FOR_PICKUP)) == "جاهزة للاستلام"


def test_the_repair_catalogs_have_the_same_keys_and_parameters() -> None:
    en, ar = _catalog("en"), _catalog("ar")
    assert sorted(en) == sorted(ar)
    assert {k: _fields(t) for k, t in ar.items()} == {k: _fields(t) for k, t in en.items()}
    assert all(any("\u0600" <= ch <= "\u06ff" for ch in text) for text in ar.values())


def test_a_refusal_renders_with_its_parameters(tr: Translator) -> None:
    params = {"number": "SES-20261122-001", "plate": "12-34567"}
    assert tr.render("en", "error.vehicle_has_active_session", params) == (
        "Vehicle 12-34567 already has an open session, SES-20261122-001. Confirm to open a second one."
    )
    arabic = tr.render("ar", "error.delivery_pin_wrong", {"attempts_left": MAX_PIN_FAILURES - 1})
    assert "\u20684\u2069" in arabic

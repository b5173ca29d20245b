"""Every message key the staff flows use exists in English and in Arabic."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conversations.chat import translator

SOURCES = Path(__file__).resolve().parents[3] / "garagebot" / "conversations" / "staff"
KEY = re.compile(r"\"(staff\.[a-z_]+|error\.additional_work_[a-z_]+)\"")


def _keys_in_code() -> set[str]:
    found: set[str] = set()
    for path in SOURCES.glob("*.py"):
        found |= set(KEY.findall(path.read_text(encoding="utf-8")))
    found |= {f"staff.step_{s}" for s in ("not_started", "in_progress", "done", "skipped", "failed")}
    return found


def test_every_staff_key_in_the_code_has_english_and_arabic_text() -> None:
    tr = translator()
    keys = _keys_in_code()
    assert len(keys) > 100
    missing = sorted(f"{lang}:{k}" for k in keys for lang in ("en", "ar") if not tr.has(lang, k))
    assert missing == []


def test_arabic_staff_texts_are_arabic_and_isolate_their_parameters() -> None:
    tr = translator()
    text = tr.render("ar", "staff.session_opened", {"number": "SES-20261122-001"})
    assert "\u2068SES-20261122-001\u2069" in text
    assert "الجلسة" in text
    assert tr.render("en", "staff.session_opened", {"number": "SES-20261122-001"}) == (
        "Session SES-20261122-001 opened.")

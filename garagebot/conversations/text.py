"""Understanding typed text in English and Arabic.

``normalize`` folds what people type on a phone into one comparable form:
bidi controls stripped, Arabic-Indic and Persian digits to ASCII, Arabic
diacritics and tatweel removed, alef/yeh/teh marbuta variants unified, case folded,
white space collapsed and trailing punctuation dropped. ``Vocabulary`` maps
phrases in both languages to intents ("done"/"تم"), optionally followed by a
number ("start 2"/"ابدأ ٢").
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from garagebot.core.errors import InvalidInput
from garagebot.core.normalize import ascii_digits, clean_text, plate

_DIACRITICS = re.compile("[\u064b-\u0652\u0670\u0640]")  # harakat, dagger alef, tatweel
_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ی": "ي", "ک": "ك", "ة": "ه"})
_SPACES = re.compile(r"\s+")
_TRAILING = re.compile(r"[\s.!?؟،,:;…]+$")
_SESSION = re.compile(r"\bSES[\s-]?(\d{8})[\s-]?(\d{1,4})\b", re.IGNORECASE)


@functools.lru_cache(maxsize=4096)
def normalize(text: str) -> str:
    """The comparable form of typed text (see the module docstring); cached,
    as every message is matched against several vocabularies."""
    value = ascii_digits(clean_text(text))
    value = _DIACRITICS.sub("", value).translate(_LETTERS).casefold()
    value = _SPACES.sub(" ", value).strip()
    return _TRAILING.sub("", value)


def parse_int(text: str) -> int | None:
    """A whole number typed in any digits ("12", "١٢", "#12"), else None."""
    value = normalize(text).lstrip("#")
    return int(value) if value.isdigit() and len(value) <= 9 else None


def session_number(text: str) -> str | None:
    """A repair session number in the text, canonical ("SES-20261122-001")."""
    found = _SESSION.search(ascii_digits(clean_text(text)))
    if found is None:
        return None
    return f"SES-{found.group(1)}-{int(found.group(2)):03d}"


def plate_in(text: str) -> str | None:
    """The text as a canonical plate when it looks like one: digits, at most
    20 characters, at most three groups ("12-34567", "١٢ ٣٤٥٦٧")."""
    value = ascii_digits(clean_text(text))
    if not any(ch.isdigit() for ch in value) or len(value.split()) > 3:
        return None
    try:
        canonical = plate(value)
    except InvalidInput:
        return None
    return canonical if len(canonical.split("-")) <= 3 else None


@dataclass(frozen=True, slots=True)
class Match:
    """An understood phrase: its intent and the number typed after it, if any."""

    intent: str
    number: int | None = None
    rest: str = ""


class Vocabulary:
    """Intent → phrases (any language). Longer phrases win over shorter ones,
    so "my jobs" is not read as "my"."""

    def __init__(self, phrases: Mapping[str, Iterable[str]]) -> None:
        pairs = [(normalize(p), intent) for intent, ps in phrases.items() for p in ps]
        self._phrases = sorted(pairs, key=lambda pair: -len(pair[0]))
        self._prefixes = tuple((phrase, phrase + " ", intent) for phrase, intent in self._phrases)

    def match(self, text: str) -> Match | None:
        """The intent of ``text``: a phrase alone, or a phrase and then a number
        or other words ("start 2", "note brakes worn"); None when not understood."""
        value = normalize(text)
        if not value:
            return None
        for phrase, prefix, intent in self._prefixes:
            if value == phrase:
                return Match(intent)
            if value.startswith(prefix):
                rest = value[len(prefix):].strip()
                return Match(intent, parse_int(rest), rest)
        return None

    def extended(self, phrases: Mapping[str, Iterable[str]]) -> Vocabulary:
        merged: dict[str, list[str]] = {}
        for phrase, intent in self._phrases:
            merged.setdefault(intent, []).append(phrase)
        for intent, ps in phrases.items():
            merged.setdefault(intent, []).extend(ps)
        return Vocabulary(merged)


# Words later flows share; each flow may extend this with its own.
COMMON_PHRASES: Mapping[str, tuple[str, ...]] = {
    "done": ("done", "finished", "ok done", "تم", "خلص", "خلصت", "انتهيت", "جاهز"),
    "yes": ("yes", "y", "ok", "okay", "نعم", "اه", "ايوه", "تمام", "موافق"),
    "no": ("no", "n", "لا", "كلا"),
    "start": ("start", "begin", "ابدأ", "ابدا", "بلش", "ابدء"),
    "pause": ("pause", "break", "وقف مؤقت", "استراحة", "إيقاف مؤقت"),
    "stop": ("stop", "end", "أوقف", "وقف", "اوقف"),
    "my_jobs": ("my jobs", "jobs", "my work", "شغلي", "مهامي", "أعمالي", "شغلاتي"),
    "skip": ("skip", "تخطي", "تخطى"),
    "note": ("note", "ملاحظة", "ملاحظه"),
}

COMMON = Vocabulary(COMMON_PHRASES)

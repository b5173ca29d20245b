"""Understanding what clients type, in English and Arabic (Jordanian and Gulf
spellings included): intents anywhere in a short message ("hi, where is my
car?"), lists of line numbers ("1,3", "١ و ٣"), ratings ("4", "⭐⭐⭐⭐"),
the language of a message, and a preferred time ("tomorrow 10", "بكرا ١٠").
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from garagebot.conversations.text import normalize


class Intent(StrEnum):
    STATUS = "status"
    QUOTE = "quote"
    APPROVE = "approve"
    DECLINE = "decline"
    DEFER = "defer"
    ALL = "all"
    NONE = "none"
    PIN = "pin"
    RATE = "rate"
    BOOK = "book"
    LANGUAGE = "language"
    ENGLISH = "english"
    ARABIC = "arabic"
    MENU = "menu"
    SKIP = "skip"


# Phrases are compared after ``normalize`` (alef/yeh/teh marbuta folded, digits
# ASCII, case folded). An intent is found when a phrase is the whole message,
# or appears in it as whole words.
PHRASES: Mapping[Intent, tuple[str, ...]] = {
    Intent.STATUS: (
        "where is my car", "wheres my car", "where's my car", "where is the car", "car status", "status",
        "is my car ready", "is it ready", "any update", "update", "how is my car", "eta", "track",
        "when will it be ready", "when will my car be ready",
        "وين سيارتي", "وين السيارة", "وين السياره", "اين سيارتي", "أين سيارتي", "حالة السيارة",
        "الحالة", "حالة", "شو صار بالسيارة", "شو صار بالسياره", "شو صار", "متى تجهز", "متى جاهزة",
        "متى بتجهز", "اخبار السيارة", "السيارة جاهزة", "وينها",
    ),
    Intent.QUOTE: ("quote", "the quote", "estimate", "price", "cost", "how much", "عرض السعر", "السعر",
                   "التسعيرة", "التسعيره", "كم التكلفة", "كم السعر", "التكلفة", "الفاتورة"),
    Intent.APPROVE: ("approve", "accept", "ok approve", "اوافق", "موافق", "موافقة", "وافق", "اقبل"),
    Intent.DECLINE: ("decline", "reject", "refuse", "ارفض", "رفض", "لا اوافق", "مش موافق"),
    Intent.DEFER: ("defer", "later", "postpone", "next time", "تاجيل", "اجل", "أجل", "لاحقا",
                   "بعدين", "المرة الجاية"),
    Intent.ALL: ("all", "approve all", "accept all", "everything", "yes all", "الكل", "كله", "كلها",
                 "موافق على الكل", "اوافق على الكل", "موافقة على الكل", "الجميع"),
    Intent.NONE: ("none", "decline all", "reject all", "nothing", "لا شيء", "ولا شي", "رفض الكل",
                  "ارفض الكل", "ولا واحد"),
    Intent.PIN: ("pin", "pin code", "pickup code", "delivery code", "code", "رمز", "الرمز",
                 "رمز الاستلام", "الرقم السري", "كود", "الكود", "رمز التسليم"),
    Intent.RATE: ("rate", "rating", "review", "feedback", "تقييم", "قيم", "رايي"),
    Intent.BOOK: ("book", "booking", "appointment", "new visit", "حجز", "موعد", "احجز", "بدي موعد"),
    Intent.LANGUAGE: ("language", "lang", "change language", "اللغة", "لغة", "تغيير اللغة"),
    Intent.ENGLISH: ("english", "in english", "انجليزي", "انكليزي", "الانجليزية", "بالانجليزي"),
    Intent.ARABIC: ("arabic", "in arabic", "عربي", "العربية", "بالعربي", "عربى"),
    Intent.MENU: ("menu", "help", "hi", "hello", "hey", "good morning", "مرحبا", "مرحبتين", "اهلا",
                  "هلا", "السلام عليكم", "القائمة", "قائمة", "مساعدة", "صباح الخير", "مساء الخير"),
    Intent.SKIP: ("skip", "no", "no thanks", "no comment", "لا", "لا شكرا", "تخطي", "بدون"),
}

_FOLDED = sorted(((normalize(p), i) for i, ps in PHRASES.items() for p in ps), key=lambda pi: -len(pi[0]))
_WORD = re.compile(r"[\w']+", re.UNICODE)


def _words(value: str) -> str:
    """``value``'s words, space-separated and space-padded (whole-word matching by ``in``)."""
    return f" {' '.join(_WORD.findall(value))} "


# Each phrase with its padded words, computed once (every client message is matched against all).
_MATCHERS = tuple((phrase, _words(phrase), intent) for phrase, intent in _FOLDED)


def intents(text: str) -> list[Intent]:
    """Every intent named in ``text``, most specific phrase first."""
    value = normalize(text)
    if not value:
        return []
    padded = _words(value)
    found: list[Intent] = []
    for phrase, words, intent in _MATCHERS:
        if intent in found:
            continue
        if value == phrase or (words != "  " and words in padded):
            found.append(intent)
    return found


def intent(text: str) -> Intent | None:
    """The most specific intent in ``text``, or None."""
    found = intents(text)
    return found[0] if found else None


_NUMBER_LIST = re.compile(r"^\d{1,2}(?:\s*(?:,|،|;|\s|\+|&|and|و)\s*\d{1,2})*$")


def numbers(text: str) -> list[int] | None:
    """"1,3", "1 3", "1 و 3", "١،٣" → [1, 3]; None when the text is not only numbers."""
    value = normalize(text)
    if not value or not _NUMBER_LIST.match(value):
        return None
    found = [int(n) for n in re.findall(r"\d+", value)]
    return sorted(set(found))


def after_intent(text: str, wanted: Intent) -> list[int] | None:
    """The numbers typed after an intent's phrase ("decline 2", "رفض ٢ و ٣")."""
    value = normalize(text)
    for phrase, found in _FOLDED:
        if found is wanted and value.startswith(phrase + " "):
            return numbers(value[len(phrase) + 1:])
    return None


def rating(text: str) -> int | None:
    """A 1–5 rating: a digit, or that many stars."""
    value = text.strip()
    stars = value.count("⭐") + value.count("★")
    if stars and not value.replace("⭐", "").replace("★", "").replace("\ufe0f", "").strip():
        return stars if 1 <= stars <= 5 else None
    found = numbers(value)
    return found[0] if found is not None and len(found) == 1 and 1 <= found[0] <= 5 else None


_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f]")
_LATIN = re.compile("[A-Za-z]")


def language_of(text: str) -> str | None:
    """"ar" when the text has Arabic script, "en" when it has Latin letters, else None."""
    if _ARABIC.search(text):
        return "ar"
    if _LATIN.search(text):
        return "en"
    return None


class Day(StrEnum):
    TODAY = "today"
    TOMORROW = "tomorrow"
    ANY = "any"


DAY_PHRASES: Mapping[Day, tuple[str, ...]] = {
    Day.TODAY: ("today", "اليوم", "الحين"),
    Day.TOMORROW: ("tomorrow", "tmrw", "بكرا", "بكره", "بكرة", "غدا", "غدًا", "باكر"),
    Day.ANY: ("any time", "anytime", "whenever", "any", "اي وقت", "أي وقت", "بأي وقت", "مش مهم"),
}
_TIME = re.compile(r"(?:at\s+|الساعه\s+|الساعة\s+)?(\d{1,2})(?::(\d{2}))?\s*(am|pm|ص|م|صباحا|مساء|مساءا)?")
_PM = ("pm", "م", "مساء", "مساءا")


@dataclass(frozen=True, slots=True)
class Preferred:
    """A preferred drop-off time: ``when`` None means any time."""

    when: dt.datetime | None


def _day(value: str) -> tuple[Day, str] | None:
    """The day a text starts with, and the words after it."""
    for day, phrases in DAY_PHRASES.items():
        for phrase in map(normalize, phrases):
            if value == phrase or value.startswith(phrase + " "):
                return day, value[len(phrase):].strip()
    return None


def preferred_time(text: str, now: dt.datetime, timezone: str) -> Preferred | None:
    """"today", "tomorrow 10", "بكرا ٥ م", "any time" → a time in the garage's zone
    (9:00 when no hour is given); None when not understood."""
    found = _day(normalize(text))
    if found is None:
        return None
    day, rest = found
    if day is Day.ANY:
        return Preferred(None)
    hour, minute = 9, 0
    if rest:
        time = _TIME.fullmatch(rest)
        if time is None:
            return None
        hour, minute = int(time.group(1)), int(time.group(2) or 0)
        if time.group(3) in _PM and hour < 12:
            hour += 12
        if hour > 23 or minute > 59:
            return None
    local = now.astimezone(zoneinfo.ZoneInfo(timezone))
    date = local.date() + dt.timedelta(days=1 if day is Day.TOMORROW else 0)
    at = dt.datetime(date.year, date.month, date.day, hour, minute, tzinfo=local.tzinfo)
    return Preferred(at.astimezone(dt.UTC))

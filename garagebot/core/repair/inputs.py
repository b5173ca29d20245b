"""Validation of what staff type at intake and on sessions (no I/O).

Each check returns the clean value or raises ``InvalidInput`` with a key, so
services validate everything before they write anything.
"""

from __future__ import annotations

import datetime as dt

from garagebot.core.enums import Locale
from garagebot.core.errors import InvalidInput
from garagebot.core.normalize import ascii_digits, clean_text

MAX_MILEAGE_KM = 2_000_000
FIRST_MODEL_YEAR = 1900
MAX_PRIORITY = 3
MAX_COMPLAINT = 2000
MAX_NOTE = 1000


def required_text(value: str | None, missing_key: str, max_len: int) -> str:
    """Cleaned, non-empty text of at most ``max_len`` characters; ``missing_key``
    names the message for an empty value (it says which field is missing)."""
    text = clean_text(value or "")
    if not text:
        raise InvalidInput(missing_key)
    if len(text) > max_len:
        raise InvalidInput("error.repair_text_too_long", max=max_len)
    return text


def optional_text(value: str | None, max_len: int) -> str | None:
    """Cleaned text, or None when nothing (or only white space) was given."""
    text = clean_text(value or "")
    if not text:
        return None
    if len(text) > max_len:
        raise InvalidInput("error.repair_text_too_long", max=max_len)
    return text


def whole_number(raw: str, error_key: str) -> int | None:
    """A whole number as a person typed it (Arabic-Indic digits and thousands
    separators accepted), None when blank; ``error_key`` (with ``value``) else."""
    text = ascii_digits(clean_text(raw)).replace(",", "").replace("٬", "").replace(" ", "")
    if not text:
        return None
    if not text.isascii() or not text.isdigit() or len(text) > 12:
        raise InvalidInput(error_key, value=clean_text(raw))
    return int(text)


def mileage(value: int | None) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not 0 <= value <= MAX_MILEAGE_KM:
        raise InvalidInput("error.vehicle_mileage_invalid", value=str(value))
    return value


def model_year(value: int | None, now: dt.datetime) -> int | None:
    """A plausible model year: from 1900 to next year (next year's models sell early)."""
    if value is None:
        return None
    if isinstance(value, bool) or not FIRST_MODEL_YEAR <= value <= now.year + 1:
        raise InvalidInput("error.vehicle_year_invalid", value=str(value))
    return value


def locale(value: str) -> str:
    if value not in Locale._value2member_map_:
        raise InvalidInput("error.client_locale_invalid", value=value)
    return value


def aware(value: dt.datetime) -> dt.datetime:
    """An aware datetime in UTC; a naive one is refused (it is always a bug)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput("error.repair_time_without_zone")
    return value.astimezone(dt.UTC)


def priority(value: int) -> int:
    """0 normal, 1 high, 2 urgent, 3 emergency (the board shows higher first)."""
    if isinstance(value, bool) or not 0 <= value <= MAX_PRIORITY:
        raise InvalidInput("error.session_priority_invalid", value=str(value), max=MAX_PRIORITY)
    return value


def positive_minutes(value: int, maximum: int) -> int:
    if isinstance(value, bool) or not 1 <= value <= maximum:
        raise InvalidInput("error.sla_minutes_invalid", value=str(value), max=maximum)
    return value

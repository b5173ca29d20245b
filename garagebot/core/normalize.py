"""Normalising and validating what people type: phones, plates, VINs, free text."""

from __future__ import annotations

import re

import phonenumbers

from garagebot.core.errors import InvalidInput

# Bidi controls (LRE…RLO, LRI…PDI, LRM/RLM/ALM) are stripped from user input
# before it is stored or echoed: they can reorder what the next reader sees.
_BIDI = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"))
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


# What no database column can hold: NUL (PostgreSQL text and jsonb refuse it) and
# lone UTF-16 surrogates (not encodable as UTF-8). NUL is dropped, a surrogate becomes U+FFFD.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable_text(value: str) -> str:
    """``value`` as every database can store it (see ``_UNSTORABLE``)."""
    return _UNSTORABLE.sub(lambda m: "" if m.group() == "\x00" else "\ufffd", value)


def storable(value: object) -> object:
    """A decoded JSON value or form (dicts, lists, strings …) with every string,
    keys included, made ``storable_text``: what a provider sends is recorded
    whatever its text."""
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, dict):
        return {storable(k): storable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [storable(v) for v in value]
    return value


def clean_text(value: str) -> str:
    """User text without bidi controls, what no database can store, and surrounding white space."""
    return storable_text(value).translate(_BIDI).strip()


def ascii_digits(value: str) -> str:
    """Arabic-Indic and Persian digits to ASCII digits."""
    return value.translate(_DIGITS)


def phone_e164(raw: str, default_region: str = "JO") -> str:
    """E.164 form of a phone number typed locally ("079 123 4567") or
    internationally ("+962791234567"); InvalidInput when it is not a number."""
    text = ascii_digits(clean_text(raw))
    try:
        parsed = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidInput("error.invalid_phone", value=raw) from exc
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidInput("error.invalid_phone", value=raw)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


_PLATE_SPLIT = re.compile(r"[^0-9A-Z\u0621-\u064A]+")


def plate(raw: str) -> str:
    """Canonical plate: ASCII digits, upper case, groups joined by one hyphen
    ("12 34567", "12-34567" and "١٢-٣٤٥٦٧" are one plate)."""
    groups = [g for g in _PLATE_SPLIT.split(ascii_digits(clean_text(raw)).upper()) if g]
    value = "-".join(groups)
    if not value or len(value) > 20:
        raise InvalidInput("error.invalid_plate", value=raw)
    return value


_VIN_VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7, "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def vin(raw: str) -> str:
    """A 17-character VIN (no I, O or Q) whose 9th character is its check digit
    (ISO 3779 / FMVSS 115 weighting); InvalidInput otherwise."""
    value = re.sub(r"[\s-]", "", clean_text(raw)).upper()
    if len(value) != 17 or any(ch not in _VIN_VALUES for ch in value):
        raise InvalidInput("error.invalid_vin", value=raw)
    total = sum(_VIN_VALUES[ch] * w for ch, w in zip(value, _VIN_WEIGHTS, strict=True))
    check = total % 11
    if value[8] != ("X" if check == 10 else str(check)):
        raise InvalidInput("error.vin_check_digit", value=raw)
    return value

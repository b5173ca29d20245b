"""SMS text shaping: how many segments a text costs, keeping English texts in
GSM-7, long links shortened, and over-long texts split.

A single SMS holds 160 GSM-7 characters (characters of the GSM 03.38
extension table count twice) or 70 UCS-2 code units; a concatenated message
spends 7 bytes per segment on its header, leaving 153 and 67. One character
outside GSM-7 (any Arabic letter, an emoji, a curly quote) turns the whole
text into UCS-2, so typographic punctuation is replaced by its plain form
when that is all that stands between a text and GSM-7.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum

GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = frozenset("^{}\\[~]|€\f")

SINGLE_GSM, MULTI_GSM = 160, 153
SINGLE_UCS2, MULTI_UCS2 = 70, 67
# Twilio refuses bodies over 1,600 characters; 10 segments is its advice for deliverability.
MAX_SEGMENTS = 10

_PLAIN = str.maketrans({
    "‘": "'", "’": "'", "‚": "'", "′": "'", "“": '"', "”": '"', "„": '"', "″": '"',
    "–": "-", "—": "-", "‐": "-", "‑": "-", "−": "-", "\u00a0": " ", "\u2009": " ", "\u202f": " ",
    "•": "*", "·": ".",
})
_ELLIPSIS = "…"


class Encoding(StrEnum):
    GSM7 = "GSM-7"
    UCS2 = "UCS-2"


@dataclass(frozen=True, slots=True)
class Segments:
    encoding: Encoding
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    count: int


def is_gsm7(text: str) -> bool:
    return all(ch in GSM_BASIC or ch in GSM_EXTENSION for ch in text)


def _units(ch: str, encoding: Encoding) -> int:
    if encoding is Encoding.GSM7:
        return 2 if ch in GSM_EXTENSION else 1
    return 2 if ord(ch) > 0xFFFF else 1  # a surrogate pair


def segments(text: str) -> Segments:
    """The encoding and segment count of ``text`` as a carrier sends it. An
    escape pair or a surrogate pair is never split across segments."""
    encoding = Encoding.GSM7 if is_gsm7(text) else Encoding.UCS2
    single, multi = (SINGLE_GSM, MULTI_GSM) if encoding is Encoding.GSM7 else (SINGLE_UCS2, MULTI_UCS2)
    units = sum(_units(ch, encoding) for ch in text)
    if units <= single:
        return Segments(encoding, units, 1 if text else 0)
    count, used = 1, 0
    for ch in text:
        size = _units(ch, encoding)
        if used + size > multi:
            count, used = count + 1, 0
        used += size
    return Segments(encoding, units, count)


def plain_punctuation(text: str) -> str:
    """``text`` in GSM-7 when typographic punctuation is the only obstacle; else unchanged."""
    candidate = text.translate(_PLAIN).replace(_ELLIPSIS, "...")
    return candidate if is_gsm7(candidate) else text


def split(text: str, max_segments: int = MAX_SEGMENTS) -> list[str]:
    """``text`` as one or more messages of at most ``max_segments`` segments
    each, cut between lines or words where possible."""
    if segments(text).count <= max_segments:
        return [text]
    parts: list[str] = []
    current = ""
    for piece in re.split(r"(?<=\n)|(?<= )", text):
        if segments(current + piece).count <= max_segments:
            current += piece
            continue
        if current:
            parts.append(current.rstrip())
        while segments(piece).count > max_segments:  # one word longer than a message
            cut = len(piece) // 2
            parts.extend(split(piece[:cut], max_segments))
            piece = piece[cut:]
        current = piece
    if current.strip():
        parts.append(current.rstrip())
    return parts


_URL = re.compile(r"https?://[^\s<>\"']+")


async def shorten_links(text: str, shorten: Callable[[str], Awaitable[str]], *, longer_than: int = 40) -> str:
    """Replace every link longer than ``longer_than`` characters by ``shorten(link)``."""
    out: list[str] = []
    last = 0
    for found in _URL.finditer(text):
        url = found.group(0).rstrip(".,;:!?)»")
        end = found.start() + len(url)
        out.append(text[last:found.start()])
        out.append(await shorten(url) if len(url) > longer_than else url)
        last = end
    out.append(text[last:])
    return "".join(out)

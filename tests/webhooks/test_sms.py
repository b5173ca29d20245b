"""SMS segments: GSM-7 160/153, UCS-2 70/67 (Arabic), escapes and surrogate
pairs never split; plain punctuation keeps English in GSM-7; long texts split;
long links shortened."""

from __future__ import annotations

import pytest

from garagebot.webhooks.sms import (
    Encoding,
    plain_punctuation,
    segments,
    shorten_links,
    split,
)


@pytest.mark.parametrize(
    ("text", "encoding", "units", "count"),
    [
        ("", Encoding.GSM7, 0, 0),
        ("a" * 160, Encoding.GSM7, 160, 1),
        ("a" * 161, Encoding.GSM7, 161, 2),
        ("a" * 306, Encoding.GSM7, 306, 2),
        ("a" * 307, Encoding.GSM7, 307, 3),
        ("€" * 80, Encoding.GSM7, 160, 1),  # extension characters count twice
        ("a" * 152 + "€", Encoding.GSM7, 154, 1),
        ("a" * 152 + "€" + "a" * 152, Encoding.GSM7, 306, 3),  # the escape pair is not split
        ("س" * 70, Encoding.UCS2, 70, 1),  # Arabic is UCS-2
        ("س" * 71, Encoding.UCS2, 71, 2),
        ("س" * 134, Encoding.UCS2, 134, 2),
        ("س" * 135, Encoding.UCS2, 135, 3),
        ("a" * 69 + "😀", Encoding.UCS2, 71, 2),  # an emoji is a surrogate pair
        ("x" * 66 + "😀" + "x" * 60, Encoding.UCS2, 128, 2),
    ],
)
def test_segments_are_counted_as_carriers_count_them(
    text: str, encoding: Encoding, units: int, count: int
) -> None:
    found = segments(text)
    assert (found.encoding, found.units, found.count) == (encoding, units, count)


def test_a_surrogate_pair_across_a_segment_boundary_starts_the_next_segment() -> None:
    # 134 units would fit two segments of 67, but 66 + 2 > 67 moves the emoji on.
    assert segments("x" * 66 + "😀" + "x" * 66).count == 3
    assert segments("x" * 67 + "😀" + "x" * 65).count == 2


def test_curly_quotes_and_dashes_are_made_plain_to_stay_in_gsm7() -> None:
    text = "Your car’s ready — see “details”…"
    assert segments(text).encoding is Encoding.UCS2
    made = plain_punctuation(text)
    assert made == "Your car's ready - see \"details\"..."
    assert segments(made).encoding is Encoding.GSM7


def test_arabic_text_is_left_as_it_is() -> None:
    text = "سيارتك جاهزة — شكرًا"
    assert plain_punctuation(text) == text


def test_a_long_text_is_split_between_words_into_messages_of_at_most_n_segments() -> None:
    text = " ".join(["word"] * 400)  # 1,999 characters
    parts = split(text, max_segments=4)
    assert all(segments(p).count <= 4 for p in parts)
    assert " ".join(parts) == text
    assert len(parts) == 4


async def test_long_links_are_shortened_and_short_ones_kept() -> None:
    calls: list[str] = []

    async def shorten(url: str) -> str:
        calls.append(url)
        return "https://g.example/s/abc"

    long = "https://garage.example.com/t/eyJhbGciOiJIUzI1NiJ9.MTIz.abcdefghijklmnop"
    text = f"Follow it here: {long}. Or https://x.io/a"
    assert await shorten_links(text, shorten) == "Follow it here: https://g.example/s/abc. Or https://x.io/a"
    assert calls == [long]

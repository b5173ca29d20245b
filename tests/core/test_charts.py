"""The chart library draws real pictures (sized, not blank) in PNG and SVG,
with Arabic labels set in the Arabic font and shaped, days right to left
for an Arabic reader, and can draw from several threads at once."""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import io
import re
import statistics
from decimal import Decimal

import pytest
from PIL import Image

from garagebot.core.charts import (
    NATIVE_SHAPING,
    ChartFormat,
    DailyChart,
    DayValue,
    amount_label,
    render,
    render_many,
    shape,
)

DAYS = [dt.date(2026, 10, 25) + dt.timedelta(days=i) for i in range(7)]
LABELS = {
    "en": ("Revenue and cars out, 25 Oct – 31 Oct 2026", "Revenue", "Cars out"),
    "ar": ("الإيرادات والسيارات المسلّمة، 25 أكتوبر – 31 أكتوبر 2026", "الإيرادات", "السيارات المسلّمة"),
}


def chart(locale: str, *, empty: bool = False) -> DailyChart:
    title, amounts, counts = LABELS[locale]
    return DailyChart(
        locale, title, amounts, counts, "JOD",
        [DayValue(d, Decimal(0) if empty else Decimal(f"{10 * i + 22}.040")) for i, d in enumerate(DAYS)],
        [DayValue(d, Decimal(0 if empty else i % 3)) for i, d in enumerate(DAYS)])


def pixels(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_a_png_chart_has_its_size_and_is_not_blank(locale: str) -> None:
    png = render(chart(locale))
    image = pixels(png)
    assert image.format == "PNG"
    assert image.size == (800, 450)
    grey = list(image.convert("L").tobytes())
    assert statistics.pvariance(grey) > 500  # bars, a line, text: far from a flat picture
    assert len({(p // 32) for p in grey}) >= 4


def test_a_chart_of_a_quiet_week_still_draws_its_axes_and_labels() -> None:
    grey = list(pixels(render(chart("en", empty=True))).convert("L").tobytes())
    assert statistics.pvariance(grey) > 50


def _svg_texts(svg: str) -> list[str]:
    """The texts matplotlib wrote (it keeps each as a comment beside its glyphs)."""
    return re.findall(r"<!-- (.*?) -->", svg)


def test_the_arabic_svg_sets_the_labels_in_the_arabic_font() -> None:
    svg = render(chart("ar"), ChartFormat.SVG).decode()
    texts = _svg_texts(svg)
    title, amounts, counts = (shape(t, "ar") for t in LABELS["ar"])
    assert title in texts
    assert amounts in texts
    assert counts in texts
    assert "<svg" in svg
    assert re.search(r'id="NotoSansArabic-(Regular|Bold)-[0-9a-f]+"', svg)
    english = render(chart("en"), ChartFormat.SVG).decode()
    assert not re.search(r'id="NotoSansArabic-', english)


def _glyphs(svg: str) -> set[str]:
    return set(re.findall(r'id="(NotoSansArabic-Regular-[0-9a-f]+)"', svg))


def test_arabic_letters_are_joined_not_drawn_one_by_one() -> None:
    """A joined word uses other glyphs (initial, medial, final forms) than its
    letters drawn apart."""
    joined = render(DailyChart("ar", "", "سمسم", "ك", "JOD", [], []), ChartFormat.SVG).decode()
    apart = render(DailyChart("ar", "", "س م س م", "ك", "JOD", [], []), ChartFormat.SVG).decode()
    assert _glyphs(joined) - _glyphs(apart)


def test_shape_joins_and_orders_arabic_where_matplotlib_does_not() -> None:
    word = "الإيرادات"
    if NATIVE_SHAPING:
        assert shape(f"\u2068{word}\u2069", "ar") == word  # matplotlib shapes it itself; marks dropped
    else:
        shaped = shape(word, "ar")
        assert shaped != word
        assert all("\ufb50" <= ch <= "\ufeff" for ch in shaped)
    assert shape("Revenue", "en") == "Revenue"


def test_amounts_on_the_axis_are_written_the_garages_way() -> None:
    assert amount_label(56.84, "JOD", "en") == "JOD\xa056.840"
    assert "56.840" in amount_label(56.84, "JOD", "ar")
    assert "د.أ." in amount_label(56.84, "JOD", "ar")


def test_charts_draw_from_several_threads_at_once() -> None:
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        pngs = list(pool.map(lambda loc: render(chart(loc)), ["en", "ar"] * 4))
    assert all(p == pngs[i % 2] for i, p in enumerate(pngs))


def test_one_drawing_gives_png_and_svg() -> None:
    both = render_many(chart("ar"), [ChartFormat.PNG, ChartFormat.SVG])
    assert both[ChartFormat.PNG].startswith(b"\x89PNG")
    assert b"<svg" in both[ChartFormat.SVG]

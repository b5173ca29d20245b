"""Charts drawn server-side: a bar series (amounts) and a line series (counts)
per day, as PNG for chat and SVG for the console's reports.

One library for every chart of the product. It draws on a
``matplotlib.figure.Figure`` with the Agg canvas directly (never pyplot, whose
global state is not thread-safe), so charts may be drawn from worker threads
at once. Labels come already in the reader's language. Arabic text must be
shaped (letters joined) and ordered right to left: matplotlib 3.11 and later
do both themselves (libraqm); with an older matplotlib, which lays text out
left to right glyph by glyph, ``shape`` does it first (arabic-reshaper joins
the letters, python-bidi's ``get_display`` orders them visually). For
an Arabic reader the days run right to left and the amounts' axis is on the
right. Amounts are written the garage's way (``money.format_money``). The
fonts are the shipped Noto Sans and Noto Sans Arabic (``core.fonts``), one
falling back on the other glyph by glyph. No database access here.
"""

from __future__ import annotations

import datetime as dt
import io
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

import arabic_reshaper  # type: ignore[import-untyped]
import matplotlib
from babel.dates import format_date
from bidi import get_display  # type: ignore[import-untyped]
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from garagebot.core.fonts import font_path
from garagebot.core.i18n import FSI, PDI, RTL_LOCALES
from garagebot.core.money import Money, format_money

# The families a reader's chart is set in, first choice first (glyph by glyph
# fallback costs a lookup per character, so a Latin chart asks for one font).
_FAMILIES = {"ar": ["Noto Sans Arabic", "Noto Sans"]}
_LATIN = ["Noto Sans"]
_FONT_FILES = ("NotoSans-Regular", "NotoSans-Bold", "NotoSansArabic-Regular", "NotoSansArabic-Bold")
_fonts_lock = threading.Lock()
_fonts_ready = False
_BIDI_MARKS = dict.fromkeys(map(ord, "\u200e\u200f\u061c\u2066\u2067\u2068\u2069"
                                      "\u202a\u202b\u202c\u202d\u202e"))
# Whether matplotlib shapes and orders complex text itself (3.11+: libraqm).
NATIVE_SHAPING = tuple(int(p) for p in matplotlib.__version__.split(".")[:2]) >= (3, 11)
BAR_COLOUR = "#2f6f9f"
LINE_COLOUR = "#d9822b"


class ChartFormat(StrEnum):
    PNG = "png"
    SVG = "svg"


@dataclass(frozen=True, slots=True)
class DayValue:
    day: dt.date
    value: Decimal


@dataclass(frozen=True, slots=True)
class DailyChart:
    """Two series over the same days: ``amounts`` as bars (money, in
    ``currency``) and ``counts`` as a line on a second axis. Labels are texts
    in ``locale`` already."""

    locale: str
    title: str
    amounts_label: str
    counts_label: str
    currency: str
    amounts: Sequence[DayValue]
    counts: Sequence[DayValue]


def _register_fonts() -> None:
    """Add the shipped fonts to matplotlib's font list once per process."""
    global _fonts_ready
    with _fonts_lock:
        if _fonts_ready:
            return
        for name in _FONT_FILES:
            font_manager.fontManager.addfont(str(font_path(name)))
        _fonts_ready = True


def shape(text: str, locale: str) -> str:
    """``text`` as matplotlib must be given it: bidi control marks dropped
    (they have no glyph); for Arabic on a matplotlib that does not shape,
    letters joined and in visual order."""
    plain = text.translate(_BIDI_MARKS)
    if locale not in RTL_LOCALES or NATIVE_SHAPING:
        return plain
    return str(get_display(arabic_reshaper.reshape(plain)))


def day_label(day: dt.date, locale: str) -> str:
    """A day on the axis: "8 Dec" / "8 ديسمبر"."""
    return str(format_date(day, "d MMM", locale=locale))


def amount_label(value: float, currency: str, locale: str) -> str:
    """A tick of the amounts' axis, written as the garage writes money."""
    amount = Decimal(f"{float(value):.3f}")
    return format_money(Money(amount, currency), locale).replace(FSI, "").replace(PDI, "")


def _days(chart: DailyChart) -> list[dt.date]:
    return sorted({p.day for p in chart.amounts} | {p.day for p in chart.counts})


def _draw(chart: DailyChart) -> Figure:
    _register_fonts()
    rtl = chart.locale in RTL_LOCALES
    families = _FAMILIES.get(chart.locale, _LATIN)
    fig = Figure(figsize=(8, 4.5), dpi=100)
    FigureCanvasAgg(fig)
    # Fixed margins (a layout engine would lay the figure out twice): room for
    # the amounts on the outer side, the counts on the inner.
    wide, narrow = 0.14, 0.06
    fig.subplots_adjust(left=narrow if rtl else wide, right=1 - (wide if rtl else narrow),
                        top=0.83, bottom=0.1)
    ax = fig.add_subplot()
    days = _days(chart)
    xs = list(range(len(days)))
    amounts = {p.day: float(p.value) for p in chart.amounts}
    counts = {p.day: float(p.value) for p in chart.counts}
    ax.bar(xs, [amounts.get(d, 0.0) for d in days], color=BAR_COLOUR,
           label=shape(chart.amounts_label, chart.locale))
    line = ax.twinx()
    line.plot(xs, [counts.get(d, 0.0) for d in days], color=LINE_COLOUR, marker="o",
              label=shape(chart.counts_label, chart.locale))
    line.set_ylim(bottom=0, top=max([*counts.values(), 1.0]) * 1.2)
    line.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(bottom=0, top=max([*amounts.values(), 1.0]) * 1.15)
    ax.yaxis.set_major_formatter(FuncFormatter(
        lambda v, _pos: shape(amount_label(v, chart.currency, chart.locale), chart.locale)))
    step = max(1, len(days) // 10)
    ax.set_xticks(xs[::step], [shape(day_label(d, chart.locale), chart.locale) for d in days[::step]])
    if rtl:  # days run right to left; amounts on the right, counts on the left
        ax.invert_xaxis()
        ax.yaxis.tick_right()
        line.yaxis.tick_left()
    fig.suptitle(shape(chart.title, chart.locale), y=0.97, fontfamily=families, fontweight="bold")
    handles = [*ax.get_legend_handles_labels()[0], *line.get_legend_handles_labels()[0]]
    if rtl:
        handles.reverse()  # read from the right: the bars' label first
    fig.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.915), ncols=2, frameon=False,
               prop={"family": families})
    for axis in (ax, line):
        axis.tick_params(labelfontfamily=families)
    ax.grid(axis="y", alpha=0.3)
    return fig


def render(chart: DailyChart, fmt: ChartFormat = ChartFormat.PNG) -> bytes:
    """The chart as PNG or SVG bytes."""
    fig = _draw(chart)
    out = io.BytesIO()
    if fmt is ChartFormat.PNG:  # fast compression: a chart is small either way
        fig.savefig(out, format="png", metadata={"Software": None}, pil_kwargs={"compress_level": 1})
    else:
        fig.savefig(out, format="svg", metadata={"Date": None})
    return out.getvalue()


def render_many(chart: DailyChart, formats: Sequence[ChartFormat]) -> dict[ChartFormat, bytes]:
    """One drawing saved in several formats."""
    fig = _draw(chart)
    out: dict[ChartFormat, bytes] = {}
    for fmt in formats:
        buf = io.BytesIO()
        fig.savefig(buf, format=fmt.value)
        out[fmt] = buf.getvalue()
    return out

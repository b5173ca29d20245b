"""A digest as its reader sees it: the message's key and parameters in the
reader's language, the drill-down buttons, and the chart.

Parameters are texts already written for the reader (amounts the garage's
way, dates in the reader's calendar words), because the message is rendered
later by the dispatcher from the stored key and parameters.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_decimal

from garagebot.core.charts import ChartFormat, DailyChart, render
from garagebot.core.digests.figures import Digest, PeriodFigures, Rated, chart_period
from garagebot.core.digests.schedule import DigestKind, DigestPeriod
from garagebot.core.i18n import Translator
from garagebot.core.money import Money, format_money
from garagebot.core.ports import Choice

# The drill-down lists (``o:<kind>:0`` buttons, followed by the staff dialogs' openers).
DRILLS = (("dgo", "digests.btn_overdue"), ("dga", "digests.btn_approval"),
          ("dgs", "digests.btn_stockouts"), ("dgr", "digests.btn_receivables"))
SETTINGS_OPENER = "dgset"


def drill_choices() -> tuple[Choice, ...]:
    """The buttons under a digest: the four lists and the person's settings."""
    return (*(Choice(f"o:{kind}:0", key) for kind, key in DRILLS),
            Choice(f"o:{SETTINGS_OPENER}:0", "digests.btn_settings"))


def message_key(kind: DigestKind) -> str:
    return f"digests.{kind.value}"


def period_text(digest: Digest, locale: str, p: DigestPeriod | None = None) -> str:
    """"8 Dec 2026", or "2 Dec – 8 Dec 2026" for a week (the digest's period by default)."""
    p = p or digest.period
    end = str(format_date(p.end, "d MMM y", locale=locale))
    if p.start == p.end:
        return end
    return f"{format_date(p.start, 'd MMM', locale=locale)} – {end}"


def _number(value: Decimal | int | None, locale: str, suffix: str = "") -> str:
    if value is None:
        return "—"
    return f"{format_decimal(value, locale=locale)}{suffix}"


def _rated(rated: Rated | None, locale: str) -> str:
    if rated is None:
        return "—"
    return f"{rated.number} · {rated.plate} · {rated.score}/5"


def _figures(f: PeriodFigures, locale: str, suffix: str) -> dict[str, object]:
    def money(m: Money) -> str:
        return format_money(m, locale)

    margin = money(f.margin)
    if f.margin_percent is not None:
        margin = f"{margin} ({_number(f.margin_percent, locale, '%')})"
    return {
        f"cars_in{suffix}": f.cars_in, f"cars_out{suffix}": f.cars_out,
        f"revenue{suffix}": money(f.revenue), f"margin{suffix}": margin,
        f"turnaround{suffix}": _number(f.turnaround_hours, locale),
        f"on_time{suffix}": _number(f.on_time_percent, locale, "%"),
        f"stockouts{suffix}": f.stockouts, f"receivables{suffix}": money(f.receivables_over_30),
    }


def digest_params(digest: Digest, locale: str, garage: str) -> dict[str, object]:
    """The parameters of ``message_key(kind)`` for a reader of ``locale``."""
    return {
        "garage": garage, "period": period_text(digest, locale),
        **_figures(digest.current, locale, ""), **_figures(digest.previous, locale, "_before"),
        "best": _rated(digest.current.best, locale), "worst": _rated(digest.current.worst, locale),
        "overdue": digest.overdue, "approval": digest.awaiting_approval,
        "requests": digest.requests_waiting,
    }


def chart_of(digest: Digest, locale: str, translator: Translator) -> DailyChart:
    """The digest's chart (revenue and cars out per day) labelled for ``locale``."""
    shown = chart_period(digest.period)
    title = translator.render(locale, "digests.chart_title", {"period": period_text(digest, locale, shown)})
    return DailyChart(
        locale=locale, title=title,
        amounts_label=translator.render(locale, "digests.chart_revenue"),
        counts_label=translator.render(locale, "digests.chart_cars_out"),
        currency=digest.garage.currency,
        amounts=digest.revenue_by_day, counts=digest.cars_out_by_day)


def chart_png(digest: Digest, locale: str, translator: Translator) -> bytes:
    return render(chart_of(digest, locale, translator), ChartFormat.PNG)


def chart_key(digest: Digest, locale: str, now: dt.datetime) -> str:
    """Where the chart is stored (one file per garage, period, language and drawing)."""
    stamp = now.strftime("%Y%m%dT%H%M%S%f")
    return (f"digests/{digest.garage.org_id}/{digest.period.kind.value}-{digest.period.key}"
            f"-{locale}-{stamp}.png")

"""Report rows as CSV (for accountants' spreadsheets) or as a plain text table.

Columns are the row's field names (stable English snake_case, never
translated: spreadsheets and imports key on them). Cells are plain: amounts
as decimal strings with the currency's places, rounded half-up ("23.200"
for JOD, no symbol, no grouping); quantities and rates as plain decimals;
dates as YYYY-MM-DD; date-times ISO 8601 in the garage's zone; empty when
there is no value.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import zoneinfo
from collections.abc import Sequence
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING

from garagebot.core.money import Money

if TYPE_CHECKING:
    from _typeshed import DataclassInstance


def columns(row_type: type[DataclassInstance]) -> list[str]:
    return [f.name for f in dataclasses.fields(row_type)]


def cell(value: object, zone: zoneinfo.ZoneInfo) -> str:
    """One value as text (see the module docstring)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Money):
        amount = value.rounded().amount
        return format(abs(amount) if amount == 0 else amount, "f")
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.datetime):
        return value.astimezone(zone).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)


def _cells(rows: Sequence[DataclassInstance], names: list[str], timezone: str) -> list[list[str]]:
    zone = zoneinfo.ZoneInfo(timezone)
    return [[cell(getattr(row, name), zone) for name in names] for row in rows]


def to_csv(row_type: type[DataclassInstance], rows: Sequence[DataclassInstance], *, timezone: str) -> str:
    """The rows as CSV text (RFC 4180: comma, CRLF, quoted only when needed), header first."""
    names = columns(row_type)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(names)
    writer.writerows(_cells(rows, names, timezone))
    return out.getvalue()


def _numeric(value: object) -> bool:
    return isinstance(value, Money | Decimal | int) and not isinstance(value, bool)


def to_table(row_type: type[DataclassInstance], rows: Sequence[DataclassInstance], *, timezone: str) -> str:
    """The rows as an aligned text table (numbers right-aligned); "(no rows)" when empty."""
    names = columns(row_type)
    body = _cells(rows, names, timezone)
    widths = [max([len(n), *(len(r[i]) for r in body)]) for i, n in enumerate(names)]
    right = [any(_numeric(getattr(row, n)) for row in rows) for n in names]

    def line(cells: Sequence[str]) -> str:
        padded = (c.rjust(w) if r else c.ljust(w) for c, w, r in zip(cells, widths, right, strict=True))
        return "  ".join(padded)

    lines = [line(names), line(["-" * w for w in widths]), *(line(r) for r in body)]
    if not rows:
        lines.append("(no rows)")
    return "\n".join(text.rstrip() for text in lines) + "\n"

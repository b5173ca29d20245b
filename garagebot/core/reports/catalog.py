"""Every report by its name, run the same way: (session, garage, period, now).

Period reports read ``period``; reports "on a day" (pending bills, aging)
are taken on ``period.end``; the revenue summary uses ``now``. The CLI and
any other adapter list and run reports through ``REPORTS``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.core.ids import OrgId
from garagebot.core.reports import margin, mechanics, parts, payables, receivables, revenue, sessions
from garagebot.core.reports.period import Period

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

Runner = Callable[[AsyncSession, OrgId, Period, dt.datetime], Awaitable[Sequence["DataclassInstance"]]]


@dataclass(frozen=True, slots=True)
class Report:
    name: str
    summary: str
    row_type: type[DataclassInstance]
    run: Runner


REPORTS: dict[str, Report] = {r.name: r for r in (
    Report("revenue", "invoices less credit notes, per day", revenue.RevenueDay,
            lambda s, o, p, n: revenue.revenue_by_day(s, o, period=p)),
    Report("revenue-summary", "revenue today and this month to date", revenue.RevenueSummary,
            lambda s, o, p, n: revenue.revenue_summary(s, o, now=n)),
    Report("margin", "gross margin of parts against labour and fees", margin.MarginRow,
            lambda s, o, p, n: margin.gross_margin(s, o, period=p)),
    Report("parts-usage", "parts consumed per item, with their cost", parts.PartUsage,
            lambda s, o, p, n: parts.parts_usage(s, o, period=p)),
    Report("stockouts", "items that ran out or below minimum, or are short now", parts.Stockout,
            lambda s, o, p, n: parts.stockouts(s, o, period=p)),
    Report("throughput", "sessions completed and delivered per ISO week", sessions.ThroughputWeek,
            lambda s, o, p, n: sessions.throughput(s, o, period=p)),
    Report("turnaround", "check-in to completion: average and median hours", sessions.TurnaroundRow,
            lambda s, o, p, n: sessions.turnaround(s, o, period=p)),
    Report("on-time", "completed sessions finished by their ETA", sessions.OnTimeRow,
            lambda s, o, p, n: sessions.on_time(s, o, period=p)),
    Report("mechanics", "steps done, step time and rework per technician", mechanics.MechanicRow,
            lambda s, o, p, n: mechanics.mechanic_productivity(s, o, period=p)),
    Report("pending-bills", "supplier bills not fully paid on the last day", payables.PendingBill,
            lambda s, o, p, n: payables.pending_bills(s, o, as_of=p.end)),
    Report("receivables", "open invoice balances per payer by age on the last day", receivables.AgingRow,
            lambda s, o, p, n: receivables.receivables_aging(s, o, as_of=p.end)),
)}

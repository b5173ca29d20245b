"""``garagebot report NAME --org SLUG [--from DATE] [--to DATE] [--csv FILE|-]``.

Prints the report as a table, or writes it as CSV (UTF-8, header first) to a
file or, with ``-``, to standard output. The period is whole days of the
garage's calendar; without dates it is this month up to today, and with only
``--to`` the month of that day up to it. Reports taken on a day (pending
bills, receivables) are taken on the period's last day.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from garagebot.app.bootstrap import open_runtime
from garagebot.app.settings import Settings
from garagebot.core.garage import find_garage
from garagebot.core.reports.catalog import REPORTS
from garagebot.core.reports.export import to_csv, to_table
from garagebot.core.reports.period import Period, load_garage

AsyncCommand = Callable[[Settings, argparse.Namespace], Coroutine[Any, Any, int]]
RunAsync = Callable[[AsyncCommand], Callable[[Settings, argparse.Namespace], int]]


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _period(start: dt.date | None, end: dt.date | None, today: dt.date) -> Period | None:
    last = end or today
    first = start or last.replace(day=1)
    return Period(first, last) if first <= last else None


async def report(settings: Settings, args: argparse.Namespace) -> int:
    """Run one report for one garage and print or export it."""
    spec = REPORTS[args.name]
    async with open_runtime(settings, in_process_drain=False) as rt:
        ref = await find_garage(rt.db, args.org)
        now = rt.db.clock.now()
        async with rt.db.read() as session:
            garage = await load_garage(session, ref.id)
            period = _period(args.start, args.end, garage.today(now))
            if period is None:
                print("garagebot report: --from is after --to", file=sys.stderr)
                return 2
            rows = await spec.run(session, ref.id, period, now)
    if args.csv is None:
        print(f"{spec.name}: {args.org}, {period.start.isoformat()} to {period.end.isoformat()}")
        sys.stdout.write(to_table(spec.row_type, rows, timezone=garage.timezone))
        return 0
    text = to_csv(spec.row_type, rows, timezone=garage.timezone)
    if args.csv == "-":
        sys.stdout.write(text)
    else:
        await asyncio.to_thread(Path(args.csv).write_text, text, encoding="utf-8", newline="")
        print(f"{len(rows)} row(s) written to {args.csv}", file=sys.stderr)
    return 0


def add_report_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser], run_async: RunAsync) -> None:
    names = "\n".join(f"  {name:<16} {spec.summary}" for name, spec in REPORTS.items())
    p = sub.add_parser(
        "report", help="print a report or export it as CSV",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Print a report of one garage as a table, or write it as CSV.\nThe period is whole "
        "days of the garage's calendar (default: this month up to today).\n\nreports:\n" + names,
    )
    p.add_argument("name", choices=list(REPORTS), metavar="NAME", help="the report (listed above)")
    p.add_argument("--org", required=True, metavar="SLUG", help="the garage")
    p.add_argument("--from", dest="start", type=_date, metavar="YYYY-MM-DD",
                   help="first day (default: the first of the --to month)")
    p.add_argument("--to", dest="end", type=_date, metavar="YYYY-MM-DD",
                   help="last day, and the day of pending-bills and receivables (default: today)")
    p.add_argument("--csv", metavar="FILE", help="write CSV to FILE, or to standard output with -")
    p.set_defaults(run=run_async(report))

"""Every report runs a fixed handful of statements, however many sessions,
items, invoices or payers it covers (no query per row)."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState

from garagebot.core.reports.catalog import REPORTS
from garagebot.core.uow import Database
from tests.conftest import Staff
from tests.core.reports.conftest import TWO_WEEKS
from tests.core.reports.scenario import Garage, local

# The garage's zone and currency first, then the report's own queries.
STATEMENTS = {
    "revenue": 3, "revenue-summary": 3, "margin": 4, "parts-usage": 3, "stockouts": 6, "throughput": 2,
    "turnaround": 2, "on-time": 2, "mechanics": 6, "pending-bills": 3, "receivables": 5,
}


async def test_each_report_runs_a_fixed_number_of_statements(
    db: Database, staff: Staff, scene: Garage
) -> None:
    counted: dict[str, int] = {}
    for name, report in REPORTS.items():
        async with db.read() as s:
            statements: list[str] = []

            def count(state: ORMExecuteState, seen: list[str] = statements) -> None:
                seen.append(str(state.statement))

            event.listen(s.sync_session, "do_orm_execute", count)
            rows = await report.run(s, staff.org, TWO_WEEKS, local(23, 15))
            assert rows, name  # the scenario gives every report something to show
            counted[name] = len(statements)
    assert counted == STATEMENTS

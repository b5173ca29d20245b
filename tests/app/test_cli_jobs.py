"""``garagebot jobs list`` and ``garagebot jobs run``: every job per garage with
its last and next run in the garage's zone, one job run now and recorded, and
one-line errors for an unknown job or garage."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.app.test_cli import create_org, db_file, query, run

__all__ = ["db_file"]  # the fixture


def test_jobs_list_and_run(db_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    create_org(capsys, "rami", "--timezone", "Europe/Berlin")
    code, out, err = run(capsys, "jobs", "list")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].split() == ["garage", "job", "cadence", "last", "run", "next", "run"]
    jobs = {line.split()[1]: line for line in lines[1:]}
    assert set(jobs) == {"digests", "sla_check", "stock_daily", "orders_overdue", "invoice_reminders",
                         "service_reminders", "appointment_reminders", "no_shows"}
    assert "daily 08:00" in jobs["stock_daily"]
    assert "never" in jobs["stock_daily"]
    assert "CET" in jobs["stock_daily"]  # the garage's zone
    code, out, err = run(capsys, "jobs", "run", "sla_check", "--org", "rami")
    assert (code, out) == (0, "sla_check for rami: done, 0 message(s) queued\n")
    assert "error" not in err.lower()
    assert query(db_file, "SELECT job, status, manual FROM scheduled_run") == [("sla_check", "done", 1)]
    code, out, err = run(capsys, "jobs", "list", "--org", "rami")
    assert "done (by hand), 0 queued" in next(line for line in out.splitlines() if "sla_check" in line)
    code, out, err = run(capsys, "jobs", "run", "appointment_reminders", "--org", "rami")
    assert (code, out) == (0, "appointment_reminders for rami: done, 0 message(s) queued\n")


def test_an_unknown_job_or_garage_is_one_line_with_exit_code_2(
        db_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    create_org(capsys, "rami")
    code, _, err = run(capsys, "jobs", "run", "nightly", "--org", "rami")
    assert code == 2
    assert err.startswith("garagebot jobs run: no job named nightly (the jobs: digests, sla_check, ")
    code, _, err = run(capsys, "jobs", "run", "sla_check", "--org", "nobody")
    assert code == 2
    assert len(err.strip().splitlines()) == 1

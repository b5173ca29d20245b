"""``garagebot report`` in-process on a temporary SQLite file holding the scenario."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from garagebot.app.cli import main
from garagebot.app.settings import PREFIX, Settings
from garagebot.core.db import Base, make_engine
from garagebot.core.staff import create_organization
from garagebot.core.uow import Database
from tests.conftest import START, make_staff
from tests.core.reports.scenario import build
from tests.fakes import FakeClock


async def _seed(url: str) -> None:
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    await engine.dispose()
    clock = FakeClock(START)
    db = Database(url, clock=clock)
    org = await create_organization(db, slug="rami", name_en="Rami Motors", name_ar="كراج رامي")
    await build(db, await make_staff(db, org), clock)
    await db.dispose()


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('reports') / 'cli.db'}"
    asyncio.run(_seed(url))
    return url


@pytest.fixture
def env(seeded: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in Settings.model_fields:
        monkeypatch.delenv(PREFIX + name.upper(), raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GARAGEBOT_DATABASE_URL", seeded)
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["report", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_report_prints_a_table_or_writes_csv(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "revenue", "--org", "rami", "--from", "2026-11-16", "--to", "2026-11-29",
                         "--csv", "-")
    assert (code, err) == (0, "")
    assert out == (
        "day,invoices,credit_notes,net,tax,total\r\n"
        "2026-11-16,1,0,32.000,5.120,37.120\r\n"
        "2026-11-17,1,0,40.000,6.400,46.400\r\n"
        "2026-11-23,2,1,20.000,3.200,23.200\r\n"
    )

    # Only --to: the month of that day up to it; pending bills are taken on that day.
    code, out, _ = run(capsys, "pending-bills", "--org", "rami", "--to", "2026-11-29")
    assert code == 0
    assert out == (
        "pending-bills: rami, 2026-11-01 to 2026-11-29\n"
        "supplier  reference  bill_date   due_date     total   paid     due  age_days  days_overdue\n"
        "--------  ---------  ----------  ----------  ------  -----  ------  --------  ------------\n"
        "Parts Co  R-2        2026-11-17  2026-11-27  18.000  4.000  14.000        12             2\n"
        "Oil Ltd   O-1        2026-11-22  2026-12-22   5.000  0.000   5.000         7           -23\n"
    )

    code, out, err = run(capsys, "throughput", "--org", "rami", "--from", "2026-11-16", "--to",
                         "2026-11-29", "--csv", "weeks.csv")
    assert (code, out, err) == (0, "", "2 row(s) written to weeks.csv\n")
    assert (env / "weeks.csv").read_bytes() == (
        b"week,week_start,completed,delivered\r\n2026-W47,2026-11-16,2,1\r\n2026-W48,2026-11-23,1,1\r\n"
    )


def test_report_refuses_a_backwards_period_and_an_unknown_garage(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "margin", "--org", "rami", "--from", "2026-11-29", "--to", "2026-11-16")
    assert (code, out, err) == (2, "", "garagebot report: --from is after --to\n")
    code, out, err = run(capsys, "margin", "--org", "nobody", "--to", "2026-11-16")
    assert (code, out, err) == (2, "", "garagebot report: This garage does not exist.\n")
    with pytest.raises(SystemExit) as bad:
        main(["report", "margin", "--org", "rami", "--from", "16/11/2026"])
    assert bad.value.code == 2
    assert "not a date (YYYY-MM-DD): '16/11/2026'" in capsys.readouterr().err

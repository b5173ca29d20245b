"""``garagebot org import|export`` on a garage made by ``create-org``: the
example file applies once, a second import changes nothing, a bad file is
refused whole with every problem at its line (exit 1), and export writes a
file that imports back unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.app.test_cli import create_org, db_file, query, run

__all__ = ["db_file"]  # the fixture, shared with the other CLI tests

EXAMPLE = Path(__file__).parents[2] / "docs" / "garage-config.example.yaml"


@pytest.mark.parametrize("command", ["import", "export"])
def test_org_import_and_export_have_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        run(capsys, "org", command, "--help")
    assert done.value.code == 0
    assert "--org SLUG" in capsys.readouterr().out


def test_a_new_garage_imports_the_example_once_and_exports_it_back(
    db_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    org = create_org(capsys, "east")
    code, out, err = run(capsys, "org", "import", "--org", "east", str(EXAMPLE))
    assert (code, err) == (0, "")
    assert out == "east: updated billing, qc_items, templates, whatsapp_templates\n"
    assert [r[0] for r in query(db_file, "SELECT code FROM service_template WHERE organization_id = ? "
                                "ORDER BY id", org)] == ["oil_service", "brake_pads"]
    audit = query(db_file, "SELECT count(*) FROM audit_entry WHERE organization_id = ?", org)
    code, out, _ = run(capsys, "org", "import", "--org", "east", str(EXAMPLE))
    assert (code, "nothing changed" in out) == (0, True)
    assert query(db_file, "SELECT count(*) FROM audit_entry WHERE organization_id = ?", org) == audit
    exported = tmp_path / "east.yaml"
    assert run(capsys, "org", "export", "--org", "east", str(exported))[0] == 0
    assert "oil_service" in exported.read_text(encoding="utf-8")
    create_org(capsys, "west")
    assert run(capsys, "org", "import", "--org", "west", str(exported))[0] == 0
    code, out, _ = run(capsys, "org", "export", "--org", "west", "-")
    assert (code, out) == (0, exported.read_text(encoding="utf-8"))


def test_a_bad_file_changes_nothing_and_names_each_problem_with_its_line(
    db_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    org = create_org(capsys, "east")
    bad = tmp_path / "bad.yaml"
    bad.write_text("billing:\n  billing_mode: hourly\nsla:\n  diagnose_minutes: 300\n  repair_minutes: 60\n"
                   "templates:\n  - code: brakes\n    name_en: Brakes\n", encoding="utf-8")
    audit = query(db_file, "SELECT count(*) FROM audit_entry WHERE organization_id = ?", org)
    code, out, err = run(capsys, "org", "import", "--org", "east", str(bad))
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        f"{bad}:2: “hourly” is not one of: quoted, actual.",
        f"{bad}:4: The diagnosis target (300 min) cannot be longer than the repair target (60 min).",
        f"{bad}:7: “name_ar” is missing.",
        f"{bad}:7: “steps” is missing.",
        "The configuration file has 4 problems; nothing was changed.",
    ]
    assert query(db_file, "SELECT count(*) FROM audit_entry WHERE organization_id = ?", org) == audit
    assert query(db_file, "SELECT count(*) FROM service_template") == [(0,)]

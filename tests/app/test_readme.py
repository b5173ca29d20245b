"""The README tells the truth about the demo garage."""

from __future__ import annotations

from pathlib import Path

from garagebot.app import demo_data as data


def test_the_readme_lists_the_demo_staff_as_they_are_seeded() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    rows = {tuple(cell.strip() for cell in line.strip("|").split("|"))
            for line in readme.splitlines() if line.startswith("| 1000000")}
    assert rows == {(str(s.telegram_user_id), s.phone, s.role.value.replace("_", " "), s.name)
                    for s in data.STAFF}


def test_the_readme_lists_the_demo_console_sign_ins_as_they_are_seeded() -> None:
    from garagebot.app.demo import CONSOLE_SIGN_INS

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    for _, login, password in CONSOLE_SIGN_INS:
        assert f"| `{login}` | `{password}` |" in readme

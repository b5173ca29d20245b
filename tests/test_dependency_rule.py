"""The one dependency rule: app → {bot, webhooks, admin_web} → conversations → core.

An AST walk over every module: each room may import only the rooms listed
for it, and core imports no transport library at all.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "garagebot"
ROOMS = ("core", "conversations", "bot", "webhooks", "admin_web", "app")
ALLOWED: dict[str, set[str]] = {
    "core": {"core"},
    "conversations": {"core", "conversations"},
    "bot": {"core", "conversations", "bot"},
    "webhooks": {"core", "conversations", "webhooks"},
    "admin_web": {"core", "conversations", "admin_web"},
    "app": set(ROOMS),
}
# Transports and web frameworks stay out of the domain: core reaches them through ports.
CORE_FORBIDDEN_LIBS = {"aiohttp", "aiohttp_jinja2", "telegram", "twilio", "arq", "redis", "jinja2"}


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
        elif isinstance(node, ast.ImportFrom) and node.level > 0:
            raise AssertionError(f"{path}: relative import; use absolute garagebot.* imports")
    return names


def _room_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "garagebot" or len(parts) < 2:
        return None
    return parts[1] if parts[1] in ROOMS else None


def _modules() -> list[tuple[str, Path]]:
    found: list[tuple[str, Path]] = []
    for room in ROOMS:
        found.extend((room, p) for p in sorted((PACKAGE / room).rglob("*.py")))
    return found


@pytest.mark.parametrize(("room", "path"), _modules(), ids=lambda v: str(v).split("garagebot/")[-1])
def test_each_module_imports_only_the_rooms_it_may(room: str, path: Path) -> None:
    bad = []
    for name in _imports(path):
        target = _room_of(name)
        if target is not None and target not in ALLOWED[room]:
            bad.append(name)
        if room == "core" and name.split(".")[0] in CORE_FORBIDDEN_LIBS:
            bad.append(name)
    assert bad == [], f"{path.relative_to(PACKAGE.parent)} imports {bad}"


def test_the_rule_itself_catches_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "x.py"
    bad.write_text("from garagebot.bot import handlers\nimport aiohttp\n", encoding="utf-8")
    names = _imports(bad)
    assert _room_of(names[0]) == "bot"
    assert "bot" not in ALLOWED["core"]
    assert names[1] in CORE_FORBIDDEN_LIBS

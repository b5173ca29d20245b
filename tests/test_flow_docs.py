"""Every flow's diagram in docs/flows/ is the one in its code (the docstring
of the module named on the page's "Source:" line), and every flow module with
a diagram has its page (or lies in the package a page describes as a whole,
like the client conversation)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MERMAID = re.compile(r"```mermaid\n(.*?)```", re.S)
SOURCE = re.compile(r"Source: `([^`]+)`")


def test_each_flow_page_shows_the_diagram_of_its_code() -> None:
    checked = 0
    for page in sorted((ROOT / "docs" / "flows").glob("*.md")):
        text = page.read_text(encoding="utf-8")
        source = SOURCE.search(text)
        assert source is not None, f"{page.name} names no Source"
        path = ROOT / source.group(1)
        assert path.exists(), f"{page.name}: {source.group(1)} does not exist"
        if path.is_file():
            assert MERMAID.findall(text) == MERMAID.findall(path.read_text(encoding="utf-8")), page.name
            checked += 1
    assert checked >= 7


def test_every_flow_module_with_a_diagram_has_a_page() -> None:
    pages = {SOURCE.search(p.read_text(encoding="utf-8")).group(1)  # type: ignore[union-attr]
             for p in (ROOT / "docs" / "flows").glob("*.md")}
    modules = {str(p.relative_to(ROOT)) for p in (ROOT / "garagebot" / "conversations").rglob("*.py")
               if MERMAID.search(p.read_text(encoding="utf-8"))}
    covered = {m for m in modules if any(m == page or m.startswith(page.rstrip("/") + "/") for page in pages)}
    assert modules - covered == set()

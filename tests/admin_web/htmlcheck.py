"""A small HTML validity check with the standard library's parser: every
opened element is closed in order (void elements aside), ids are unique, and
every form field has a label (``<label for>`` or ``aria-label``)."""

from __future__ import annotations

from html.parser import HTMLParser

VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
                  "track", "wbr"})
FIELDS = frozenset({"input", "select", "textarea"})


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.ids: set[str] = set()
        self.labels: set[str] = set()
        self.fields: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            if a["id"] in self.ids:
                self.problems.append(f"duplicate id {a['id']}")
            self.ids.add(a["id"])
        if tag == "label" and a.get("for"):
            self.labels.add(a["for"])
        if tag in FIELDS and a.get("type") not in ("hidden", "submit") and "aria-label" not in a:
            self.fields.append((a.get("name", "?"), a.get("id", "")))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes <{self.stack[-1] if self.stack else 'nothing'}>")
            if tag in self.stack:
                while self.stack.pop() != tag:
                    pass
            return
        self.stack.pop()


def html_problems(body: str) -> list[str]:
    checker = _Checker()
    checker.feed(body)
    checker.close()
    problems = list(checker.problems)
    problems += [f"<{tag}> never closed" for tag in checker.stack]
    problems += [f"field {name} has no label" for name, id_ in checker.fields if id_ not in checker.labels]
    if not body.lstrip().lower().startswith("<!doctype html>"):
        problems.append("no doctype")
    return problems

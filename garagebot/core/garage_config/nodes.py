"""Reading a YAML document as nodes, so that every value keeps its line.

The document is composed with PyYAML's safe loader (no Python objects are
ever constructed from it) and read node by node. Scalars are taken as the
text the file holds, so "20.500" stays exact. Each reader method returns None
for a wrong value and records a ``Problem`` with the node's line, so one run
reports every mistake.
"""

from __future__ import annotations

from collections.abc import Collection

import yaml

from garagebot.core.garage_config.schema import Problem

_BOOL_TAG = "tag:yaml.org,2002:bool"
_NULL_TAG = "tag:yaml.org,2002:null"
_TRUE = frozenset({"true", "yes", "on"})
_FALSE = frozenset({"false", "no", "off"})


def line_of(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


MAX_CHARS = 1_000_000


def compose(text: str) -> tuple[yaml.Node | None, Problem | None]:
    """The document's root node, or the syntax error with its line. Aliases
    (``*name``) are refused: a few nested ones would make the file's walk
    exponential, and a configuration file never needs them."""
    if len(text) > MAX_CHARS:
        return None, Problem(1, "config.too_large", (("max", str(MAX_CHARS)),))
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent):
                mark = event.start_mark
                return None, Problem(int(mark.line) + 1 if mark else 1, "config.alias_not_allowed")
        return yaml.compose(text, Loader=yaml.SafeLoader), None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = int(mark.line) + 1 if mark is not None else 1
        return None, Problem(line, "config.yaml_syntax", (("problem", str(exc.problem or "")),))
    except yaml.YAMLError as exc:
        return None, Problem(1, "config.yaml_syntax", (("problem", str(exc)),))


class Reader:
    """Typed reads of nodes; every wrong value becomes a Problem."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def problem(self, node: yaml.Node | int, key: str, /, **params: object) -> None:
        line = node if isinstance(node, int) else line_of(node)
        self.problems.append(Problem(line, key, tuple((k, str(v)) for k, v in params.items())))

    def mapping(self, node: yaml.Node, known: Collection[str],
                required: Collection[str] = ()) -> dict[str, yaml.Node] | None:
        """The mapping's keys and value nodes; unknown, repeated and missing keys are problems."""
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, "config.expected_mapping")
            return None
        out: dict[str, yaml.Node] = {}
        for key_node, value in node.value:
            key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else ""
            if key in out:
                self.problem(key_node, "config.duplicate_key", key=key)
            elif known and key not in known:
                self.problem(key_node, "config.unknown_key", key=key, known=", ".join(known))
            else:
                out[key] = value
        for key in required:
            if key not in out:
                self.problem(node, "config.missing_key", key=key)
        return out

    def sequence(self, node: yaml.Node) -> list[yaml.Node] | None:
        if not isinstance(node, yaml.SequenceNode):
            self.problem(node, "config.expected_list")
            return None
        return list(node.value)

    def text(self, node: yaml.Node | None, *, optional: bool = False) -> str | None:
        if node is None:
            return None
        if not isinstance(node, yaml.ScalarNode) or node.tag == _NULL_TAG or not str(node.value).strip():
            if not (optional and isinstance(node, yaml.ScalarNode) and node.tag == _NULL_TAG):
                self.problem(node, "config.expected_text")
            return None
        return str(node.value).strip()

    def integer(self, node: yaml.Node | None) -> int | None:
        raw = self.text(node)
        if raw is None or node is None:
            return None
        try:
            return int(raw)
        except ValueError:
            self.problem(node, "config.expected_whole_number", value=raw)
            return None

    def boolean(self, node: yaml.Node | None) -> bool | None:
        raw = self.text(node)
        if raw is None or node is None:
            return None
        if node.tag == _BOOL_TAG and raw.lower() in _TRUE | _FALSE:
            return raw.lower() in _TRUE
        self.problem(node, "config.expected_yes_no", value=raw)
        return None

    def choice(self, node: yaml.Node | None, choices: Collection[str]) -> str | None:
        raw = self.text(node)
        if raw is None or node is None:
            return None
        if raw.lower() not in choices:
            self.problem(node, "config.unknown_choice", value=raw, choices=", ".join(choices))
            return None
        return raw.lower()

    def pairs(self, node: yaml.Node | None) -> tuple[str, str] | None:
        """An {en: …, ar: …} pair of texts."""
        if node is None:
            return None
        fields = self.mapping(node, ("en", "ar"), ("en", "ar"))
        if fields is None:
            return None
        en, ar = self.text(fields.get("en")), self.text(fields.get("ar"))
        return (en, ar) if en is not None and ar is not None else None

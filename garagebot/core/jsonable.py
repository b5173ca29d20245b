"""Turn domain values into plain JSON (for audit snapshots and outbox payloads).

Decimals and datetimes become strings so that what is hashed and stored is
exactly what is read back, on both engines.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from collections.abc import Mapping, Sequence
from decimal import Decimal

JsonValue = str | int | bool | None | list["JsonValue"] | dict[str, "JsonValue"]


def to_json(value: object) -> JsonValue:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, enum.Enum):
        return to_json(value.value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        raise TypeError("floats are not allowed in domain JSON; use Decimal")
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, Sequence):
        return [to_json(v) for v in value]
    raise TypeError(f"cannot serialise {type(value).__name__}")


def to_json_object(value: Mapping[str, object] | None) -> dict[str, JsonValue] | None:
    if value is None:
        return None
    return {str(k): to_json(v) for k, v in value.items()}


MAX_JSON_DEPTH = 64


def load_json(data: bytes | str, *, max_depth: int = MAX_JSON_DEPTH) -> object:
    """JSON from outside (a webhook body): ValueError when it is not UTF-8 JSON, or
    nests deeper than ``max_depth`` (checked before parsing, so a hostile body
    cannot exhaust the parser's recursion)."""
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    if text.count("[") + text.count("{") > max_depth:
        _check_depth(text, max_depth)
    return json.loads(text)


def _check_depth(text: str, max_depth: int) -> None:
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > max_depth:
                raise ValueError(f"JSON nested deeper than {max_depth}")
        elif ch in "]}":
            depth -= 1

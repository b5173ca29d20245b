"""Turn domain values into plain JSON (for audit snapshots and outbox payloads).

Decimals and datetimes become strings so that what is hashed and stored is
exactly what is read back, on both engines.
"""

from __future__ import annotations

import datetime as dt
import enum
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

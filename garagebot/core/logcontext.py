"""The ids a log line is about (garage, chat, message), bound by the adapters
for the request or job they serve, and read by the JSON log format
(``app.logs``). A context variable, so concurrent requests never mix."""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar

_IDS: ContextVar[Mapping[str, str]] = ContextVar("garagebot_log_ids", default={})  # noqa: B039 (never mutated)


def bind(**ids: object) -> None:
    """Add ``ids`` (None values skipped) to what this task's log lines are about."""
    _IDS.set({**_IDS.get(), **{k: str(v) for k, v in ids.items() if v is not None}})


def current() -> Mapping[str, str]:
    return _IDS.get()


def masked_address(address: str) -> str:
    """A client's phone number as logs show it: enough to tell numbers apart, not to dial them."""
    return f"{address[:4]}…{address[-3:]}" if address.startswith("+") and len(address) > 8 else address

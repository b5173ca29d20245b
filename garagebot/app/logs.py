"""Logging for every process: one handler on stderr, every line redacted,
plain text or one JSON object a line (``GARAGEBOT_LOG_FORMAT``).

Redacted in every line, whoever logs it (aiohttp's access and error logs
included): the tokens of client links (``/a/``, ``/t/``, ``/m/``, ``/s/``),
``hub.verify_token`` and the Bot API token in a URL, and the configured
secrets wherever they appear. JSON lines carry the garage, chat and message
ids the adapters bound for the request (``core.logcontext``).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
from collections.abc import Iterable
from typing import TextIO

from garagebot.core import logcontext

REDACTED = "<redacted>"
_PATTERNS = (
    (re.compile(r"(/[atms]/)[^\s/?#\"']+"), rf"\1{REDACTED}"),
    (re.compile(r"(hub\.verify_token=)[^\s&\"']*"), rf"\1{REDACTED}"),
    (re.compile(r"(/bot)[0-9]+:[A-Za-z0-9_-]+"), rf"\1{REDACTED}"),
)


class Redactor(logging.Filter):
    """Rewrites each record's message (and traceback) with the secrets taken out."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if s and len(s) >= 8}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        # A lone surrogate (undecodable bytes from a client) cannot be written as UTF-8: escape it.
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        for pattern, replacement in _PATTERNS:
            text = pattern.sub(replacement, text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = self.redact(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        record.exc_info = None  # the redacted text stands for it
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, the bound ids, and the traceback."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            **logcontext.current(),
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname, "logger": record.name, "message": record.getMessage(),
        }
        if record.exc_text:
            line["exception"] = record.exc_text
        return json.dumps(line, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(level: int, fmt: str, secrets: Iterable[str | None] = (), *,
                      stream: TextIO | None = None) -> logging.Handler:
    """Replace the root logger's handlers by one redacting handler on ``stream`` (stderr)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(Redactor(secrets))
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    return handler

"""A standing check on every transcript test: no text rendered during the test
(a reply, a button, a message to someone else) may show an unfilled
``{placeholder}``, a raw message key or a raw status code (IN_PROGRESS), and
the catalogue must log no render error. It wraps ``Translator.render`` for the test and listens to the i18n
logger, so it needs nothing from the test itself."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping

import pytest

from garagebot.core.i18n import Translator

UNFILLED = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")
# A raw status code (IN_PROGRESS, QA_CHECK, NOT_STARTED) shown instead of its name.
RAW_CODE = re.compile(r"\b[A-Z]{2,}_[A-Z_]{2,}\b")
RAW_KEY = re.compile(r"^[a-z_]+\.[a-z0-9_.]+$")
# The engine's own tests run sample flows (tests/conversations/sample_flows.py)
# whose keys are deliberately not in the catalogue.
SAMPLE_KEYS = "test."


class _Problems(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.found: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if f"key {SAMPLE_KEYS}" not in message:
            self.found.append(message)


def rendering_problems(key: str, text: str) -> list[str]:
    """What is wrong with the text of ``key`` as a user would read it."""
    out = [f"{key}: unfilled {m}" for m in UNFILLED.findall(text)]
    out += [f"{key}: raw code {m}" for m in RAW_CODE.findall(text)]
    if text == key and RAW_KEY.match(text) and not key.startswith(SAMPLE_KEYS):
        out.append(f"{key}: shown as its raw key")
    return out


@pytest.fixture(autouse=True)
def every_rendered_text_is_filled(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    found: list[str] = []
    render = Translator.render

    def checked(self: Translator, locale: str, key: str, params: Mapping[str, object] | None = None) -> str:
        text = render(self, locale, key, params)
        found.extend(f"[{locale}] {p}" for p in rendering_problems(key, text))
        return text

    monkeypatch.setattr(Translator, "render", checked)
    handler = _Problems()
    logger = logging.getLogger("garagebot.core.i18n")
    logger.addHandler(handler)
    try:
        yield found
    finally:
        logger.removeHandler(handler)
    problems = found + [f"i18n log: {m}" for m in handler.found]
    assert not problems, "texts a user would read wrongly:\n" + "\n".join(problems)

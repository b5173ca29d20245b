"""Logs (issue 11: 1.10 and point 2): link tokens, ``hub.verify_token`` and
the configured secrets are redacted in every line, aiohttp's access log
included, through the composed app; ``GARAGEBOT_LOG_FORMAT=json`` writes one
JSON object a line."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_aiohttp import AiohttpClient

from garagebot.app.logs import REDACTED, Redactor, configure_logging
from garagebot.app.web import create_app
from garagebot.core import logcontext
from garagebot.core.links import APPROVAL, TIMELINE, make_token
from tests.app.conftest import SECRET, app_settings
from tests.fakes import FakeClock

VERIFY = "meta-verify-token-never-logged"
META_SECRET = "meta-app-secret-0123456789"  # noqa: S105 (a test value)
META_TOKEN = "meta-access-token-0123456789"  # noqa: S105 (a test value)


@pytest.fixture
def logs() -> Iterator[io.StringIO]:
    """The root logger's output for the test; the handlers before it are put back after."""
    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    yield io.StringIO()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in before:
        root.addHandler(handler)
    root.setLevel(level)


async def test_link_tokens_and_secrets_are_redacted_in_access_and_error_logs(
    logs: io.StringIO, sqlite_url: str, tmp_path: Path, aiohttp_client: AiohttpClient, clock: FakeClock
) -> None:
    settings = app_settings(sqlite_url, tmp_path, meta_app_secret=META_SECRET, meta_access_token=META_TOKEN,
                            meta_verify_token=VERIFY)
    configure_logging(logging.INFO, "text", settings.secrets(), stream=logs)
    client = await aiohttp_client(create_app(settings))
    now = clock.now()
    tokens = [make_token(SECRET, APPROVAL, 12, now=now), make_token(SECRET, TIMELINE, 12, now=now),
              "mediatoken.abc.def", "Sh0rtC0deXyZ1234"]
    for prefix, token in zip(("/a/", "/t/", "/m/", "/s/"), tokens, strict=True):
        await client.get(prefix + token, allow_redirects=False)
    await client.get("/webhooks/meta/whatsapp", params={"hub.mode": "subscribe", "hub.verify_token": VERIFY,
                                                         "hub.challenge": "1"})
    logging.getLogger("garagebot.test").error("failed on /a/%s with %s", tokens[0], SECRET)

    text = logs.getvalue()
    assert text.count("GET /") >= 5  # the access log is there …
    for secret in (*tokens, VERIFY, SECRET, META_SECRET, META_TOKEN):
        assert secret not in text  # … without a token or a secret
    assert f"/a/{REDACTED}" in text
    assert f"hub.verify_token={REDACTED}" in text


async def test_json_lines_carry_the_bound_ids_and_are_redacted(logs: io.StringIO) -> None:
    configure_logging(logging.INFO, "json", ["a-secret-of-some-length"], stream=logs)

    async def request() -> None:  # a task, like a request: its ids stay its own
        logcontext.bind(garage_id=3, chat_id=logcontext.masked_address("+962790001234"), message_id="SM123")
        try:
            raise RuntimeError("boom with a-secret-of-some-length")
        except RuntimeError:
            logging.getLogger("garagebot.test").exception("sending /t/tok.en failed")

    await asyncio.create_task(request())
    logging.getLogger("garagebot.test").warning("outside")

    first, second = (json.loads(line) for line in logs.getvalue().splitlines())
    assert {k: first[k] for k in ("level", "logger", "garage_id", "chat_id", "message_id", "message")} == {
        "level": "ERROR", "logger": "garagebot.test", "garage_id": "3", "chat_id": "+962…234",
        "message_id": "SM123", "message": f"sending /t/{REDACTED} failed"}
    assert "a-secret-of-some-length" not in logs.getvalue()
    assert "RuntimeError" in first["exception"]
    assert second["message"] == "outside"
    assert "garage_id" not in second


def test_a_lone_surrogate_from_a_client_is_escaped_so_the_line_can_be_written() -> None:
    assert Redactor().redact("User-Agent Bad\udcff\udcfe") == "User-Agent Bad\\udcff\\udcfe"

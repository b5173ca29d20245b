"""The client channels composed into the real app: the GARAGEBOT_TWILIO_* and
GARAGEBOT_META_* settings, the provider webhooks mounted by the app, the
client engine, the outbox drained in-process and the Twilio sender, against
the local fake Twilio API."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest
from pytest_aiohttp import AiohttpClient, AiohttpServer

from garagebot.app.bootstrap import open_runtime
from garagebot.app.settings import load_settings
from garagebot.app.web import create_app
from garagebot.core.billing.quote_flow import EXPIRY_DUE_TOPIC
from garagebot.core.billing.subscribers import on_quote_expiry_due
from garagebot.core.enums import Channel, SessionStatus
from garagebot.core.ids import OrgId
from garagebot.core.models import OutboxRow
from garagebot.core.uow import Database
from garagebot.core.work.subscribers import on_session_status_changed
from garagebot.webhooks.common import ClientTransport
from tests.app.conftest import app_settings, fake_twilio_settings, refusal
from tests.conftest import Staff
from tests.conversations.client.harness import PUBLIC_URL, outbox_to, scene, visit
from tests.webhooks.meta.conftest import APP_SECRET, VERIFY_TOKEN
from tests.webhooks.meta.fake_api import ACCESS_TOKEN
from tests.webhooks.twilio.conftest import form, twilio_signature
from tests.webhooks.twilio.fake_api import ACCOUNT_SID, AUTH_TOKEN


async def stored(db: Database, phone: str, topics: tuple[str, ...]) -> dict[str, OutboxRow]:
    """The rows to ``phone`` by topic, once those of ``topics`` are no longer pending (at most 10 s)."""
    rows: dict[str, OutboxRow] = {}
    for _ in range(200):
        rows = {r.topic: r for r in await outbox_to(db, phone)}
        if all(t in rows and rows[t].status != "pending" for t in topics):
            break
        await asyncio.sleep(0.05)
    return rows


async def test_an_sms_to_the_garage_number_is_answered_through_the_composed_app(
    db: Database, org: OrgId, staff: Staff, db_url: str, tmp_path: Path,
    aiohttp_server: AiohttpServer, aiohttp_client: AiohttpClient,
) -> None:
    sc = await scene(db, org)
    v = await visit(db, staff, path=(SessionStatus.DIAGNOSING,))
    fake, settings = await fake_twilio_settings(aiohttp_server, db_url, tmp_path)
    client = await aiohttp_client(create_app(settings))
    params = form("sms_text", From=v.phone, To=sc.sms, Body="Where is my car?")
    path = "/webhooks/twilio/sms"

    unsigned = await client.post(path, data=params)
    assert unsigned.status == 403
    wrong_key = twilio_signature("another-token-of-some-length", f"{PUBLIC_URL}{path}", params)
    forged = await client.post(path, data=params, headers={"X-Twilio-Signature": wrong_key})
    assert forged.status == 403
    signed = {"X-Twilio-Signature": twilio_signature(AUTH_TOKEN, f"{PUBLIC_URL}{path}", params)}
    for _ in range(2):  # the second is a redelivery of the same MessageSid
        ok = await client.post(path, data=params, headers=signed)
        assert ok.status == 200

    await fake.wait_until(lambda: len(fake.to(v.phone)) == 2, "both messages reached the fake provider")
    [sent] = [m for m in fake.to(v.phone) if "is being inspected" in m["Body"]]
    assert sent["From"] == sc.sms
    assert sent["Body"].startswith(f"Your car {v.plate} ({v.number}) is being inspected.")
    short = next(w for w in sent["Body"].split() if "/s/" in w)
    redirect = await client.get(short.removeprefix(PUBLIC_URL), allow_redirects=False)
    assert redirect.status == 302
    assert redirect.headers["Location"].startswith(f"{PUBLIC_URL}/t/")
    # The fake answered; the worker stores each outcome just after: wait for the rows.
    rows = await stored(db, v.phone, ("client.status", "notify.session_opened"))
    assert (rows["client.status"].channel, rows["client.status"].status) == ("sms", "sent")
    # WhatsApp would have refused the check-in notice (outside the 24-hour
    # window, no approved template registered): it went by SMS instead.
    opened = rows["notify.session_opened"]
    assert (opened.channel, opened.status) == ("sms", "sent")


async def test_the_meta_handshake_answers_only_our_verify_token(
    db_url: str, tmp_path: Path, aiohttp_client: AiohttpClient,
) -> None:
    settings = app_settings(db_url, tmp_path, meta_app_secret=APP_SECRET, meta_access_token=ACCESS_TOKEN,
                            meta_verify_token=VERIFY_TOKEN, public_url=PUBLIC_URL)
    client = await aiohttp_client(create_app(settings))
    ok = await client.get("/webhooks/meta/whatsapp", params={
        "hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"})
    assert (ok.status, await ok.text()) == (200, "1158201444")
    wrong = await client.get("/webhooks/meta/whatsapp", params={
        "hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"})
    assert wrong.status == 403
    unsigned = await client.post("/webhooks/meta/whatsapp", data=b"{}")
    assert unsigned.status == 403


async def test_without_provider_settings_no_provider_webhook_is_mounted(
    db_url: str, tmp_path: Path, aiohttp_client: AiohttpClient,
) -> None:
    client = await aiohttp_client(create_app(app_settings(db_url, tmp_path)))
    assert (await client.post("/webhooks/twilio/sms", data={"Body": "hi"})).status == 404
    assert (await client.get("/webhooks/meta/whatsapp")).status == 404
    assert (await client.get("/s/nope", allow_redirects=False)).status == 404  # short links stay


async def test_every_process_routes_client_channels_and_the_core_reactions(
    db_url: str, tmp_path: Path
) -> None:
    configured = app_settings(db_url, tmp_path, twilio_account_sid=ACCOUNT_SID, twilio_auth_token=AUTH_TOKEN,
                              public_url=PUBLIC_URL)
    async with open_runtime(configured, in_process_drain=False) as rt:
        assert isinstance(rt.transports.get(Channel.SMS), ClientTransport)
        assert isinstance(rt.transports.get(Channel.WHATSAPP), ClientTransport)
        # a cancelled session rejects its open job cards, in whichever process drains the outbox
        assert on_session_status_changed in rt.subscribers.handlers_for("session.status_changed")
        assert on_quote_expiry_due in rt.subscribers.handlers_for(EXPIRY_DUE_TOPIC)
    async with open_runtime(app_settings(db_url, tmp_path, conversation_idle_minutes=45),
                            in_process_drain=False) as rt:
        assert not isinstance(rt.transports.get(Channel.SMS), ClientTransport)
        assert rt.engine.config.dialog.idle_timeout == dt.timedelta(minutes=45)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"GARAGEBOT_TWILIO_ACCOUNT_SID": "AC" + "0" * 32},
         "GARAGEBOT_TWILIO_AUTH_TOKEN: expected the account's auth token"),
        ({"GARAGEBOT_TWILIO_AUTH_TOKEN": "f" * 32},
         "GARAGEBOT_TWILIO_ACCOUNT_SID: expected a Twilio Account SID"),
        ({"GARAGEBOT_TWILIO_ACCOUNT_SID": "XX123", "GARAGEBOT_TWILIO_AUTH_TOKEN": "f" * 32},
         "GARAGEBOT_TWILIO_ACCOUNT_SID: expected a Twilio Account SID like AC followed by 32 hex digits"),
        ({"GARAGEBOT_TWILIO_API_URL": "twilio.com"}, "GARAGEBOT_TWILIO_API_URL: expected an http://"),
        ({"GARAGEBOT_META_ACCESS_TOKEN": "EAAG" + "s" * 40, "GARAGEBOT_META_VERIFY_TOKEN": "verify-me"},
         "GARAGEBOT_META_APP_SECRET: expected the Meta app secret"),
        ({"GARAGEBOT_META_ACCESS_TOKEN": "EAAG" + "s" * 40, "GARAGEBOT_META_APP_SECRET": "s" * 32},
         "GARAGEBOT_META_VERIFY_TOKEN: expected 1-256 printable characters"),
        ({"GARAGEBOT_META_VERIFY_TOKEN": "has space"}, "GARAGEBOT_META_VERIFY_TOKEN: expected 1-256"),
        ({"GARAGEBOT_META_VERIFY_TOKEN": "verify-me"},
         "GARAGEBOT_META_ACCESS_TOKEN: expected a Meta Graph API access token"),
        ({"GARAGEBOT_TWILIO_ACCOUNT_SID": "AC" + "0" * 32, "GARAGEBOT_TWILIO_AUTH_TOKEN": "f" * 32},
         "GARAGEBOT_PUBLIC_URL: expected an http:// or https:// URL like https://garage.example.com "
         "(required with Twilio or Meta credentials), got None"),
        ({"GARAGEBOT_META_API_URL": "ftp://graph"}, "GARAGEBOT_META_API_URL: expected an http://"),
        ({"GARAGEBOT_CONVERSATION_IDLE_MINUTES": "0"},
         "GARAGEBOT_CONVERSATION_IDLE_MINUTES: expected a whole number of minutes between 1 and 1440"),
    ],
)
def test_bad_provider_settings_stop_with_one_line_that_never_echoes_a_secret(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected: str
) -> None:
    message = refusal(monkeypatch, env)
    assert message.startswith(expected)
    for secret in ("f" * 32, "s" * 32, "has space", "verify-me"):
        assert secret not in message


def test_provider_settings_are_read_from_the_environment(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GARAGEBOT_TWILIO_ACCOUNT_SID", "AC" + "a" * 32)
    monkeypatch.setenv("GARAGEBOT_TWILIO_AUTH_TOKEN", "b" * 32)
    monkeypatch.setenv("GARAGEBOT_TWILIO_API_URL", "http://127.0.0.1:9999/")
    monkeypatch.setenv("GARAGEBOT_PUBLIC_URL", "https://garage.example.com")
    settings = load_settings()
    assert (settings.twilio_account_sid, settings.twilio_auth_token) == ("AC" + "a" * 32, "b" * 32)
    assert settings.twilio_api_url == "http://127.0.0.1:9999"
    assert "b" * 32 not in repr(settings)

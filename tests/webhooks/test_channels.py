"""Composing the client channels: settings values turn providers on, the
transports route sms and whatsapp through the client transport, and the
web room mounts exactly the configured webhooks."""

from __future__ import annotations

import aiohttp
from aiohttp import web

from garagebot.core.dispatch import Transports
from garagebot.core.enums import Channel
from garagebot.core.uow import Database
from garagebot.webhooks.channels import client_channels, setup_client_channels, wire_client_transports
from garagebot.webhooks.common import ChannelDeps, ClientTransport
from tests.conversations.client.harness import PUBLIC_URL, SECRET, translator
from tests.webhooks.twilio.conftest import OtherChannels

TWILIO = {"twilio_account_sid": "AC1", "twilio_auth_token": "t"}
META = {"meta_app_secret": "s", "meta_access_token": "a"}


def _routes(app: web.Application) -> set[tuple[str, str]]:
    return {(r.method, r.resource.canonical) for r in app.router.routes() if r.resource is not None}


def test_providers_are_on_only_with_their_credentials() -> None:
    none = client_channels(public_url="https://g.example/")
    assert (none.twilio, none.meta, none.any, none.public_url) == (None, None, False, "https://g.example")
    both = client_channels(public_url="https://g.example", **TWILIO, **META,
                           meta_verify_token=META["meta_app_secret"])
    assert both.twilio is not None
    assert (both.twilio.api_url, both.twilio.public_url) == ("https://api.twilio.com", "https://g.example")
    assert both.meta is not None
    assert (both.meta.api_url, both.meta.verify_token) == ("https://graph.facebook.com", "s")
    half = client_channels(public_url="https://g.example", twilio_account_sid="AC1")
    assert half.twilio is None


async def test_the_transports_route_sms_and_whatsapp_through_the_client_transport(db: Database) -> None:
    transports = Transports(OtherChannels())
    async with aiohttp.ClientSession() as session:
        nothing = wire_client_transports(transports, client_channels(public_url=PUBLIC_URL), db=db,
                                         texts=translator(), clock=db.clock, session=session)
        assert nothing is None
        assert isinstance(transports.get(Channel.SMS), OtherChannels)

        channels = client_channels(public_url=PUBLIC_URL, **TWILIO)
        wired = wire_client_transports(transports, channels, db=db, texts=translator(), clock=db.clock,
                                       session=session)
    assert isinstance(wired, ClientTransport)
    assert transports.get(Channel.SMS) is wired
    assert transports.get(Channel.WHATSAPP) is wired
    assert isinstance(transports.get(Channel.TELEGRAM), OtherChannels)


def test_the_room_mounts_the_configured_webhooks(db: Database) -> None:
    def deps(_app: web.Application) -> ChannelDeps:
        return ChannelDeps(db, translator(), db.clock, SECRET, PUBLIC_URL)

    twilio_only = web.Application()
    setup_client_channels(twilio_only, client_channels(
        public_url=PUBLIC_URL, **TWILIO), deps)
    assert _routes(twilio_only) >= {("POST", "/webhooks/twilio/sms"), ("POST", "/webhooks/twilio/whatsapp"),
                                    ("POST", "/webhooks/twilio/status"), ("GET", "/s/{code}")}
    assert not any(path.startswith("/webhooks/meta") for _, path in _routes(twilio_only))

    meta_only = web.Application()
    setup_client_channels(meta_only, client_channels(
        public_url=PUBLIC_URL, **META), deps)
    assert _routes(meta_only) >= {("GET", "/webhooks/meta/whatsapp"), ("POST", "/webhooks/meta/whatsapp")}
    assert not any(path.startswith("/webhooks/twilio") for _, path in _routes(meta_only))

"""Composing the client channels (Twilio SMS/WhatsApp, Meta WhatsApp) into a process.

Two halves, as for Telegram, because in Redis mode the worker sends and the
web process receives:

- ``wire_client_transports`` (every process): the client transport for
  channels ``sms`` and ``whatsapp``, with the senders of the configured
  providers (consent enforced, the garage's provider chosen per message);
- ``setup_client_channels`` (web): the Twilio and Meta webhooks and the
  short-link redirect.

``client_channels`` builds the configuration from the settings' values; a
provider is on when its credentials are set.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import aiohttp
from aiohttp import web

from garagebot.core.dispatch import Transports
from garagebot.core.enums import Channel
from garagebot.core.ports import Clock
from garagebot.core.telemetry import NULL_TELEMETRY, Telemetry
from garagebot.core.uow import Database
from garagebot.webhooks.common import ChannelDeps, ClientTransport, Texts
from garagebot.webhooks.meta.api import DEFAULT_API_URL as META_API_URL
from garagebot.webhooks.meta.api import MetaApi
from garagebot.webhooks.meta.sender import MetaSender
from garagebot.webhooks.meta.webhook import MetaConfig, setup_meta
from garagebot.webhooks.shortlinks import ShortLinkConfig, setup_short_links, shortener
from garagebot.webhooks.twilio.api import DEFAULT_API_URL as TWILIO_API_URL
from garagebot.webhooks.twilio.api import TwilioApi
from garagebot.webhooks.twilio.sender import TwilioSender
from garagebot.webhooks.twilio.webhook import TwilioConfig, setup_twilio


@dataclass(frozen=True, slots=True)
class ClientChannels:
    """Which providers are on, and the public base URL links and signatures use."""

    public_url: str
    twilio: TwilioConfig | None = None
    meta: MetaConfig | None = None
    approval_link_hours: int = 72

    @property
    def any(self) -> bool:
        return self.twilio is not None or self.meta is not None


def client_channels(
    *, public_url: str, twilio_account_sid: str | None = None, twilio_auth_token: str | None = None,
    twilio_api_url: str | None = None, meta_app_secret: str | None = None,
    meta_verify_token: str | None = None, meta_access_token: str | None = None,
    meta_api_url: str | None = None,
) -> ClientChannels:
    """From GARAGEBOT_PUBLIC_URL, GARAGEBOT_TWILIO_* and GARAGEBOT_META_*: Twilio is
    on with an account SID and auth token; Meta with an app secret and an access token."""
    twilio = None
    if twilio_account_sid and twilio_auth_token:
        twilio = TwilioConfig(twilio_account_sid, twilio_auth_token, twilio_api_url or TWILIO_API_URL,
                              public_url)
    meta = None
    if meta_app_secret and meta_access_token:
        meta = MetaConfig(meta_app_secret, meta_verify_token or "", meta_access_token,
                          meta_api_url or META_API_URL)
    return ClientChannels(public_url.rstrip("/"), twilio, meta)


def wire_client_transports(
    transports: Transports, channels: ClientChannels, *, db: Database, texts: Texts, clock: Clock,
    session: aiohttp.ClientSession, telemetry: Telemetry = NULL_TELEMETRY,
) -> ClientTransport | None:
    """Route channels ``sms`` and ``whatsapp`` through the client transport (None
    and nothing changed when no provider is configured). ``session`` lives as
    long as the process's runtime."""
    if not channels.any:
        return None
    twilio = None
    if channels.twilio is not None:
        cfg = channels.twilio
        api = TwilioApi(session, cfg.account_sid, cfg.auth_token, cfg.api_url)
        twilio = TwilioSender(api, texts, clock, public_url=channels.public_url,
                              shortener=shortener(db, channels.public_url))
    meta = None
    if channels.meta is not None:
        meta = MetaSender(MetaApi(session, channels.meta.access_token, channels.meta.api_url), texts, clock)
    transport = ClientTransport(db, clock, twilio=twilio, meta=meta, telemetry=telemetry)
    transports.set(Channel.SMS, transport)
    transports.set(Channel.WHATSAPP, transport)
    return transport


def setup_client_channels(app: web.Application, channels: ClientChannels,
                          deps: Callable[[web.Application], ChannelDeps]) -> None:
    """Mount the webhooks of the configured providers and ``GET /s/{code}``."""
    if channels.twilio is not None:
        setup_twilio(app, channels.twilio, deps)
    if channels.meta is not None:
        setup_meta(app, channels.meta, deps)
    setup_short_links(app, lambda a: deps(a).db, secret=lambda a: deps(a).secret,
                      config=ShortLinkConfig(approval_max_age=channels.approval_link_hours * 3600))

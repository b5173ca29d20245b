"""Composing the client channels (Twilio SMS/WhatsApp, Meta WhatsApp) into a process.

Two halves, as for Telegram, because in Redis mode the worker sends and the
web process receives: ``channels_wiring`` (every process) routes outbox
messages of channels ``sms`` and ``whatsapp`` to the configured providers;
``channels_room`` (web) mounts the provider webhooks and ``GET /s/{code}``.
A provider is on when its credentials are set (GARAGEBOT_TWILIO_ACCOUNT_SID
and _AUTH_TOKEN; GARAGEBOT_META_APP_SECRET, _ACCESS_TOKEN and _VERIFY_TOKEN);
with neither, client messages stay on the dry-run transport.
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from dataclasses import replace

import aiohttp
from aiohttp import web

from garagebot.app.bootstrap import Runtime
from garagebot.app.keys import RUNTIME, SETTINGS
from garagebot.app.settings import Settings
from garagebot.webhooks.channels import (
    ClientChannels,
    client_channels,
    setup_client_channels,
    wire_client_transports,
)
from garagebot.webhooks.common import ChannelDeps


def channels_config(settings: Settings) -> ClientChannels:
    return replace(client_channels(
        public_url=settings.base_url,
        twilio_account_sid=settings.twilio_account_sid,
        twilio_auth_token=settings.twilio_auth_token,
        twilio_api_url=settings.twilio_api_url,
        meta_app_secret=settings.meta_app_secret,
        meta_verify_token=settings.meta_verify_token,
        meta_access_token=settings.meta_access_token,
        meta_api_url=settings.meta_api_url,
    ), approval_link_hours=settings.approval_link_hours)


async def channels_wiring(runtime: Runtime, stack: AsyncExitStack) -> None:
    channels = channels_config(runtime.settings)
    if not channels.any:
        return
    # One pool for every send of the process: as many connections as sends in
    # flight (aiohttp's default of 100 would cap 100 garages' numbers sending at once).
    connector = aiohttp.TCPConnector(limit=runtime.settings.outbox_concurrency)
    session = await stack.enter_async_context(aiohttp.ClientSession(connector=connector))
    wire_client_transports(runtime.transports, channels, db=runtime.db, texts=runtime.translator,
                           clock=runtime.db.clock, session=session, telemetry=runtime.telemetry)


def _deps(app: web.Application) -> ChannelDeps:
    rt = app[RUNTIME]
    return ChannelDeps(rt.db, rt.translator, rt.db.clock, rt.settings.secret(), rt.settings.base_url,
                       rt.storage)


def channels_room(app: web.Application) -> None:
    """The provider webhooks of the configured providers, and the short links
    (always: messages sent earlier keep working after a provider is turned off)."""
    setup_client_channels(app, channels_config(app[SETTINGS]), _deps)

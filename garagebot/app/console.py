"""Composing the staff console into the web process: ``console_room`` mounts
it with the settings, and the runtime's database and translator at request time.
With the simulator on, it also gets the staff engine and a client engine (built
once), both reading the photos it attaches from storage."""

from __future__ import annotations

from aiohttp import web

from garagebot.admin_web import ConsoleConfig, ConsoleDeps, setup_console
from garagebot.admin_web.simulator_media import StoredMedia
from garagebot.app.keys import RUNTIME, SETTINGS
from garagebot.conversations.client.engine import ClientEngine
from garagebot.conversations.client.types import ClientServices, LinkSettings
from garagebot.conversations.types import Inbound
from garagebot.core.clientlookup import garage_by_id
from garagebot.core.console.simulator_views import PROVIDER
from garagebot.core.errors import NotFound


def console_room(app: web.Application) -> None:
    settings = app[SETTINGS]
    engines: dict[str, ClientEngine] = {}  # the simulator's client engine, made on first use

    def client_engine(app: web.Application) -> ClientEngine:
        rt = app[RUNTIME]
        if "client" not in engines:
            engines["client"] = ClientEngine(rt.db, ClientServices(
                rt.translator, LinkSettings(settings.base_url, settings.secret()), rt.storage,
                {PROVIDER: StoredMedia(rt.storage)}))
        return engines["client"]

    def deps(app: web.Application) -> ConsoleDeps:
        rt = app[RUNTIME]
        if not rt.settings.console_simulator:
            return ConsoleDeps(rt.db, rt.translator, rt.storage)
        rt.engine.media.set_provider(PROVIDER, StoredMedia(rt.storage))
        engine = client_engine(app)

        async def as_client(org_id: int, msg: Inbound) -> object:
            async with rt.db.read() as session:
                garage = await garage_by_id(session, org_id)
            if garage is None:
                raise NotFound("error.not_found", entity="organization", id=org_id)
            return await engine.handle(garage, msg)

        return ConsoleDeps(rt.db, rt.translator, rt.storage, rt.engine.handle, as_client)

    setup_console(app, ConsoleConfig(
        secret=settings.secret(), base_url=settings.base_url,
        bot_username=settings.telegram_bot_username, simulator=settings.console_simulator), deps)

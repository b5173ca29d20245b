"""Try the bot in the browser: an owner picks a member of staff on Telegram,
or a client of the garage on WhatsApp or SMS, and chats as them through the
same engines and flows (buttons shown as buttons, a photo attachable through
the storage port); beside it, every message the garage queued to anyone (the
dry-run outbox), refreshed live by htmx polling. Only when the setting is on
(``garagebot demo`` turns it on): it acts as the chosen person, so it is for
demos and trials, not for a garage with real providers."""

from __future__ import annotations

import uuid

from aiohttp import web
from sqlalchemy import select

from garagebot.admin_web.deps import config, deps
from garagebot.admin_web.frame import Ctx, page, redirect, render
from garagebot.admin_web.simulator_media import store_photo
from garagebot.conversations.types import Inbound, MediaRef
from garagebot.core.console.simulator_views import PROVIDER, latest_messages, staff_chat
from garagebot.core.enums import Channel
from garagebot.core.errors import DomainError, NotFound
from garagebot.core.models import Client, User
from garagebot.core.permissions import Permission

MAX_TEXT = 1000
# What a post carries: text, choice, what the chat shows as typed, attached photos.
Typed = tuple[str, str | None, str, tuple[MediaRef, ...]]
CLIENT_CHANNELS = {"whatsapp": Channel.WHATSAPP, "sms": Channel.SMS}


def _enabled(ctx: Ctx) -> None:
    found = deps(ctx.request)
    if not config(ctx.request).simulator or found.staff_engine is None or found.client_engine is None:
        raise NotFound("error.not_found", entity="simulator", id=0)


async def _member(ctx: Ctx, user_id: int) -> User:
    async with deps(ctx.request).db.read() as s:
        user = (await s.execute(select(User).where(
            User.id == user_id, User.organization_id == ctx.me.org_id, User.active.is_(True),
            User.telegram_user_id.is_not(None)))).scalar_one_or_none()
    if user is None:
        raise NotFound("error.not_found", entity="user_account", id=user_id)
    return user


async def _client(ctx: Ctx, client_id: int) -> Client:
    async with deps(ctx.request).db.read() as s:
        client = (await s.execute(select(Client).where(
            Client.id == client_id, Client.organization_id == ctx.me.org_id))).scalar_one_or_none()
    if client is None:
        raise NotFound("error.not_found", entity="client", id=client_id)
    return client


def ltr(text: str) -> str:
    """A phone number kept left to right inside Arabic (LRI … PDI), in a select's option."""
    return f"\u2066{text}\u2069"


def _channel(raw: str) -> str:
    return raw if raw in CLIENT_CHANNELS else "whatsapp"


async def _page(ctx: Ctx, *, error: str | None = None, status: int = 200) -> web.Response:
    db, me, q = deps(ctx.request).db, ctx.me, ctx.request.query
    async with db.read() as s:
        people = (await s.scalars(select(User).where(
            User.organization_id == me.org_id, User.active.is_(True), User.telegram_user_id.is_not(None))
            .order_by(User.name))).all()
        clients = (await s.scalars(select(Client).where(Client.organization_id == me.org_id)
                                   .order_by(Client.id.desc()).limit(50))).all()
    member = await _member(ctx, int(q["as"])) if q.get("as", "").isdigit() else None
    chosen = q.get("client", "")
    client = await _client(ctx, int(chosen)) if member is None and chosen.isdigit() else None
    channel = _channel(q.get("channel", ""))
    address = str(member.telegram_user_id) if member else client.phone if client else None
    async with db.read() as s:
        chat = await staff_chat(s, me.org_id, address) if address else []
        others = await latest_messages(s, me.org_id)
    choices = [(c.id, f"{c.name} · {ltr(c.phone)}" if c.name else ltr(c.phone)) for c in clients]
    return render(ctx, "sim.html", {
        "people": people, "clients": choices, "member": member, "client": client, "channel": channel,
        "chat": chat, "others": others, "error": error}, status=status)


@page(Permission.MANAGE_GARAGE)
async def show(ctx: Ctx) -> web.StreamResponse:
    _enabled(ctx)
    return await _page(ctx)


@page(Permission.MANAGE_GARAGE)
async def outbox(ctx: Ctx) -> web.StreamResponse:
    """The outbox column alone, for htmx polling."""
    _enabled(ctx)
    async with deps(ctx.request).db.read() as s:
        others = await latest_messages(s, ctx.me.org_id)
    return render(ctx, "sim_outbox.html", {"others": others})


async def _typed(ctx: Ctx) -> Typed:
    """(text, choice, what the chat shows as typed, attached photos) of a post."""
    posted = await ctx.request.post()
    text, choice = str(posted.get("text", ""))[:MAX_TEXT].strip(), str(posted.get("choice", "")) or None
    label = str(posted.get("label", "")) if choice else text
    photo = posted.get("photo")
    media: tuple[MediaRef, ...] = ()
    if isinstance(photo, web.FileField) and photo.filename:
        data = photo.file.read()
        if data:
            media = (await store_photo(deps(ctx.request).storage, ctx.me.org_id, data, photo.content_type),)
            label = (label + " " if label else "") + ctx.text("console_floor.sim.photo_sent")
    return text, choice, label, media


def _inbound(ctx: Ctx, channel: Channel, sender: str, typed: Typed) -> Inbound:
    text, choice, label, media = typed
    return Inbound(channel=channel, provider=PROVIDER, event_id=uuid.uuid4().hex, sender=sender,
                   received_at=deps(ctx.request).db.clock.now(), text="" if choice else text, choice=choice,
                   media=media, chat=sender, payload={"sender": sender, "text": label})


@page(Permission.MANAGE_GARAGE)
async def send(ctx: Ctx) -> web.StreamResponse:
    _enabled(ctx)
    member = await _member(ctx, int(ctx.request.match_info["id"]))
    try:
        typed = await _typed(ctx)
    except DomainError as exc:
        return await _page(ctx, error=ctx.text(exc.key, **exc.params), status=400)
    if typed[0] or typed[1] or typed[3]:
        engine = deps(ctx.request).staff_engine
        assert engine is not None
        await engine(_inbound(ctx, Channel.TELEGRAM, str(member.telegram_user_id), typed))
    raise redirect(f"/simulator?as={member.id}")


@page(Permission.MANAGE_GARAGE)
async def send_as_client(ctx: Ctx) -> web.StreamResponse:
    _enabled(ctx)
    client = await _client(ctx, int(ctx.request.match_info["id"]))
    channel = _channel(ctx.request.match_info["channel"])
    try:
        typed = await _typed(ctx)
    except DomainError as exc:
        return await _page(ctx, error=ctx.text(exc.key, **exc.params), status=400)
    if typed[0] or typed[1] or typed[3]:
        engine = deps(ctx.request).client_engine
        assert engine is not None
        await engine(ctx.me.org_id, _inbound(ctx, CLIENT_CHANNELS[channel], client.phone, typed))
    raise redirect(f"/simulator?client={client.id}&channel={channel}")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/simulator", show)
    app.router.add_get("/simulator/outbox", outbox)
    app.router.add_post(r"/simulator/{id:\d+}", send)
    app.router.add_post(r"/simulator/client/{id:\d+}/{channel:(whatsapp|sms)}", send_as_client)

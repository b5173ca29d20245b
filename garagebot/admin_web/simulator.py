"""Try the bot in the browser: an owner picks a member of staff on Telegram
and chats as them through the same engine and flows (buttons shown as
buttons); beside it, every message the garage queued to anyone (the dry-run
outbox). Only when the setting is on (``garagebot demo`` turns it on): it
acts as the chosen member, so it is for demos and trials, not for a garage
with real providers."""

from __future__ import annotations

import uuid

from aiohttp import web
from sqlalchemy import select

from garagebot.admin_web.deps import config, deps
from garagebot.admin_web.frame import Ctx, page, redirect, render
from garagebot.conversations.types import Inbound
from garagebot.core.console.simulator_views import PROVIDER, latest_messages, staff_chat
from garagebot.core.enums import Channel
from garagebot.core.errors import NotFound
from garagebot.core.ids import UserId
from garagebot.core.models import User
from garagebot.core.permissions import Permission

MAX_TEXT = 1000


def _enabled(ctx: Ctx) -> None:
    if not config(ctx.request).simulator or deps(ctx.request).staff_engine is None:
        raise NotFound("error.not_found", entity="simulator", id=0)


async def _member(ctx: Ctx, user_id: int) -> User:
    async with deps(ctx.request).db.read() as s:
        user = (await s.execute(select(User).where(
            User.id == user_id, User.organization_id == ctx.me.org_id, User.active.is_(True),
            User.telegram_user_id.is_not(None)))).scalar_one_or_none()
    if user is None:
        raise NotFound("error.not_found", entity="user_account", id=user_id)
    return user


@page(Permission.MANAGE_GARAGE)
async def show(ctx: Ctx) -> web.StreamResponse:
    _enabled(ctx)
    db, me = deps(ctx.request).db, ctx.me
    async with db.read() as s:
        people = (await s.scalars(select(User).where(
            User.organization_id == me.org_id, User.active.is_(True), User.telegram_user_id.is_not(None))
            .order_by(User.name))).all()
    chosen = ctx.request.query.get("as", "")
    member = await _member(ctx, int(chosen)) if chosen.isdigit() else None
    async with db.read() as s:
        chat = await staff_chat(s, me.org_id, str(member.telegram_user_id)) if member else []
        others = await latest_messages(s, me.org_id)
    return render(ctx, "simulator.html", {"people": people, "member": member, "chat": chat, "others": others})


@page(Permission.MANAGE_GARAGE)
async def send(ctx: Ctx) -> web.StreamResponse:
    _enabled(ctx)
    member = await _member(ctx, int(ctx.request.match_info["id"]))
    posted = await ctx.request.post()
    text, choice = str(posted.get("text", ""))[:MAX_TEXT].strip(), str(posted.get("choice", "")) or None
    label = str(posted.get("label", "")) if choice else text
    if text or choice:
        sender = str(member.telegram_user_id)
        engine = deps(ctx.request).staff_engine
        assert engine is not None
        await engine(Inbound(
            channel=Channel.TELEGRAM, provider=PROVIDER, event_id=uuid.uuid4().hex, sender=sender,
            received_at=deps(ctx.request).db.clock.now(), text="" if choice else text, choice=choice,
            chat=sender, payload={"sender": sender, "text": label}))
    raise redirect(f"/simulator?as={UserId(member.id)}")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/simulator", show)
    app.router.add_post(r"/simulator/{id:\d+}", send)

"""Signing in and out: password, Telegram link, invite; the language switch."""

from __future__ import annotations

import secrets

from aiohttp import web

from garagebot.admin_web.deps import config, deps
from garagebot.admin_web.forms import Form
from garagebot.admin_web.frame import (
    DEVICE_COOKIE,
    LANG_COOKIE,
    SESSION_COOKIE,
    Ctx,
    page,
    redirect,
    render,
    set_cookie,
)
from garagebot.admin_web.text import LOCALES
from garagebot.core.actor import Actor
from garagebot.core.console import accounts, sessions, signin
from garagebot.core.console.accounts import TokenPurpose
from garagebot.core.enums import Channel
from garagebot.core.errors import DomainError, InvalidInput
from garagebot.core.ids import OrgId, UserId
from garagebot.core.linking import set_own_locale

DEVICE_MAX_AGE = 400 * 24 * 3600


def device_of(ctx: Ctx) -> tuple[sessions.Device, str | None]:
    cookie = ctx.request.cookies.get(DEVICE_COOKIE)
    fresh = None if cookie else secrets.token_urlsafe(24)
    ua = ctx.request.headers.get("User-Agent", "")
    return sessions.Device(cookie or fresh or "", ctx.request.remote or "unknown", ua), fresh


def signed_in_response(ctx: Ctx, new: signin.NewSession, fresh_device: str | None) -> web.Response:
    response = web.Response(status=303, headers={"Location": "/"})
    set_cookie(response, ctx.request, SESSION_COOKIE, new.token)
    if fresh_device:
        set_cookie(response, ctx.request, DEVICE_COOKIE, fresh_device, max_age=DEVICE_MAX_AGE)
    return response


def _signin_page(ctx: Ctx, form: Form, link_form: Form, *, status: int = 200) -> web.Response:
    return render(ctx, "signin.html", {"form": form, "link_form": link_form}, status=status)


@page(public=True)
async def show(ctx: Ctx) -> web.StreamResponse:
    if ctx.user is not None:
        raise web.HTTPSeeOther("/")
    return _signin_page(ctx, Form(), Form())


@page(public=True)
async def with_password(ctx: Ctx) -> web.StreamResponse:
    form = await Form.read(ctx.request, ("login", "password"))
    if not form.require(ctx.text, "login", "password"):
        return _signin_page(ctx, form, Form(), status=400)
    device, fresh = device_of(ctx)
    try:
        new = await signin.sign_in_with_password(
            deps(ctx.request).db, form.get("login"), form.get("password"), device)
    except DomainError as exc:
        form.fail(ctx.text, exc)
        return _signin_page(ctx, form, Form(), status=401)
    return signed_in_response(ctx, new, fresh)


@page(public=True)
async def send_link(ctx: Ctx) -> web.StreamResponse:
    """Send a sign-in link to the login's Telegram chat. The answer is the same
    whether or not the login exists or is linked."""
    form = await Form.read(ctx.request, ("login",))
    if not form.require(ctx.text, "login"):
        return _signin_page(ctx, Form(), form, status=400)
    try:
        await signin.request_signin_link(deps(ctx.request).db, form.get("login"), device_of(ctx)[0],
                                         config(ctx.request).base_url)
    except DomainError as exc:
        link_form = form
        link_form.fail(ctx.text, exc)
        return _signin_page(ctx, Form(), link_form, status=429)
    raise redirect("/signin", "link_sent")


@page(public=True)
async def link_page(ctx: Ctx) -> web.StreamResponse:
    """The link's page: a button that signs in (a GET never spends the link, so
    a chat's link preview cannot use it up)."""
    return render(ctx, "signin_link.html", {"token": ctx.request.match_info["token"]})


@page(public=True)
async def with_link(ctx: Ctx) -> web.StreamResponse:
    device, fresh = device_of(ctx)
    new = await signin.sign_in_with_link(deps(ctx.request).db, ctx.request.match_info["token"], device)
    return signed_in_response(ctx, new, fresh)


async def _invitee(ctx: Ctx) -> tuple[OrgId, UserId]:
    db = deps(ctx.request).db
    async with db.read() as s:
        found = await accounts.find_token(
            s, ctx.request.match_info["token"], TokenPurpose.INVITE, db.clock.now())
    if found is None:
        raise InvalidInput("console.error.link_invalid")
    return found


@page(public=True)
async def invite_page(ctx: Ctx) -> web.StreamResponse:
    await _invitee(ctx)
    return render(ctx, "invite.html", {"form": Form(), "token": ctx.request.match_info["token"]})


@page(public=True)
async def accept_invite(ctx: Ctx) -> web.StreamResponse:
    org_id, user_id = await _invitee(ctx)
    token = ctx.request.match_info["token"]
    form = await Form.read(ctx.request, ("login", "password", "password2"))
    complete = form.require(ctx.text, "login", "password", "password2")
    if complete and form.get("password") != form.get("password2"):
        form.errors["password2"] = ctx.text("console.error.passwords_differ")
    if not form.errors:
        try:
            async with deps(ctx.request).db.unit_of_work(Actor.user(org_id, user_id, Channel.WEB)) as uow:
                await accounts.accept_invite(
                    uow, token, login=form.get("login"), password=form.get("password"))
        except DomainError as exc:
            form.fail(ctx.text, exc)
    if form.errors:
        return render(ctx, "invite.html", {"form": form, "token": token}, status=400)
    raise redirect("/signin", "invite_accepted")


@page()
async def sign_out(ctx: Ctx) -> web.StreamResponse:
    me = ctx.me
    async with deps(ctx.request).db.unit_of_work(Actor.user(me.org_id, me.user_id, Channel.WEB)) as uow:
        await sessions.revoke(uow, me.session_id)
    response = web.Response(status=303, headers={"Location": "/signin?notice=signed_out"})
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


@page(public=True)
async def switch_language(ctx: Ctx) -> web.StreamResponse:
    posted = await ctx.request.post()
    lang, target = str(posted.get("lang", "")), str(posted.get("next", "/"))
    if lang not in LOCALES:
        raise InvalidInput("error.invalid_choice", value=lang)
    if ctx.user is not None:
        me = ctx.user
        async with deps(ctx.request).db.unit_of_work(Actor.user(me.org_id, me.user_id, Channel.WEB)) as uow:
            await set_own_locale(uow, lang)
    safe = target if target.startswith("/") and not target.startswith("//") else "/"
    response = web.Response(status=303, headers={"Location": safe})
    set_cookie(response, ctx.request, LANG_COOKIE, lang, max_age=DEVICE_MAX_AGE)
    return response


def add_routes(app: web.Application) -> None:
    app.router.add_get("/signin", show)
    app.router.add_post("/signin", with_password)
    app.router.add_post("/signin/telegram", send_link)
    app.router.add_get("/signin/link/{token}", link_page)
    app.router.add_post("/signin/link/{token}", with_link)
    app.router.add_get("/invite/{token}", invite_page)
    app.router.add_post("/invite/{token}", accept_invite)
    app.router.add_post("/signout", sign_out)
    app.router.add_post("/lang", switch_language)

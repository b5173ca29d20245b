"""Staff: the list, and a member's page where a manager changes the role,
skills and language, deactivates or reactivates them, sets their console
password, makes an invite link, or makes a Telegram link code shown with a
QR code of the bot's deep link. Each change is a core service call."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import segno
from aiohttp import web

from garagebot.admin_web.deps import config, deps
from garagebot.admin_web.forms import Form
from garagebot.admin_web.frame import Ctx, page, redirect, render
from garagebot.core.console import accounts, directory, staff_admin
from garagebot.core.enums import Locale, Role, Skill
from garagebot.core.errors import DomainError, NotFound, PermissionDenied
from garagebot.core.ids import UserId
from garagebot.core.linking import make_link_code
from garagebot.core.permissions import Permission
from garagebot.core.uow import UnitOfWork

Change = Callable[[UnitOfWork, UserId], Awaitable[object]]


def _id(ctx: Ctx) -> UserId:
    return UserId(int(ctx.request.match_info["id"]))


async def _member_page(ctx: Ctx, *, form: Form | None = None, shown: dict[str, str] | None = None,
                       status: int = 200) -> web.Response:
    async with deps(ctx.request).db.read() as s:
        member = await directory.member(s, ctx.me.org_id, _id(ctx))
    return render(ctx, "member.html", {"m": member, "roles": list(Role), "skills": list(Skill),
                                       "locales": list(Locale), "form": form or Form(), "shown": shown or {}},
                  status=status)


@page(Permission.MANAGE_STAFF)
async def list_staff(ctx: Ctx) -> web.StreamResponse:
    async with deps(ctx.request).db.read() as s:
        people = await directory.members(s, ctx.me.org_id)
    return render(ctx, "staff.html", {"people": people})


@page(Permission.MANAGE_STAFF)
async def show(ctx: Ctx) -> web.StreamResponse:
    return await _member_page(ctx)


async def _apply(ctx: Ctx, change: Change) -> web.StreamResponse:
    me = ctx.me
    async with deps(ctx.request).db.unit_of_work(me.actor) as uow:
        await change(uow, _id(ctx))
    raise redirect(f"/staff/{_id(ctx)}", "saved")


@page(Permission.MANAGE_STAFF)
async def set_role(ctx: Ctx) -> web.StreamResponse:
    role = str((await ctx.request.post()).get("role", ""))
    return await _apply(ctx, lambda uow, uid: staff_admin.change_role(uow, uid, role))


@page(Permission.MANAGE_STAFF)
async def set_skills(ctx: Ctx) -> web.StreamResponse:
    chosen = [str(v) for v in (await ctx.request.post()).getall("skill", [])]
    return await _apply(ctx, lambda uow, uid: staff_admin.set_skills(uow, uid, chosen))


@page(Permission.MANAGE_STAFF)
async def set_language(ctx: Ctx) -> web.StreamResponse:
    locale = str((await ctx.request.post()).get("locale", ""))
    return await _apply(ctx, lambda uow, uid: staff_admin.set_language(uow, uid, locale))


@page(Permission.MANAGE_STAFF)
async def set_active(ctx: Ctx) -> web.StreamResponse:
    active = (await ctx.request.post()).get("active") == "1"
    return await _apply(ctx, lambda uow, uid: staff_admin.set_active(uow, uid, active))


@page(Permission.MANAGE_STAFF)
async def set_password(ctx: Ctx) -> web.StreamResponse:
    form = await Form.read(ctx.request, ("login", "password"))
    if form.require(ctx.text, "login", "password"):
        try:
            async with deps(ctx.request).db.unit_of_work(ctx.me.actor) as uow:
                await accounts.set_password(uow, _id(ctx), login=form.get("login"),
                                            password=form.get("password"))
        except (NotFound, PermissionDenied):
            raise  # not a typing mistake: the one error page (403 / 404)
        except DomainError as exc:
            form.fail(ctx.text, exc)
    if form.errors:
        return await _member_page(ctx, form=form, status=400)
    raise redirect(f"/staff/{_id(ctx)}", "password_set")


@page(Permission.MANAGE_STAFF)
async def invite(ctx: Ctx) -> web.StreamResponse:
    async with deps(ctx.request).db.unit_of_work(ctx.me.actor) as uow:
        token = await accounts.create_invite(uow, _id(ctx))
    url = f"{config(ctx.request).base_url.rstrip('/')}/invite/{token}"
    return await _member_page(ctx, shown={"invite": url})


@page(Permission.MANAGE_STAFF)
async def link_code(ctx: Ctx) -> web.StreamResponse:
    async with deps(ctx.request).db.unit_of_work(ctx.me.actor) as uow:
        await staff_admin.manageable(uow, _id(ctx))  # only an owner links an owner's Telegram
        code = await make_link_code(uow, _id(ctx))
    shown = {"code": code}
    bot = config(ctx.request).bot_username
    if bot:
        deep_link = f"https://t.me/{bot}?start={code}"
        shown |= {"deep_link": deep_link, "qr": segno.make(deep_link, error="m").svg_data_uri(scale=5)}
    return await _member_page(ctx, shown=shown)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/staff", list_staff)
    app.router.add_get(r"/staff/{id:\d+}", show)
    for name, handler in (("role", set_role), ("skills", set_skills), ("language", set_language),
                          ("active", set_active), ("password", set_password), ("invite", invite),
                          ("link-code", link_code)):
        app.router.add_post(rf"/staff/{{id:\d+}}/{name}", handler)

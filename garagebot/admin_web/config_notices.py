"""Settings: notifications (the owner's): the clients' step updates, the
staff's quiet hours (``set_staff_quiet_hours``) and the WhatsApp template
names for messages outside the 24-hour window (``set_whatsapp_template``).
Each a core service call, audited there."""

from __future__ import annotations

from aiohttp import web

from garagebot.admin_web.deps import deps
from garagebot.admin_web.forms import Form
from garagebot.admin_web.frame import Ctx, page, redirect, render
from garagebot.core.console.config_views import notice_settings
from garagebot.core.errors import DomainError
from garagebot.core.messaging import set_whatsapp_template
from garagebot.core.normalize import ascii_digits
from garagebot.core.notify.garage import set_client_step_updates, step_updates_enabled
from garagebot.core.notify.staff import set_staff_quiet_hours
from garagebot.core.permissions import Permission

QUIET = ("step_updates", "quiet", "quiet_start", "quiet_end")
WHATSAPP = ("key", "locale", "name", "language", "params")


async def _page(ctx: Ctx, forms: dict[str, Form] | None = None, status: int = 200) -> web.Response:
    async with deps(ctx.request).db.unit_of_work(ctx.me.actor) as uow:
        have = await notice_settings(uow)
        org = await uow.organization()
    shown = {"quiet": Form({"step_updates": "1" if step_updates_enabled(org.settings) else "",
                            "quiet": "1" if have.quiet_start else "", "quiet_start": have.quiet_start,
                            "quiet_end": have.quiet_end}),
             "whatsapp": Form({"locale": "en"}), **(forms or {})}
    return render(ctx, "config_notices.html", {"forms": shown, "templates": have.whatsapp}, status=status)


@page(Permission.MANAGE_GARAGE)
async def show(ctx: Ctx) -> web.StreamResponse:
    return await _page(ctx)


@page(Permission.MANAGE_GARAGE)
async def save_quiet(ctx: Ctx) -> web.StreamResponse:
    form = await Form.read(ctx.request, QUIET)
    on = form.get("quiet") == "1"
    start, end = ascii_digits(form.get("quiet_start")), ascii_digits(form.get("quiet_end"))
    try:
        async with deps(ctx.request).db.unit_of_work(ctx.me.actor) as uow:
            await set_client_step_updates(uow, form.get("step_updates") == "1")
            have = await notice_settings(uow)
            if (have.quiet_start, have.quiet_end) != ((start, end) if on else ("", "")):
                await set_staff_quiet_hours(uow, start if on else None, end if on else None)
    except DomainError as exc:
        form.errors["quiet_start"] = ctx.text(exc.key, **exc.params)
        return await _page(ctx, {"quiet": form}, status=400)
    raise redirect("/settings/notifications", "saved")


@page(Permission.MANAGE_GARAGE)
async def save_whatsapp(ctx: Ctx) -> web.StreamResponse:
    form = await Form.read(ctx.request, WHATSAPP)
    if form.require(ctx.text, "key", "name", "language"):
        params = [p.strip() for p in form.get("params").split(",") if p.strip()]
        try:
            async with deps(ctx.request).db.unit_of_work(ctx.me.actor) as uow:
                await set_whatsapp_template(uow, form.get("key"), form.get("locale"), name=form.get("name"),
                                            language=form.get("language"), params=params)
        except DomainError as exc:
            form.errors["__form__"] = ctx.text(exc.key, **exc.params)
    if form.errors:
        return await _page(ctx, {"whatsapp": form}, status=400)
    raise redirect("/settings/notifications", "saved")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/settings/notifications", show)
    app.router.add_post("/settings/notifications", save_quiet)
    app.router.add_post("/settings/whatsapp", save_whatsapp)

"""Settings: service templates. The list, a new template, and a template's
page where its names, activity and steps (order, skill, minutes, parallel
group, attachments, price, checklist) are edited as rows of one form. Each
save is ``create_template`` / ``update_template`` (audited there)."""

from __future__ import annotations

from aiohttp import web

from garagebot.admin_web.deps import deps
from garagebot.admin_web.forms import Form
from garagebot.admin_web.frame import Ctx, page, redirect, render
from garagebot.admin_web.step_rows import (
    BLANK_ROWS,
    MAX_ROWS,
    Steps,
    field_names,
    place_error,
    read_steps,
    row_count,
    step_values,
)
from garagebot.core.console.config_views import template_detail, template_list
from garagebot.core.enums import Skill
from garagebot.core.errors import DomainError, NotFound, PermissionDenied
from garagebot.core.ids import TemplateId
from garagebot.core.permissions import Permission
from garagebot.core.work.templates import create_template, update_template

HEAD = ("code", "name_en", "name_ar", "active")
_HEAD_ERRORS = {"error.template_code_invalid": "code", "error.template_code_taken": "code"}


@page(Permission.MANAGE_TEMPLATES)
async def list_templates(ctx: Ctx) -> web.StreamResponse:
    async with deps(ctx.request).db.unit_of_work(ctx.me.actor) as uow:
        rows = await template_list(uow)
    return render(ctx, "config_templates.html", {"rows": rows})


def _render(ctx: Ctx, form: Form, template_id: int | None, status: int = 200) -> web.Response:
    return render(ctx, "config_template.html", {
        "form": form, "template_id": template_id, "rows": range(row_count(form)), "skills": list(Skill)},
        status=status)


@page(Permission.MANAGE_TEMPLATES)
async def new_template(ctx: Ctx) -> web.StreamResponse:
    return _render(ctx, Form({"active": "1", **step_values(())}), None)


@page(Permission.MANAGE_TEMPLATES)
async def show_template(ctx: Ctx) -> web.StreamResponse:
    async with deps(ctx.request).db.unit_of_work(ctx.me.actor) as uow:
        t = await template_detail(uow, TemplateId(int(ctx.request.match_info["id"])))
    form = Form({"code": t.code, "name_en": t.name_en, "name_ar": t.name_ar,
                 "active": "1" if t.active else "", **step_values(t.steps)})
    return _render(ctx, form, t.template_id)


async def _read(ctx: Ctx) -> Form:
    posted = await ctx.request.post()
    rows = str(posted.get("rows", ""))
    form = await Form.read(ctx.request, (*HEAD, *field_names(min(int(rows), MAX_ROWS) if rows.isdigit()
                                                             else BLANK_ROWS)))
    if posted.get("more") == "1":
        form.values["rows"] = str(min(row_count(form) + BLANK_ROWS, MAX_ROWS))
    return form


async def _save(ctx: Ctx, form: Form, steps: Steps, template_id: TemplateId | None) -> TemplateId:
    async with deps(ctx.request).db.unit_of_work(ctx.me.actor) as uow:
        if template_id is None:
            new_id = await create_template(uow, code=form.get("code"), name_en=form.get("name_en"),
                                           name_ar=form.get("name_ar"), steps=steps.specs)
            if form.get("active") != "1":
                await update_template(uow, new_id, active=False)
            return new_id
        await template_detail(uow, template_id)  # another garage's template: 404
        await update_template(uow, template_id, name_en=form.get("name_en"), name_ar=form.get("name_ar"),
                              steps=steps.specs, active=form.get("active") == "1")
        return template_id


async def _submit(ctx: Ctx, template_id: TemplateId | None) -> web.StreamResponse:
    form = await _read(ctx)
    posted = await ctx.request.post()
    if posted.get("more") == "1":  # "more rows": the same form with three blank rows more
        return _render(ctx, form, template_id)
    steps = read_steps(form, ctx.text)
    if not form.errors:
        try:
            saved = await _save(ctx, form, steps, template_id)
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            if exc.key in _HEAD_ERRORS:
                form.errors[_HEAD_ERRORS[exc.key]] = ctx.text(exc.key, **exc.params)
            else:
                place_error(form, ctx.text, steps, exc)
        else:
            raise redirect(f"/settings/templates/{saved}", "saved")
    return _render(ctx, form, template_id, status=400)


@page(Permission.MANAGE_TEMPLATES)
async def create(ctx: Ctx) -> web.StreamResponse:
    return await _submit(ctx, None)


@page(Permission.MANAGE_TEMPLATES)
async def save(ctx: Ctx) -> web.StreamResponse:
    return await _submit(ctx, TemplateId(int(ctx.request.match_info["id"])))


def add_routes(app: web.Application) -> None:
    app.router.add_get("/settings/templates", list_templates)
    app.router.add_get("/settings/templates/new", new_template)
    app.router.add_post("/settings/templates/new", create)
    app.router.add_get(r"/settings/templates/{id:\d+}", show_template)
    app.router.add_post(r"/settings/templates/{id:\d+}", save)

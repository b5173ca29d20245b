"""Settings: the garage configuration file (the same code as ``garagebot org
import|export``). Export downloads the garage's file; an upload (or pasted
text) is first checked by a dry run, ``import_config`` in a unit of work
that is always rolled back, which lists every problem with its line and
text; the checked file is then applied by a second, real ``import_config``
(all or nothing, audited there)."""

from __future__ import annotations

from aiohttp import web
from multidict import MultiDictProxy

from garagebot.admin_web.deps import deps
from garagebot.admin_web.frame import Ctx, page, render
from garagebot.core.errors import DomainError
from garagebot.core.garage_config import (
    ConfigInvalid,
    ImportResult,
    Problem,
    import_config,
    read_config,
    to_yaml,
)
from garagebot.core.garage_config.nodes import MAX_CHARS
from garagebot.core.permissions import Permission, allowed
from garagebot.core.uow import Database


class _DryRun(Exception):
    def __init__(self, result: ImportResult) -> None:
        super().__init__()
        self.result = result


def _page(ctx: Ctx, *, text: str = "", problems: list[tuple[int, str, str]] | None = None,
          checked: ImportResult | None = None, applied: ImportResult | None = None, error: str = "",
          status: int = 200) -> web.Response:
    return render(ctx, "config_file.html", {
        "text": text, "problems": problems or [], "checked": checked, "applied": applied, "error": error,
        "may_import": allowed(ctx.me.role, Permission.MANAGE_GARAGE),
        "sections": lambda names: ("، " if ctx.text.locale == "ar" else ", ").join(
            ctx.text(f"records.config.section.{n}") for n in names)},
        status=status)


@page(Permission.CONFIGURE_REPAIR)
async def show(ctx: Ctx) -> web.StreamResponse:
    return _page(ctx)


@page(Permission.CONFIGURE_REPAIR)
async def export(ctx: Ctx) -> web.StreamResponse:
    async with deps(ctx.request).db.unit_of_work(ctx.me.actor) as uow:
        text = to_yaml(await read_config(uow))
        slug = (await uow.organization()).slug
    return web.Response(text=text, content_type="application/yaml", charset="utf-8", headers={
        "Content-Disposition": f'attachment; filename="{slug}-garage.yaml"'})


def _text_of(posted: MultiDictProxy[str | bytes | bytearray | web.FileField]) -> tuple[str, str]:
    """The file's text (an uploaded file, else the text box) and an error key."""
    upload = posted.get("file")
    if isinstance(upload, web.FileField):
        data = upload.file.read(MAX_CHARS * 4 + 1)
        if data:
            try:
                return data.decode("utf-8-sig"), ""
            except UnicodeDecodeError:
                return "", "records.config.not_utf8"
    return str(posted.get("text", "")).replace("\r\n", "\n"), ""


def _problems(ctx: Ctx, text: str, exc: ConfigInvalid) -> list[tuple[int, str, str]]:
    lines = text.split("\n")
    return [(p.line, lines[p.line - 1] if 0 < p.line <= len(lines) else "", _say(ctx, p))
            for p in exc.problems]


def _say(ctx: Ctx, p: Problem) -> str:
    return ctx.text(p.key, **dict(p.params))


async def _dry_run(db: Database, ctx: Ctx, text: str) -> ImportResult:
    try:
        async with db.unit_of_work(ctx.me.actor) as uow:
            raise _DryRun(await import_config(uow, text))
    except _DryRun as done:
        return done.result


@page(Permission.MANAGE_GARAGE)
async def check(ctx: Ctx) -> web.StreamResponse:
    text, error = _text_of(await ctx.request.post())
    if error or not text.strip():
        return _page(ctx, text=text, error=ctx.text(error or "records.config.empty"), status=400)
    try:
        result = await _dry_run(deps(ctx.request).db, ctx, text)
    except ConfigInvalid as exc:
        return _page(ctx, text=text, problems=_problems(ctx, text, exc), status=400)
    return _page(ctx, text=text, checked=result)


@page(Permission.MANAGE_GARAGE)
async def apply(ctx: Ctx) -> web.StreamResponse:
    text, _ = _text_of(await ctx.request.post())
    try:
        async with deps(ctx.request).db.unit_of_work(ctx.me.actor) as uow:
            result = await import_config(uow, text)
    except ConfigInvalid as exc:
        return _page(ctx, text=text, problems=_problems(ctx, text, exc), status=400)
    except DomainError as exc:
        return _page(ctx, text=text, error=ctx.text(exc.key, **exc.params), status=400)
    return _page(ctx, applied=result)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/settings/config", show)
    app.router.add_get("/settings/config/export", export)
    app.router.add_post("/settings/config/check", check)
    app.router.add_post("/settings/config/import", apply)

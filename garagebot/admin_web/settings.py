"""Settings: the garage's numbers and time zone and the clients' step
updates (owner), the time targets and the QC checklist (managers). Each
form calls its core service (audited there); errors show beside the field."""

from __future__ import annotations

from aiohttp import web

from garagebot.admin_web.deps import deps
from garagebot.admin_web.forms import Form
from garagebot.admin_web.frame import Ctx, page, redirect, render
from garagebot.core.errors import DomainError
from garagebot.core.garage import NUMBER_FIELDS, set_garage_settings
from garagebot.core.models import Organization
from garagebot.core.notify.garage import set_client_step_updates, step_updates_enabled
from garagebot.core.permissions import Permission, allowed
from garagebot.core.repair.qc import qc_items_of, set_qc_items
from garagebot.core.repair.sla import set_sla_targets
from garagebot.core.uow import UnitOfWork

SECTIONS = ("garage", "sla", "qc")
_FIELDS = {"garage": (*NUMBER_FIELDS, "timezone", "step_updates"), "sla": ("diagnose", "repair"),
           "qc": ("qc",)}
# Where a service's error is shown (else at the top of its form; the QC list's beside its only field).
_ERROR_FIELD = {"error.invalid_timezone": "timezone", "error.sla_diagnose_after_repair": "diagnose"}


async def _page(ctx: Ctx, failed: str = "", form: Form | None = None, status: int = 200) -> web.Response:
    async with deps(ctx.request).db.read() as s:
        org = await s.get(Organization, ctx.me.org_id)
    assert org is not None
    forms = {
        "garage": Form({**{f: getattr(org, f) or "" for f in NUMBER_FIELDS}, "timezone": org.timezone,
                        "step_updates": "1" if step_updates_enabled(org.settings) else ""}),
        "sla": Form({"diagnose": str(org.sla_diagnose_minutes), "repair": str(org.sla_repair_minutes)}),
        "qc": Form({"qc": "\n".join(f"{en} | {ar}" for en, ar in qc_items_of(org))}),
    }
    if form is not None:
        forms[failed] = form
    owner = allowed(ctx.me.role, Permission.MANAGE_GARAGE)
    return render(ctx, "settings.html", {"forms": forms, "owner": owner}, status=status)


@page(Permission.CONFIGURE_REPAIR)
async def show(ctx: Ctx) -> web.StreamResponse:
    return await _page(ctx)


def _qc_lines(raw: str) -> list[tuple[str, str]]:
    pairs = []
    for line in raw.splitlines():
        if line.strip():
            en, _, ar = line.partition("|")
            pairs.append((en.strip(), ar.strip()))
    return pairs


async def _change(section: str, form: Form, uow: UnitOfWork) -> None:
    if section == "garage":
        await set_garage_settings(uow, numbers={f: form.get(f) for f in NUMBER_FIELDS},
                                  timezone=form.get("timezone"))
        await set_client_step_updates(uow, form.get("step_updates") == "1")
    elif section == "sla":
        await set_sla_targets(uow, diagnose_minutes=_minutes(form.get("diagnose")),
                              repair_minutes=_minutes(form.get("repair")))
    else:
        await set_qc_items(uow, _qc_lines(form.get("qc")))


def _minutes(raw: str) -> int:
    return int(raw) if raw.strip().isdigit() else -1  # -1: the service's own "invalid" answer


async def _save(ctx: Ctx, section: str) -> web.StreamResponse:
    form = await Form.read(ctx.request, _FIELDS[section])
    try:
        async with deps(ctx.request).db.unit_of_work(ctx.me.actor) as uow:
            await _change(section, form, uow)
    except DomainError as exc:
        form.fail(ctx.text, exc, _ERROR_FIELD.get(exc.key, "qc" if section == "qc" else "__form__"))
        return await _page(ctx, section, form, status=400)
    raise redirect("/settings", "saved")


@page(Permission.MANAGE_GARAGE)
async def save_garage(ctx: Ctx) -> web.StreamResponse:
    return await _save(ctx, "garage")


@page(Permission.CONFIGURE_REPAIR)
async def save_sla(ctx: Ctx) -> web.StreamResponse:
    return await _save(ctx, "sla")


@page(Permission.CONFIGURE_REPAIR)
async def save_qc(ctx: Ctx) -> web.StreamResponse:
    return await _save(ctx, "qc")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/settings", show)
    app.router.add_post("/settings/garage", save_garage)
    app.router.add_post("/settings/sla", save_sla)
    app.router.add_post("/settings/qc", save_qc)

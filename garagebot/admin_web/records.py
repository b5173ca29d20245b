"""Clients and vehicles: the client list (search by name, phone or plate;
keyset pages), a client's page (details, consent, language, channel,
vehicles, sessions, quote and invoice totals, the conversation) with its edit
form, and a vehicle's page (its history per session) with its edit form.
Edits are core service calls (audited there); errors show beside the field."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from aiohttp import web

from garagebot.admin_web.deps import deps
from garagebot.admin_web.forms import Form
from garagebot.admin_web.frame import Ctx, page, redirect, render
from garagebot.core.console import records
from garagebot.core.enums import Locale
from garagebot.core.errors import DomainError, NotFound, PermissionDenied
from garagebot.core.ids import ClientId, VehicleId
from garagebot.core.permissions import Permission, allowed
from garagebot.core.repair import session_page
from garagebot.core.repair.clients import edit_client
from garagebot.core.repair.vehicles import edit_vehicle

CLIENT_FIELDS = ("name", "phone", "locale", "notes")
VEHICLE_FIELDS = ("plate", "vin", "make", "model", "year", "mileage_km")
# A service's error → the field it is shown beside (else the form's top).
ERROR_FIELD: Mapping[str, str] = {
    "error.invalid_phone": "phone", "error.client_phone_taken": "phone", "error.client_name_required": "name",
    "error.client_locale_invalid": "locale", "error.invalid_plate": "plate",
    "error.vehicle_plate_taken": "plate", "error.invalid_vin": "vin", "error.vin_check_digit": "vin",
    "error.vehicle_year_invalid": "year", "error.vehicle_mileage_invalid": "mileage_km",
}
_SINCE_EVER = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def _id(ctx: Ctx) -> int:
    return int(ctx.request.match_info["id"])


@page(Permission.INTAKE)
async def list_clients(ctx: Ctx) -> web.StreamResponse:
    q = ctx.request.query
    after = q.get("after", "")
    async with deps(ctx.request).db.read() as s:
        rows, last = await records.search_clients(s, ctx.me.org_id, q.get("q", ""),
                                                  after=int(after) if after.isdigit() else None)
    keep = {k: v for k, v in q.items() if k != "after"}
    return render(ctx, "clients.html", {
        "rows": rows, "q": q.get("q", ""),
        "next_url": str(ctx.request.rel_url.with_query({**keep, "after": str(last)})) if last else None,
        "first_url": str(ctx.request.rel_url.with_query(keep)) if after else None})


async def _client_page(ctx: Ctx, form: Form | None = None, status: int = 200) -> web.Response:
    org = ctx.me.org_id
    async with deps(ctx.request).db.read() as s:
        found = await records.client_page(s, org, ClientId(_id(ctx)))
        c = found.client
        sent = await session_page.client_messages(s, org, c.phone, _SINCE_EVER)
        received = await session_page.client_received(s, org, c.phone, _SINCE_EVER)
    thread = sorted([("in", m.received_at, m) for m in received] + [("out", m.created_at, m) for m in sent],
                    key=lambda item: item[1])
    channel = sent[-1].channel if sent else (received[-1].channel if received else "")
    if form is None:
        form = Form({"name": c.name, "phone": c.phone, "locale": c.locale, "notes": c.notes or ""})
    return render(ctx, "client.html", {
        "p": found, "c": c, "thread": thread, "channel": channel, "form": form, "locales": list(Locale),
        "may_edit": allowed(ctx.me.role, Permission.INTAKE)}, status=status)


@page(Permission.VIEW_BOARD)
async def show_client(ctx: Ctx) -> web.StreamResponse:
    return await _client_page(ctx)


async def _failed(ctx: Ctx, form: Form, exc: DomainError) -> None:
    if isinstance(exc, NotFound | PermissionDenied):
        raise exc  # not a typing mistake: the one error page (403 / 404)
    form.errors[ERROR_FIELD.get(exc.key, "__form__")] = ctx.text(exc.key, **exc.params)


@page(Permission.INTAKE)
async def save_client(ctx: Ctx) -> web.StreamResponse:
    form = await Form.read(ctx.request, CLIENT_FIELDS)
    if form.require(ctx.text, "name", "phone"):
        try:
            async with deps(ctx.request).db.unit_of_work(ctx.me.actor) as uow:
                await edit_client(uow, ClientId(_id(ctx)), name=form.get("name"), phone=form.get("phone"),
                                  locale=form.get("locale"), notes=form.get("notes"))
        except DomainError as exc:
            await _failed(ctx, form, exc)
    if form.errors:
        return await _client_page(ctx, form, status=400)
    raise redirect(f"/clients/{_id(ctx)}", "saved")


async def _vehicle_page(ctx: Ctx, form: Form | None = None, status: int = 200) -> web.Response:
    async with deps(ctx.request).db.read() as s:
        found = await records.vehicle_page(s, ctx.me.org_id, VehicleId(_id(ctx)))
    v = found.vehicle
    if form is None:
        form = Form({"plate": v.plate, "vin": v.vin or "", "make": v.make or "", "model": v.model or "",
                     "year": str(v.year or ""), "mileage_km": str(v.mileage_km or "")})
    return render(ctx, "vehicle.html", {
        "p": found, "v": v, "form": form, "may_edit": allowed(ctx.me.role, Permission.INTAKE),
        "may_see_client": allowed(ctx.me.role, Permission.INTAKE),
        "may_see_inspections": allowed(ctx.me.role, Permission.VIEW_INSPECTIONS)}, status=status)


@page(Permission.VIEW_BOARD)
async def show_vehicle(ctx: Ctx) -> web.StreamResponse:
    return await _vehicle_page(ctx)


@page(Permission.INTAKE)
async def save_vehicle(ctx: Ctx) -> web.StreamResponse:
    form = await Form.read(ctx.request, VEHICLE_FIELDS)
    if form.require(ctx.text, "plate"):
        try:
            async with deps(ctx.request).db.unit_of_work(ctx.me.actor) as uow:
                await edit_vehicle(uow, VehicleId(_id(ctx)), **{f: form.get(f) for f in VEHICLE_FIELDS})
        except DomainError as exc:
            await _failed(ctx, form, exc)
    if form.errors:
        return await _vehicle_page(ctx, form, status=400)
    raise redirect(f"/vehicles/{_id(ctx)}", "saved")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/clients", list_clients)
    app.router.add_get(r"/clients/{id:\d+}", show_client)
    app.router.add_post(r"/clients/{id:\d+}", save_client)
    app.router.add_get(r"/vehicles/{id:\d+}", show_vehicle)
    app.router.add_post(r"/vehicles/{id:\d+}", save_vehicle)

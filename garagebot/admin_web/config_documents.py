"""Settings: the garage's details on its documents (the owner's): address in
English and Arabic, phone and tax number, printed on every quote, invoice,
receipt and statement (``documents.profile.set_document_profile``, audited there)."""

from __future__ import annotations

from aiohttp import web

from garagebot.admin_web.deps import deps
from garagebot.admin_web.forms import Form
from garagebot.admin_web.frame import Ctx, page, redirect, render
from garagebot.core.documents.profile import garage_profile, set_document_profile
from garagebot.core.errors import DomainError
from garagebot.core.models import Organization
from garagebot.core.permissions import Permission

FIELDS = ("address_en", "address_ar", "phone", "tax_number")
# Which field a refusal belongs beside (the service names the field in its message's params).
_FIELD_OF = {"error.document_tax_number": "tax_number", "error.invalid_phone": "phone"}


async def _page(ctx: Ctx, form: Form | None = None, status: int = 200) -> web.Response:
    if form is None:
        async with deps(ctx.request).db.read() as s:
            org = await s.get(Organization, int(ctx.me.org_id))
        assert org is not None
        have = garage_profile(org)
        form = Form({"address_en": have.address_en, "address_ar": have.address_ar,
                     "phone": have.phone, "tax_number": have.tax_number})
    return render(ctx, "config_documents.html", {"form": form}, status=status)


@page(Permission.MANAGE_GARAGE)
async def show(ctx: Ctx) -> web.StreamResponse:
    return await _page(ctx)


@page(Permission.MANAGE_GARAGE)
async def save(ctx: Ctx) -> web.StreamResponse:
    form = await Form.read(ctx.request, FIELDS)
    try:
        async with deps(ctx.request).db.unit_of_work(ctx.me.actor) as uow:
            await set_document_profile(uow, **{name: form.get(name) for name in FIELDS})
    except DomainError as exc:
        field = _FIELD_OF.get(exc.key) or str(exc.params.get("field", "")) or "__form__"
        form.errors[field if field in FIELDS else "__form__"] = ctx.text(exc.key, **exc.params)
        return await _page(ctx, form, status=400)
    raise redirect("/settings/documents", "saved")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/settings/documents", show)
    app.router.add_post("/settings/documents", save)

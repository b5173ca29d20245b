"""A car's inspections in the console (``/vehicles/{id}/inspections``): every
inspection newest first with its counts by severity, and each measurement
over the visits. The vehicle page of the console can include the same read
(``core.inspections.views.inspection_history``)."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import select

from garagebot.admin_web.deps import deps
from garagebot.admin_web.frame import Ctx, page, render
from garagebot.core.errors import NotFound
from garagebot.core.inspections.enums import Severity
from garagebot.core.inspections.templates import UNIT_KEYS, plain_number
from garagebot.core.inspections.views import inspection_history
from garagebot.core.models import Vehicle
from garagebot.core.permissions import Permission


@page(Permission.VIEW_INSPECTIONS)
async def vehicle_inspections(ctx: Ctx) -> web.StreamResponse:
    vehicle_id = int(ctx.request.match_info["id"])
    async with deps(ctx.request).db.read() as s:
        plate = (await s.execute(select(Vehicle.plate).where(
            Vehicle.organization_id == ctx.me.org_id, Vehicle.id == vehicle_id))).scalar_one_or_none()
        if plate is None:  # another garage's car is not found, never forbidden
            raise NotFound("error.not_found", entity="vehicle", id=vehicle_id)
        history = await inspection_history(s, ctx.me.org_id, vehicle_id)
    return render(ctx, "vehicle_inspections.html", {
        "plate": plate, "history": history, "severities": (Severity.CRITICAL, Severity.ADVISORY, Severity.OK),
        "num": plain_number, "unit": lambda u: ctx.text(UNIT_KEYS[u]) if u in UNIT_KEYS else u,
    })


def add_routes(app: web.Application) -> None:
    app.router.add_get(r"/vehicles/{id:\d+}/inspections", vehicle_inspections)

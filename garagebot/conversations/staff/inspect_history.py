"""A car's inspections in chat: "history 12-34567" (or "سجل ١٢-٣٤٥٦٧"), or
"Car history" on the inspections screen and then the plate: every inspection of the car, newest first,
with what each found, and each measurement over the visits (tread depth,
pad thickness …) from oldest to newest.

```mermaid
stateDiagram-v2
    [*] --> show
    show --> show: a plate
```
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import select

from garagebot.conversations.router import BACK, Flow, StateSpec, Step, StepContext, stay
from garagebot.conversations.staff import common as c
from garagebot.conversations.staff import inspect_views as v
from garagebot.conversations.text import plate_in
from garagebot.conversations.types import Reply
from garagebot.core.ids import OrgId
from garagebot.core.inspections.enums import Severity
from garagebot.core.inspections.views import History, inspection_history
from garagebot.core.models import Vehicle

FLOW = "inspection_history"
MAX_SHOWN = 6


class S(StrEnum):
    SHOW = "show"


def _plate(ctx: StepContext) -> str | None:
    typed = ctx.data.get("typed")
    return plate_in(typed) if isinstance(typed, str) else None


def _text(ctx: StepContext, history: History) -> tuple[str, str]:
    visits = "\n".join(
        f"{p.number} · {p.at.date().isoformat()} · " + " ".join(
            f"{v.ICONS[s]}{p.counts[s]}" for s in (Severity.CRITICAL, Severity.ADVISORY, Severity.OK))
        for p in history.inspections[:MAX_SHOWN])
    trends = "\n".join(
        f"{c.localized(ctx, t.name_en, t.name_ar)}: " + " → ".join(f"{v.fmt(value)}" for _, value in t.points)
        + f" {v.unit(ctx, t.unit)}" for t in history.trends)
    return visits, trends


async def show_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    plate = _plate(ctx)
    if plate is None:
        return (Reply("inspections.history_ask", {}, (BACK,)),)
    vehicle_id = (await ctx.uow.session.execute(select(Vehicle.id).where(
        Vehicle.organization_id == ctx.me.org_id, Vehicle.plate == plate))).scalar_one_or_none()
    if vehicle_id is None:
        return (Reply("inspections.history_no_car", {"plate": plate}, (BACK,)),)
    history = await inspection_history(ctx.uow.session, OrgId(ctx.me.org_id), vehicle_id)
    if not history.inspections:
        return (Reply("inspections.history_none", {"plate": plate}, (BACK,)),)
    visits, trends = _text(ctx, history)
    key = "inspections.history" if trends else "inspections.history_no_trends"
    return (Reply(key, {"plate": plate, "count": len(history.inspections), "visits": visits,
                        "trends": trends}, (BACK,)),)


async def show(ctx: StepContext) -> Step:
    typed = c.typed(ctx)
    if not typed or plate_in(typed) is None:
        return stay(Reply("inspections.history_ask"))
    return stay(data={"typed": typed}, reprompt=True)


HISTORY = Flow(FLOW, S.SHOW, {
    S.SHOW.value: StateSpec(show_prompt, show, help_key="inspections.help_history"),
})

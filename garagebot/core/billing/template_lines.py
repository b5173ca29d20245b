"""The quote lines of a service template: its timed labour at the garage's
rate (estimated minutes as hours) and its flat-priced steps, as one line each
when non-zero. Shared by the chat's quote editor and the console."""

from __future__ import annotations

from decimal import Decimal

from garagebot.core.billing.enums import LineKind
from garagebot.core.billing.quotes import NewLine
from garagebot.core.billing.settings import load_settings
from garagebot.core.billing.sources import hours
from garagebot.core.errors import InvalidInput
from garagebot.core.ids import TemplateId
from garagebot.core.uow import UnitOfWork
from garagebot.core.work.templates import template_step_specs


async def template_lines(uow: UnitOfWork, template_id: TemplateId, name_en: str,
                         name_ar: str) -> list[NewLine]:
    """The lines for ``template_id`` named ``name_en``/``name_ar``; refused when it has no price."""
    specs = await template_step_specs(uow, template_id)
    rate = (await load_settings(uow)).labour_rate
    timed = hours(sum((Decimal(s.estimated_minutes or 0) for s in specs if s.flat_price is None), Decimal(0)))
    flat = sum((Decimal(s.flat_price) for s in specs if s.flat_price is not None), Decimal(0))
    lines = [NewLine(LineKind.LABOUR, name_en, name_ar, qty, price)
             for qty, price in ((timed, rate.amount), (Decimal(1), flat)) if qty > 0 and price > 0]
    if not lines:
        raise InvalidInput("error.template_has_no_price")
    return lines

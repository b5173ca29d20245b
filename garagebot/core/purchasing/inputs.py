"""Checks shared by the purchasing services."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from garagebot.core.errors import InvalidInput
from garagebot.core.normalize import clean_text
from garagebot.core.uow import UnitOfWork

MAX_REFERENCE = 64


async def garage_today(uow: UnitOfWork) -> dt.date:
    """Today in the garage's time zone (not the server's)."""
    org = await uow.organization()
    return uow.now.astimezone(zoneinfo.ZoneInfo(org.timezone)).date()


async def past_or_today(uow: UnitOfWork, value: dt.date, field: str) -> dt.date:
    """A document date: not in the garage's future."""
    if value > await garage_today(uow):
        raise InvalidInput("error.purchasing_date_in_future", field=field, value=value.isoformat())
    return value


def reference(raw: str, field: str = "reference") -> str:
    """A document reference (the supplier's invoice number, a transfer id)."""
    value = clean_text(raw) if raw else ""
    if not value or len(value) > MAX_REFERENCE:
        raise InvalidInput("error.purchasing_reference_required", field=field)
    return value


def note(raw: str | None) -> str | None:
    value = clean_text(raw) if raw else ""
    return value[:1000] or None

"""Which vehicles a part fits: make, optionally a model, optionally a year range.

One item may carry many fitment rows ("fits Toyota Corolla 2014-2019 and
Toyota Auris 2013-2018"). Makes and models are compared upper case.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, or_

from garagebot.core.errors import InvalidInput
from garagebot.core.ids import ItemId
from garagebot.core.models.inventory import InventoryItem, ItemFitment
from garagebot.core.normalize import clean_text
from garagebot.core.permissions import Permission
from garagebot.core.uow import UnitOfWork

MIN_YEAR, MAX_YEAR = 1900, 2100


@dataclass(frozen=True, slots=True)
class Fitment:
    make: str
    model: str | None = None
    year_from: int | None = None
    year_to: int | None = None


def _norm(raw: str | None) -> str | None:
    value = clean_text(raw).upper() if raw else ""
    return value[:64] or None


def _checked(fit: Fitment) -> Fitment:
    make = _norm(fit.make)
    if make is None:
        raise InvalidInput("error.inventory_fitment_make_required")
    for year in (fit.year_from, fit.year_to):
        if year is not None and not MIN_YEAR <= year <= MAX_YEAR:
            raise InvalidInput("error.inventory_invalid_year", value=year)
    if fit.year_from is not None and fit.year_to is not None and fit.year_from > fit.year_to:
        raise InvalidInput("error.inventory_year_range", start=fit.year_from, end=fit.year_to)
    return Fitment(make, _norm(fit.model), fit.year_from, fit.year_to)


async def add_fitments(uow: UnitOfWork, item_id: int, fitments: Iterable[Fitment]) -> list[int]:
    """Insert checked fitment rows for an item already loaded (no permission check)."""
    rows = [
        ItemFitment(organization_id=uow.org_id, item_id=item_id, make=f.make, model=f.model,
                    year_from=f.year_from, year_to=f.year_to)
        for f in (_checked(f) for f in fitments)
    ]
    uow.session.add_all(rows)
    await uow.session.flush()
    return [row.id for row in rows]


async def add_fitment(uow: UnitOfWork, item_id: ItemId, fitment: Fitment) -> int:
    """Record one more vehicle range the item fits."""
    await uow.require(Permission.MANAGE_INVENTORY)
    await uow.get(InventoryItem, item_id)
    (fid,) = await add_fitments(uow, item_id, [fitment])
    f = _checked(fitment)
    await uow.audit("item_fitment", fid, "create",
                    after={"item_id": item_id, "make": f.make, "model": f.model,
                           "year_from": f.year_from, "year_to": f.year_to})
    return fid


async def remove_fitment(uow: UnitOfWork, fitment_id: int) -> None:
    await uow.require(Permission.MANAGE_INVENTORY)
    row = await uow.get(ItemFitment, fitment_id)
    before = {"item_id": row.item_id, "make": row.make, "model": row.model,
              "year_from": row.year_from, "year_to": row.year_to}
    await uow.session.delete(row)
    await uow.session.flush()
    await uow.audit("item_fitment", fitment_id, "delete", before=before)


def fits(make: str, model: str | None, year: int | None) -> ColumnElement[bool]:
    """SQL condition on ItemFitment: the row covers this vehicle."""
    conditions: list[ColumnElement[bool]] = [ItemFitment.make == (_norm(make) or "")]
    if model is not None:
        conditions.append(or_(ItemFitment.model.is_(None), ItemFitment.model == _norm(model)))
    if year is not None:
        conditions.append(or_(ItemFitment.year_from.is_(None), ItemFitment.year_from <= year))
        conditions.append(or_(ItemFitment.year_to.is_(None), ItemFitment.year_to >= year))
    return and_(*conditions)

"""The staff notification rules of the front desk and the store: the client's
decisions, additional work, discounts, stock, arrived parts and ratings
(the table is in ``staff_rules``)."""

from __future__ import annotations

from sqlalchemy import select

from garagebot.core.dispatch.registry import DomainEvent, EventHandler
from garagebot.core.enums import Role
from garagebot.core.models import ClientRating, QuoteApproval, User
from garagebot.core.models.inventory import PartRequest
from garagebot.core.notify.staff import localized, open_choice, people_by_id, people_in, tell
from garagebot.core.notify.staff_rules import MANAGERS, Visit, advisors, id_of, visit
from garagebot.core.permissions import Permission, allowed
from garagebot.core.uow import UnitOfWork

LOW_RATING = 2


async def _signed(uow: UnitOfWork, quote_id: int) -> bool:
    found = await uow.session.execute(select(QuoteApproval.id).where(
        QuoteApproval.organization_id == uow.org_id, QuoteApproval.quote_id == quote_id).limit(1))
    return found.first() is not None


async def _tell_advisor(uow: UnitOfWork, v: Visit, key: str, extra: dict[str, object]) -> None:
    """``key`` to the session's advisors, naming the car and the job, with a button to the session."""
    await tell(uow, await advisors(uow, v), key,
               lambda loc: {"number": v.number, "plate": v.plate, **extra},
               open_choice("ses", v.session_id))


def _decision(event: DomainEvent) -> dict[str, object]:
    return {"@decision": f"floor.quote_{str(event.payload.get('status') or '').lower()}"}


async def quote_decided(uow: UnitOfWork, event: DomainEvent) -> None:
    """A decision by reply; a signed decision on the page is told by ``signed``."""
    v = await visit(uow, id_of(event.payload, "session_id"))
    if v is None or await _signed(uow, id_of(event.payload, "quote_id") or 0):
        return
    await _tell_advisor(uow, v, "floor.told_quote_decided", _decision(event))


async def partly_decided(uow: UnitOfWork, event: DomainEvent) -> None:
    """A client's reply that decided some lines of a quote; others are still open."""
    v = await visit(uow, id_of(event.payload, "session_id"))
    if v is None:
        return
    await _tell_advisor(uow, v, "floor.told_quote_partly", {
        "decided": int(str(event.payload.get("decided") or 0)),
        "pending": int(str(event.payload.get("pending") or 0))})


async def signed(uow: UnitOfWork, event: DomainEvent) -> None:
    v = await visit(uow, id_of(event.payload, "session_id"))
    if v is None:
        return
    await _tell_advisor(uow, v, "floor.told_signed", _decision(event))


async def additional_work(uow: UnitOfWork, event: DomainEvent) -> None:
    v = await visit(uow, id_of(event.payload, "session_id"))
    if v is None:
        return
    await tell(uow, await advisors(uow, v), "floor.told_extra",
               lambda loc: {"number": v.number, "plate": v.plate,
                            "text": str(event.payload.get("description") or "")[:200]},
               open_choice("ses", v.session_id))


async def discount_requested(uow: UnitOfWork, event: DomainEvent) -> None:
    v = await visit(uow, id_of(event.payload, "session_id"))
    if v is None:
        return
    await tell(uow, await people_in(uow, MANAGERS, Permission.APPROVE_DISCOUNT), "floor.told_discount",
               lambda loc: {"number": v.number, "plate": v.plate,
                            "percent": str(event.payload.get("percent"))},
               open_choice("disc"))


async def _store(uow: UnitOfWork, event: DomainEvent, key: str) -> None:
    p = event.payload
    await tell(uow, await people_in(uow, (Role.INVENTORY,), Permission.MANAGE_INVENTORY), key,
               lambda loc: {"name": localized(loc, str(p.get("name_en") or ""), str(p.get("name_ar") or "")),
                            "sku": str(p.get("sku") or ""), "available": str(p.get("available")),
                            "min": str(p.get("min_level")), "short": str(p.get("short"))},
               open_choice("parts"))


async def stock_low(uow: UnitOfWork, event: DomainEvent) -> None:
    await _store(uow, event, "floor.told_stock_low")


async def stock_shortage(uow: UnitOfWork, event: DomainEvent) -> None:
    await _store(uow, event, "floor.told_shortage")


async def part_arrived(uow: UnitOfWork, event: DomainEvent) -> None:
    """The technician who asked for the part (the advisor is told by ``arrivals``)."""
    req = await uow.session.get(PartRequest, id_of(event.payload, "part_request_id") or 0)
    v = await visit(uow, id_of(event.payload, "session_id"))
    if req is None or v is None or req.requested_by_id in (None, v.advisor_id):
        return
    asker = await uow.session.get(User, req.requested_by_id)
    if asker is None or not allowed(Role(asker.role), Permission.WORK_STEP):
        return
    await tell(uow, await people_by_id(uow, [asker.id]), "floor.told_part_arrived",
               lambda loc: {"number": v.number, "plate": v.plate, "sku": str(event.payload.get("sku") or "")},
               open_choice("jobs"))


async def rated(uow: UnitOfWork, event: DomainEvent) -> None:
    score = id_of(event.payload, "score")
    v = await visit(uow, id_of(event.payload, "session_id"))
    if v is None or score is None or score > LOW_RATING:
        return
    await tell(uow, await people_in(uow, MANAGERS, Permission.VIEW_REPORTS), "floor.told_low_rating",
               lambda loc: {"number": v.number, "plate": v.plate, "score": score},
               open_choice("ses", v.session_id), urgent=True)


async def commented(uow: UnitOfWork, event: DomainEvent) -> None:
    v = await visit(uow, id_of(event.payload, "session_id"))
    if v is None:
        return
    comment = (await uow.session.execute(select(ClientRating.comment).where(
        ClientRating.organization_id == uow.org_id, ClientRating.session_id == v.session_id,
    ).limit(1))).scalar_one_or_none()
    if not comment:
        return
    await tell(uow, await people_in(uow, MANAGERS, Permission.VIEW_REPORTS), "floor.told_comment",
               lambda loc: {"number": v.number, "plate": v.plate, "text": comment[:300]},
               open_choice("ses", v.session_id))


RULES: tuple[tuple[str, EventHandler], ...] = (
    ("billing.quote_decided", quote_decided), ("approval.signed", signed),
    ("billing.quote_partly_decided", partly_decided),
    ("quote.additional_work_reported", additional_work),
    ("billing.discount_approval_requested", discount_requested),
    ("stock.low", stock_low), ("stock.shortage", stock_shortage), ("part.arrived", part_arrived),
    ("client.rated", rated), ("client.commented", commented),
)

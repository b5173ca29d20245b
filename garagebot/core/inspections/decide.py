"""The client's answer on the report: approve, decline or defer each line of
recommended work. Recorded exactly as a quote decision (``decide_quote_lines``:
per line, with who, channel and time, keyed so a repeat is a no-op); the
advisor hears of it from the quote's own events."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from garagebot.core.billing.enums import LineDecision, QuoteStatus
from garagebot.core.billing.quote_flow import decide_quote_lines
from garagebot.core.errors import InvalidInput, InvalidTransition
from garagebot.core.ids import QuoteId, QuoteLineId
from garagebot.core.inspections.enums import InspectionId, InspectionStatus
from garagebot.core.models import Inspection
from garagebot.core.uow import UnitOfWork


def decision_key(link_key: str, decisions: Mapping[QuoteLineId, LineDecision]) -> str:
    """The same answers through the same link give the same key (a no-op);
    other lines decided later through it get their own."""
    canon = ",".join(f"{k}={v.value}" for k, v in sorted(decisions.items()))
    return f"i:{link_key[:40]}:{hashlib.sha256(canon.encode()).hexdigest()[:32]}"


async def decide_from_report(uow: UnitOfWork, inspection_id: InspectionId,
                             decisions: Mapping[QuoteLineId, LineDecision], *, link_key: str) -> QuoteStatus:
    """Decide lines of the quote the report carries (``decide_quote_lines``
    refuses a line of another quote)."""
    row = await uow.get(Inspection, inspection_id)
    if row.status != InspectionStatus.PUBLISHED.value or row.quote_id is None:
        raise InvalidTransition("error.inspection_not_published")
    if not decisions:
        raise InvalidInput("error.quote_no_decisions")
    return await decide_quote_lines(uow, QuoteId(row.quote_id), decisions,
                                    key=decision_key(link_key, decisions))

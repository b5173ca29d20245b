"""The approval reminder: N hours after a quote is sent, a client who has not
decided yet is reminded, with a fresh approval link.

No cron: sending a quote writes a delayed event into the outbox (its
``available_at`` is N hours ahead). The dispatcher claims only rows that are
due by its clock, so the reminder runs wherever the outbox is drained — the
in-process drainer in the embedded mode, the arq worker (whose periodic poll
enqueues the drain) with Redis — and a test moves its FakeClock past the
hour and drains. The handler checks again at that time: the quote must still
be waiting, unexpired, and the client must still accept messages; each quote
is reminded once.
"""

from __future__ import annotations

import datetime as dt

from garagebot.core.billing.enums import QuoteStatus
from garagebot.core.dispatch.registry import DomainEvent
from garagebot.core.errors import NotFound
from garagebot.core.links import approval_url
from garagebot.core.models import Quote
from garagebot.core.money import Money, format_money
from garagebot.core.notify.config import NotifyConfig
from garagebot.core.notify.recipient import claim_once, notify, session_target
from garagebot.core.uow import UnitOfWork

REMINDER_TOPIC = "notify.approval_reminder_due"


def schedule_reminder(
    uow: UnitOfWork, config: NotifyConfig, quote_id: int, session_id: int, sent_at: dt.datetime
) -> None:
    """Queue the reminder event for ``approval_reminder_hours`` after ``sent_at``
    (the quote's sending, however late its event is handled; 0 hours: none)."""
    if config.approval_reminder_hours <= 0:
        return
    row = uow.emit(REMINDER_TOPIC, {"quote_id": quote_id, "session_id": session_id})
    row.available_at = max(uow.now, sent_at + dt.timedelta(hours=config.approval_reminder_hours))


def waiting(quote: Quote, now: dt.datetime) -> bool:
    """Whether the quote still waits for the client's decision."""
    return quote.status == QuoteStatus.SENT.value and (quote.expires_at is None or quote.expires_at > now)


def quote_params(uow: UnitOfWork, config: NotifyConfig, quote: Quote, locale: str) -> dict[str, object]:
    """The parameters of a message asking for a decision: version, total and a fresh link."""
    return {
        "version": quote.version, "total": format_money(Money(quote.total, quote.currency), locale),
        "link": approval_url(config.public_url, config.secret, quote.id, now=uow.now),
        "hours": config.approval_link_hours,
    }


class ApprovalReminder:
    """The handler of REMINDER_TOPIC."""

    def __init__(self, config: NotifyConfig) -> None:
        self.config = config

    async def __call__(self, uow: UnitOfWork, event: DomainEvent) -> None:
        quote_id = event.payload.get("quote_id")
        if not isinstance(quote_id, int):
            return
        try:
            quote = await uow.get(Quote, quote_id)
        except NotFound:
            return
        if not waiting(quote, uow.now):
            return
        target = await session_target(uow, quote.session_id)
        if target is None or not await claim_once(uow, quote.session_id, "approval_reminder", str(quote.id)):
            return
        notify(uow, target, "notify.approval_reminder", quote_params(uow, self.config, quote, target.locale))

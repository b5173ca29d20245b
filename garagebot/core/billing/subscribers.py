"""What billing does when its own delayed events fall due: a sent quote that
lapses is marked EXPIRED at its ``expires_at`` (the event is written with
that ``available_at`` when the quote is sent, so no cron is needed; it runs
wherever the outbox is drained).

The composition root registers these with ``register(subscribers)``.
"""

from __future__ import annotations

from garagebot.core.billing.quote_flow import EXPIRY_DUE_TOPIC, expire_quotes
from garagebot.core.dispatch.registry import DomainEvent, Subscribers
from garagebot.core.uow import UnitOfWork


async def on_quote_expiry_due(uow: UnitOfWork, event: DomainEvent) -> None:
    """Expire the garage's lapsed quotes (this one among them, unless it was
    decided or superseded meanwhile)."""
    await expire_quotes(uow)


def register(subscribers: Subscribers) -> None:
    """Subscribe billing's handlers."""
    subscribers.subscribe(EXPIRY_DUE_TOPIC, on_quote_expiry_due)

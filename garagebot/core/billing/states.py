"""The quote and invoice state machines: one table each, checked in one place."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Final, TypeVar

from garagebot.core.billing.enums import InvoiceStatus as I
from garagebot.core.billing.enums import LineDecision
from garagebot.core.billing.enums import QuoteStatus as Q
from garagebot.core.errors import InvalidTransition

QUOTE_TRANSITIONS: Final[Mapping[Q, frozenset[Q]]] = {
    Q.DRAFT: frozenset({Q.SENT}),
    Q.SENT: frozenset({Q.APPROVED, Q.PARTIALLY_APPROVED, Q.DECLINED, Q.EXPIRED, Q.SUPERSEDED}),
    Q.APPROVED: frozenset(),
    Q.PARTIALLY_APPROVED: frozenset(),
    Q.DECLINED: frozenset(),
    Q.EXPIRED: frozenset(),
    Q.SUPERSEDED: frozenset(),
}
# Versions whose lines the client has decided: invoices and follow-ups read these.
DECIDED: Final = frozenset({Q.APPROVED, Q.PARTIALLY_APPROVED, Q.DECLINED})

INVOICE_TRANSITIONS: Final[Mapping[I, frozenset[I]]] = {
    I.DRAFT: frozenset({I.ISSUED, I.PAID, I.VOID}),  # PAID: a zero total, or deposits cover it
    I.ISSUED: frozenset({I.PARTIALLY_PAID, I.PAID, I.VOID}),
    I.PARTIALLY_PAID: frozenset({I.ISSUED, I.PAID}),  # back to ISSUED when a payment is reversed
    I.PAID: frozenset({I.ISSUED, I.PARTIALLY_PAID}),
    I.VOID: frozenset(),
}

S = TypeVar("S", Q, I)


def check(table: Mapping[S, frozenset[S]], entity: str, current: str, target: S) -> None:
    """Raise InvalidTransition unless ``table`` allows ``current`` → ``target``."""
    if target not in table[type(target)(current)]:
        raise InvalidTransition(
            "error.billing_transition", entity=entity, current=current, target=target.value
        )


def settled_status(total: Decimal, paid: Decimal) -> I:
    """An issued invoice's status from what has been paid on it."""
    if paid >= total:
        return I.PAID
    return I.PARTIALLY_PAID if paid > 0 else I.ISSUED


def decided_status(decisions: list[LineDecision]) -> Q | None:
    """The quote's status once every line is decided, or None while some are pending."""
    if not decisions or LineDecision.PENDING in decisions:
        return None
    approved = decisions.count(LineDecision.APPROVED)
    if approved == len(decisions):
        return Q.APPROVED
    return Q.PARTIALLY_APPROVED if approved else Q.DECLINED

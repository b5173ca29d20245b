"""States and kinds of the inventory domain, and the reservation state table."""

from __future__ import annotations

from enum import StrEnum


class ItemUnit(StrEnum):
    """How an item is counted. Counted units take whole quantities only."""

    PIECE = "pcs"
    SET = "set"
    PAIR = "pair"
    LITRE = "l"
    KILOGRAM = "kg"
    METRE = "m"


WHOLE_UNITS = frozenset({ItemUnit.PIECE, ItemUnit.SET, ItemUnit.PAIR})


class MoveKind(StrEnum):
    RECEIVE = "RECEIVE"
    ADJUST = "ADJUST"
    TRANSFER = "TRANSFER"
    RESERVE = "RESERVE"
    UNRESERVE = "UNRESERVE"
    PICK = "PICK"
    CONSUME = "CONSUME"
    RETURN = "RETURN"


class ReservationStatus(StrEnum):
    RESERVED = "RESERVED"
    PICKED = "PICKED"
    CONSUMED = "CONSUMED"
    RETURNED = "RETURNED"


class ReservationSource(StrEnum):
    STOCK = "STOCK"
    PURCHASE = "PURCHASE"


class PartRequestStatus(StrEnum):
    OPEN = "OPEN"
    FULFILLED = "FULFILLED"
    CANCELLED = "CANCELLED"


class SuggestionReason(StrEnum):
    LOW_STOCK = "LOW_STOCK"
    SHORTAGE = "SHORTAGE"
    MISSING_PART = "MISSING_PART"


class SuggestionStatus(StrEnum):
    OPEN = "OPEN"
    ORDERED = "ORDERED"
    DISMISSED = "DISMISSED"


class Valuation(StrEnum):
    """Per-garage costing method (Organization.settings["valuation"])."""

    FIFO = "fifo"
    AVERAGE = "average"


# The reservation state table: the one place that says which move is allowed.
RESERVATION_TRANSITIONS: dict[ReservationStatus, frozenset[ReservationStatus]] = {
    ReservationStatus.RESERVED: frozenset({ReservationStatus.PICKED, ReservationStatus.RETURNED}),
    ReservationStatus.PICKED: frozenset({ReservationStatus.CONSUMED, ReservationStatus.RETURNED}),
    ReservationStatus.CONSUMED: frozenset(),
    ReservationStatus.RETURNED: frozenset(),
}

# Reservations still holding stock for their session.
OPEN_RESERVATION_STATES = (ReservationStatus.RESERVED.value, ReservationStatus.PICKED.value)

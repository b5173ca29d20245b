"""The repair session's state machine: one table of allowed moves and their guards.

The main line is the design's: NEW → DIAGNOSING → AWAITING_CLIENT_APPROVAL →
AWAITING_PARTS → IN_PROGRESS → QA_CHECK → READY_FOR_PICKUP → COMPLETED →
DELIVERED. A real workshop also needs the shortcuts and returns listed in
``TRANSITIONS`` (a known job skips diagnosis, parts in stock skip
AWAITING_PARTS, a failed QC goes back to work, extra work found mid-repair
needs a new approval …).

"Open" states are the ones where work can still happen: a session can be put
ON_HOLD (it remembers where it came from and resumes only there) or CANCELLED
from any of them. COMPLETED is closed for work but still *active*: the car is
on site until it is DELIVERED. DELIVERED and CANCELLED are final.

This module is pure (no I/O); ``transitions.py`` evaluates the guards.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Final

from garagebot.core.enums import SessionStatus as S


class Guard(StrEnum):
    """Conditions checked before a move; see ``transitions.check_guards``."""

    REASON = "reason"  # a note saying why (hold, cancel)
    RESUME = "resume"  # leaving ON_HOLD goes back to the status it came from
    QC_DONE = "qc_done"  # every QC checklist item ticked
    WORK_CLOSED = "work_closed"  # no open steps, no unconsumed parts; a manager may override
    DELIVERY = "delivery"  # the client's PIN or signature (only through confirm_delivery)


FINAL: Final = frozenset({S.DELIVERED, S.CANCELLED})
ACTIVE: Final = frozenset(S) - FINAL
# Where work can still happen: these may be held or cancelled.
OPEN: Final = frozenset(
    {S.NEW, S.DIAGNOSING, S.AWAITING_CLIENT_APPROVAL, S.AWAITING_PARTS, S.IN_PROGRESS,
     S.QA_CHECK, S.READY_FOR_PICKUP}
)
# Statuses that mean the diagnosis is over (entering one stamps diagnosed_at).
AFTER_DIAGNOSIS: Final = frozenset(
    {S.AWAITING_CLIENT_APPROVAL, S.AWAITING_PARTS, S.IN_PROGRESS, S.QA_CHECK,
     S.READY_FOR_PICKUP, S.COMPLETED, S.DELIVERED}
)
# Statuses in which the repair itself is finished (the repair SLA stops).
REPAIR_FINISHED: Final = frozenset({S.READY_FOR_PICKUP, S.COMPLETED, S.DELIVERED, S.CANCELLED})

_NONE: Final = frozenset[Guard]()

TRANSITIONS: Final[Mapping[tuple[S, S], frozenset[Guard]]] = {
    (S.NEW, S.DIAGNOSING): _NONE,
    (S.NEW, S.AWAITING_CLIENT_APPROVAL): _NONE,  # a known job quoted straight away
    (S.NEW, S.IN_PROGRESS): _NONE,  # a routine job (oil service) needs no diagnosis
    (S.DIAGNOSING, S.AWAITING_CLIENT_APPROVAL): _NONE,
    (S.DIAGNOSING, S.AWAITING_PARTS): _NONE,  # pre-approved (fleet, warranty) but parts missing
    (S.DIAGNOSING, S.IN_PROGRESS): _NONE,  # no approval needed, parts in stock
    (S.DIAGNOSING, S.QA_CHECK): _NONE,  # nothing to repair: check and hand back
    (S.AWAITING_CLIENT_APPROVAL, S.DIAGNOSING): _NONE,  # the client asks for more checks
    (S.AWAITING_CLIENT_APPROVAL, S.AWAITING_PARTS): _NONE,
    (S.AWAITING_CLIENT_APPROVAL, S.IN_PROGRESS): _NONE,  # approved, parts in stock
    (S.AWAITING_CLIENT_APPROVAL, S.QA_CHECK): _NONE,  # all declined: check and hand back
    (S.AWAITING_PARTS, S.IN_PROGRESS): _NONE,
    (S.AWAITING_PARTS, S.AWAITING_CLIENT_APPROVAL): _NONE,  # price or part changed
    (S.IN_PROGRESS, S.QA_CHECK): _NONE,
    (S.IN_PROGRESS, S.AWAITING_PARTS): _NONE,  # a missing part found mid-repair
    (S.IN_PROGRESS, S.AWAITING_CLIENT_APPROVAL): _NONE,  # extra work found mid-repair
    (S.QA_CHECK, S.READY_FOR_PICKUP): frozenset({Guard.QC_DONE}),
    (S.QA_CHECK, S.IN_PROGRESS): _NONE,  # QC failed: rework
    (S.READY_FOR_PICKUP, S.COMPLETED): frozenset({Guard.WORK_CLOSED}),
    (S.READY_FOR_PICKUP, S.IN_PROGRESS): _NONE,  # a problem found before pick-up
    (S.COMPLETED, S.DELIVERED): frozenset({Guard.DELIVERY}),
    **{(s, S.ON_HOLD): frozenset({Guard.REASON}) for s in OPEN},
    **{(S.ON_HOLD, s): frozenset({Guard.RESUME}) for s in OPEN},
    **{(s, S.CANCELLED): frozenset({Guard.REASON}) for s in OPEN | {S.ON_HOLD}},
}


def guards_for(current: S, target: S) -> frozenset[Guard] | None:
    """The guards of the move, or None when the table has no such move."""
    return TRANSITIONS.get((current, target))


def can_transition(current: S, target: S, *, held_from: S | None = None) -> bool:
    """Whether the table allows the move (guards other than RESUME not evaluated)."""
    guards = guards_for(current, target)
    if guards is None:
        return False
    return Guard.RESUME not in guards or target == held_from


def status_key(status: S) -> str:
    """Message key of a status's label ("status.session.in_progress")."""
    return f"status.session.{status.value.lower()}"


def next_statuses(current: S, *, held_from: S | None = None) -> list[S]:
    """The statuses a session in ``current`` may move to, in the enum's order
    (what a bot or console offers as buttons)."""
    return [t for t in S if can_transition(current, t, held_from=held_from)]

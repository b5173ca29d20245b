"""Domain errors.

Every error a user can cause carries a message key (looked up in ``locales/``)
and parameters, never a sentence. Adapters map them to a reply, an HTTP status
or a page in one place each.
"""

from __future__ import annotations

from collections.abc import Mapping

ParamValue = str | int | None


class DomainError(Exception):
    """A refused request. ``key`` names the message; ``params`` fill it in."""

    key: str = "error.generic"

    def __init__(self, key: str | None = None, **params: ParamValue) -> None:
        self.key = key or type(self).key
        self.params: Mapping[str, ParamValue] = dict(params)
        super().__init__(f"{self.key} {dict(self.params)}")


class NotFound(DomainError):
    """The record does not exist, or belongs to another garage (never say which)."""

    key = "error.not_found"


class PermissionDenied(DomainError):
    """The actor's role does not allow the action."""

    key = "error.permission_denied"


class InvalidTransition(DomainError):
    """A state machine refused the move (or a guard failed)."""

    key = "error.invalid_transition"


class InvalidInput(DomainError):
    """A malformed value: phone, VIN, plate, duration, amount …"""

    key = "error.invalid_input"


class Conflict(DomainError):
    """The request collides with the current state (a second active session …)."""

    key = "error.conflict"

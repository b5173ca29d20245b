"""What the outbound side reports for the operator's metrics, as a port (the
app implements it with prometheus-client; core and the adapters never import
it): each send's result per provider, retries, and scheduler runs. The
default does nothing, so a process without metrics needs no wiring."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Protocol

from garagebot.core.ports import PermanentSendError, SendResult, TransientSendError


class Telemetry(Protocol):
    def sent(self, provider: str, result: str) -> None:
        """One send's ``result``: sent, transient (retried later), permanent or error."""

    def retried(self, provider: str) -> None:
        """The dispatcher put a row back to be tried again (``provider``: the
        message's channel, or ``event`` for a domain event whose subscriber failed)."""

    def scheduler_ran(self, job: str, outcome: str) -> None:
        """A scheduled ``job`` ran (``outcome``: done, skipped, failed)."""


class NullTelemetry:
    def sent(self, provider: str, result: str) -> None:
        return None

    def retried(self, provider: str) -> None:
        return None

    def scheduler_ran(self, job: str, outcome: str) -> None:
        return None


NULL_TELEMETRY: Telemetry = NullTelemetry()


async def observed_send(telemetry: Telemetry, provider: str, send: Awaitable[SendResult]) -> SendResult:
    """``await send``, reported by its result."""
    try:
        result = await send
    except TransientSendError:  # the dispatcher counts the retry (``retried``) when it puts the row back
        telemetry.sent(provider, "transient")
        raise
    except PermanentSendError:
        telemetry.sent(provider, "permanent")
        raise
    except Exception:
        telemetry.sent(provider, "error")
        raise
    telemetry.sent(provider, "sent")
    return result

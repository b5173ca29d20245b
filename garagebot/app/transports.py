"""Outbound transports the app wires per channel.

Until a channel gets its real sender (later issues), messages go to the dry
run: nothing leaves the machine; the dispatcher stores the rendered text on
the outbox row and the provider id ``dryrun-<outbox id>``, so the console and
the tests can see exactly what would have been sent.
"""

from __future__ import annotations

import logging

from garagebot.core.dispatch import Transports
from garagebot.core.ports import OutboundMessage, SendResult

log = logging.getLogger(__name__)


class DryRunTransport:
    """A MessageTransport that sends nothing and always succeeds."""

    async def send(self, message: OutboundMessage) -> SendResult:
        log.info(
            "dry run %s to %s (%s): %s", message.channel, message.recipient, message.locale,
            message.text,
        )
        return SendResult(provider_message_id=f"dryrun-{message.outbox_id}")


def default_transports() -> Transports:
    """Every channel on the dry run; wiring functions replace channels with real senders."""
    return Transports(default=DryRunTransport())

"""Draining the outbox: messages to their channel's transport, events to subscribers.

``Dispatcher`` drains (see ``dispatcher`` for how claims, leases and retries
work); ``record_delivery_status`` applies provider status callbacks; the
registry types are what the app wires: transports per channel, subscribers
per topic, the renderer and the retry policy; ``Pacer`` keeps senders within
the providers' rate limits.
"""

from garagebot.core.dispatch.delivery import FORWARD_FROM, DeliveryUpdate, record_delivery_status
from garagebot.core.dispatch.dispatcher import Dispatcher
from garagebot.core.dispatch.pacing import Pacer
from garagebot.core.dispatch.registry import (
    DispatchPolicy,
    DomainEvent,
    DrainReport,
    EventHandler,
    Renderer,
    Subscribers,
    Transports,
)

__all__ = [
    "FORWARD_FROM",
    "DeliveryUpdate",
    "DispatchPolicy",
    "Dispatcher",
    "DomainEvent",
    "DrainReport",
    "EventHandler",
    "Pacer",
    "Renderer",
    "Subscribers",
    "Transports",
    "record_delivery_status",
]

"""Client notifications: core events become messages to the session's client
through the outbox (see ``rules`` for the table, ``reminders`` for the
approval reminder). The composition root calls ``register(subscribers, config)``
in every process that drains the outbox.
"""

from __future__ import annotations

from garagebot.core.dispatch.registry import Subscribers
from garagebot.core.notify.config import NotifyConfig
from garagebot.core.notify.garage import set_client_step_updates, step_updates_enabled
from garagebot.core.notify.reminders import REMINDER_TOPIC, ApprovalReminder
from garagebot.core.notify.rules import ClientRules

__all__ = ["NotifyConfig", "register", "set_client_step_updates", "step_updates_enabled"]


def register(subscribers: Subscribers, config: NotifyConfig) -> None:
    """Subscribe every client notification rule."""
    rules = ClientRules(config)
    subscribers.subscribe("session.opened", rules.session_opened)
    subscribers.subscribe("billing.quote_sent", rules.quote_sent)
    subscribers.subscribe(REMINDER_TOPIC, ApprovalReminder(config))
    subscribers.subscribe("part.arrived", rules.part_arrived)
    subscribers.subscribe("step.status_changed", rules.step_changed)
    subscribers.subscribe("session.status_changed", rules.session_status_changed)
    subscribers.subscribe("billing.invoice_issued", rules.invoice_issued)
    subscribers.subscribe("session.delivered", rules.delivered)

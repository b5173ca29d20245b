"""Notifications: core events become messages to the session's client
through the outbox (see ``rules`` for the table, ``reminders`` for the
approval reminder), and to the staff who must act (``staff_rules``,
``staff_desk``; the mechanism and quiet hours in ``staff``). The composition
root calls ``register(subscribers, config)`` in every process that drains
the outbox.
"""

from __future__ import annotations

from garagebot.core.dispatch.registry import Subscribers
from garagebot.core.notify import staff_desk, staff_rules
from garagebot.core.notify.config import NotifyConfig
from garagebot.core.notify.garage import set_client_step_updates, step_updates_enabled
from garagebot.core.notify.reminders import REMINDER_TOPIC, ApprovalReminder
from garagebot.core.notify.rules import ClientRules
from garagebot.core.notify.staff import set_staff_quiet_hours

__all__ = ["NotifyConfig", "register", "set_client_step_updates", "set_staff_quiet_hours",
           "step_updates_enabled"]


def register(subscribers: Subscribers, config: NotifyConfig) -> None:
    """Subscribe every client and staff notification rule."""
    rules = ClientRules(config)
    subscribers.subscribe("session.opened", rules.session_opened)
    subscribers.subscribe("billing.quote_sent", rules.quote_sent)
    subscribers.subscribe(REMINDER_TOPIC, ApprovalReminder(config))
    subscribers.subscribe("part.arrived", rules.part_arrived)
    subscribers.subscribe("step.status_changed", rules.step_changed)
    subscribers.subscribe("session.status_changed", rules.session_status_changed)
    subscribers.subscribe("billing.invoice_issued", rules.invoice_issued)
    subscribers.subscribe("session.delivered", rules.delivered)
    subscribers.subscribe("documents.invoice_pdf_requested", rules.invoice_pdf_requested)
    for topic, handler in (*staff_rules.RULES, *staff_desk.RULES):
        subscribers.subscribe(topic, handler)

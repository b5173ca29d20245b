"""The flows. ``default_registry()`` builds the registry the engine routes
through; each later flow module adds itself with its own ``register``."""

from __future__ import annotations

from garagebot.conversations.flows.language import LANGUAGE
from garagebot.conversations.flows.menu import MENU
from garagebot.conversations.router import Registry
from garagebot.conversations.staff import register_staff_flows
from garagebot.core.ports import FileStorage


def base_registry() -> Registry:
    """The menu and the language flow alone (engine tests add their own flows)."""
    registry = Registry()
    registry.add_flow(MENU)
    registry.add_flow(LANGUAGE)
    return registry


def default_registry(storage: FileStorage | None = None) -> Registry:
    """The menu, the language flow and the staff flows (``storage`` receives
    the files staff attach from the chat)."""
    registry = base_registry()
    register_staff_flows(registry, storage)
    return registry

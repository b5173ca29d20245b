"""A garage's choice of which optional client updates to send.

Step began / completed messages are off unless the garage turns them on
(many garages find them too chatty); the choice lives in
``Organization.settings["client_step_updates"]``.
"""

from __future__ import annotations

from collections.abc import Mapping

from garagebot.core.permissions import Permission
from garagebot.core.uow import UnitOfWork

STEP_UPDATES = "client_step_updates"


def step_updates_enabled(settings: Mapping[str, object] | None) -> bool:
    return bool((settings or {}).get(STEP_UPDATES) is True)


async def set_client_step_updates(uow: UnitOfWork, enabled: bool) -> bool:
    """Turn the clients' step began / completed messages on or off (owner only,
    audited); True when the setting changed."""
    await uow.require(Permission.MANAGE_GARAGE)
    org = await uow.organization()
    before = step_updates_enabled(org.settings)
    if before is enabled:
        return False
    org.settings = {**(org.settings or {}), STEP_UPDATES: enabled}  # a new dict: the JSON column is written
    await uow.audit("organization", org.id, "client_step_updates", before={STEP_UPDATES: before},
                    after={STEP_UPDATES: enabled})
    uow.emit("garage.settings_changed", {"organization_id": org.id, "fields": [STEP_UPDATES]})
    return True

"""The garage's inspection template (managers; from the configuration file
or the console). Inspections already begun keep the copy they started with."""

from __future__ import annotations

from garagebot.core.inspections.templates import Template, from_json, template_of, to_json
from garagebot.core.permissions import Permission
from garagebot.core.uow import UnitOfWork

SETTING = "inspection_template"


async def set_inspection_template(uow: UnitOfWork, template: Template) -> bool:
    """Replace the garage's template; False (nothing written) when it is the same."""
    await uow.require(Permission.CONFIGURE_REPAIR)
    checked = from_json(to_json(template))  # the same checks as a stored one
    org = await uow.organization()
    before = template_of(org.settings)
    if before == checked:
        return False
    # A new dict, so the JSON column is seen as changed.
    org.settings = {**(org.settings or {}), SETTING: to_json(checked)}
    await uow.audit("organization", org.id, SETTING, before={"items": len(before.items())},
                    after={"items": len(checked.items()), "sections": [s.key for s in checked.sections]})
    uow.emit("garage.inspection_template_changed", {"items": len(checked.items())})
    return True

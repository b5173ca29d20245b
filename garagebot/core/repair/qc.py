"""The quality-control checklist a session passes before READY_FOR_PICKUP.

The garage's list lives in ``Organization.settings["qc_items"]`` as
``[[english, arabic], …]`` (set with ``set_qc_items``), else the built-in
bilingual default. A session gets its own copy when it enters QA_CHECK; a
session that comes back to QA_CHECK after rework is checked again from scratch.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select, update

from garagebot.core.enums import SessionStatus
from garagebot.core.errors import InvalidInput, InvalidTransition
from garagebot.core.ids import QcItemId
from garagebot.core.models import Organization, RepairSession, SessionQcItem
from garagebot.core.permissions import Permission
from garagebot.core.repair import inputs
from garagebot.core.uow import UnitOfWork

MAX_ITEMS = 30
MAX_ITEM_TEXT = 200

DEFAULT_QC_ITEMS: tuple[tuple[str, str], ...] = (
    ("Road test done, no new noises", "تمت تجربة السيارة على الطريق دون أصوات جديدة"),
    ("No warning lights on the dashboard", "لا توجد أضواء تحذيرية على لوحة العدادات"),
    ("Fluid levels checked, no leaks", "تم فحص مستويات السوائل ولا يوجد أي تسريب"),
    ("Wheel nuts torqued and tyre pressures set", "تم شدّ صواميل العجلات وضبط ضغط الإطارات"),
    ("Old parts bagged for the client", "تم تغليف القطع القديمة لتسليمها للعميل"),
    ("Car cleaned, seat and floor covers removed", "تم تنظيف السيارة وإزالة أغطية المقاعد والأرضية"),
)


def _validated(items: Sequence[Sequence[str]]) -> list[tuple[str, str]]:
    if not 1 <= len(items) <= MAX_ITEMS:
        raise InvalidInput("error.qc_items_invalid", max=MAX_ITEMS)
    cleaned: list[tuple[str, str]] = []
    for pair in items:
        if len(pair) != 2 or not all(isinstance(text, str) for text in pair):
            raise InvalidInput("error.qc_items_invalid", max=MAX_ITEMS)
        cleaned.append((
            inputs.required_text(pair[0], "error.qc_item_text_required", MAX_ITEM_TEXT),
            inputs.required_text(pair[1], "error.qc_item_text_required", MAX_ITEM_TEXT),
        ))
    return cleaned


def qc_items_of(org: Organization) -> list[tuple[str, str]]:
    """The garage's QC list as (english, arabic) pairs."""
    configured = (org.settings or {}).get("qc_items")
    if configured is None:
        return list(DEFAULT_QC_ITEMS)
    if not isinstance(configured, list):
        raise InvalidInput("error.qc_items_invalid", max=MAX_ITEMS)
    return _validated(configured)


async def set_qc_items(uow: UnitOfWork, items: Sequence[tuple[str, str]]) -> None:
    """Replace the garage's QC list (managers). Sessions already in QA_CHECK
    keep the list they were given."""
    await uow.require(Permission.CONFIGURE_REPAIR)
    cleaned = _validated(items)
    org = await uow.organization()
    before = qc_items_of(org)
    # A new dict, so the JSON column is seen as changed.
    org.settings = {**(org.settings or {}), "qc_items": [list(pair) for pair in cleaned]}
    await uow.audit(
        "organization", org.id, "qc_items",
        before={"qc_items": [list(p) for p in before]}, after={"qc_items": [list(p) for p in cleaned]},
    )
    uow.emit("garage.qc_items_changed", {"items": len(cleaned)})


async def prepare_checklist(uow: UnitOfWork, rs: RepairSession) -> None:
    """Give a session entering QA_CHECK its checklist, or untick the one it had."""
    existing = (
        await uow.session.execute(
            select(func.count(SessionQcItem.id)).where(
                SessionQcItem.organization_id == uow.org_id, SessionQcItem.session_id == rs.id
            )
        )
    ).scalar_one()
    if existing:
        await uow.session.execute(
            update(SessionQcItem)
            .where(SessionQcItem.organization_id == uow.org_id, SessionQcItem.session_id == rs.id)
            .values(done=False, done_by_id=None, done_at=None)
        )
        await uow.audit("repair_session", rs.id, "qc_checklist_reset", after={"items": int(existing)})
        return
    items = qc_items_of(await uow.organization())
    for position, (text_en, text_ar) in enumerate(items, start=1):
        uow.session.add(
            SessionQcItem(
                organization_id=uow.org_id, session_id=rs.id, position=position, text_en=text_en,
                text_ar=text_ar, done=False,
            )
        )
    await uow.audit("repair_session", rs.id, "qc_checklist_created", after={"items": len(items)})


async def tick_qc_item(uow: UnitOfWork, item_id: QcItemId, done: bool = True) -> None:
    """Tick (or untick) one QC item of a session in QA_CHECK. Ticking a ticked
    item again changes nothing."""
    user = await uow.require(Permission.QC_CHECK)
    item = await uow.get(SessionQcItem, item_id, lock=True)
    rs = await uow.get(RepairSession, item.session_id)
    if rs.status != SessionStatus.QA_CHECK:
        raise InvalidTransition("error.qc_not_in_check", number=rs.number)
    if item.done == done:
        return
    item.done = done
    item.done_by_id = user.id if (done and user is not None) else None
    item.done_at = uow.now if done else None
    await uow.audit("session_qc_item", item.id, "tick" if done else "untick",
                    before={"done": not done}, after={"done": done})
    uow.emit("session.qc_item_ticked", {
        "session_id": rs.id, "number": rs.number, "item_id": item.id, "done": done,
    })

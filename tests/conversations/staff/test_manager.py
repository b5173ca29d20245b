"""Transcripts of a manager: today's figures, the overdue list, discount
approvals and completing a session over a guard (audited)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from garagebot.core.enums import Role, SessionStatus, StepStatus
from garagebot.core.ids import OrgId
from garagebot.core.models import AuditEntry, Quote, RepairSession
from garagebot.core.repair.sessions import check_in, set_eta
from garagebot.core.uow import Database
from tests.conftest import Staff
from tests.conversations.chat import keys
from tests.conversations.staff.support import choice_ids, quote_at_half_discount, staff_chat
from tests.core.repair.helpers import add_steps, open_direct, to_ready


@pytest.mark.parametrize(("locale", "ask"), [("en", "kpi"), ("ar", "الأرقام")])
async def test_a_manager_gets_todays_figures_and_the_overdue_list(
    db: Database, org: OrgId, staff: Staff, clock: object, locale: str, ask: str,
) -> None:
    late = await open_direct(db, staff.advisor, 11)
    await open_direct(db, staff.advisor, 12)
    async with db.unit_of_work(staff.advisor) as uow:
        await check_in(uow, late, None)
        await set_eta(uow, late, db.clock.now() + dt.timedelta(hours=1))
    clock.advance(hours=2)  # type: ignore[attr-defined]
    manager = await staff_chat(db, org, Role.MANAGER, locale)
    assert keys(await manager.say("menu"))[0] == "bot.menu"
    home = await manager.say(ask)
    assert keys(home) == ["staff.manager_home"]
    figures = await manager.say(ask)
    assert keys(figures) == ["staff.kpis"]
    text = figures[0].text
    assert ("السيارات في الكراج: \u20681\u2069" if locale == "ar" else "Cars in the garage: 1") in text
    assert ("المتأخرة: \u20681\u2069" if locale == "ar" else "Overdue: 1") in text
    overdue = await manager.say(choice="mg:overdue")
    assert choice_ids(overdue)[0] == f"ss:{late}"
    opened = await manager.say(choice=f"ss:{late}")
    assert keys(opened) == ["staff.session_card"]


async def test_a_manager_approves_a_discount_above_the_advisors_limit(
    db: Database, org: OrgId, staff: Staff,
) -> None:
    sid = await open_direct(db, staff.advisor, 21)
    await add_steps(db, org, sid, [StepStatus.NOT_STARTED])
    quote_id = await quote_at_half_discount(db, staff.advisor, sid)
    async with db.read() as s:
        assert (await s.get(Quote, quote_id)).discount_status == "PENDING"  # type: ignore[union-attr]
    manager = await staff_chat(db, org, Role.MANAGER)
    await manager.say("kpi")
    listed = await manager.say(choice="mg:discounts")
    assert f"md:{quote_id}" in choice_ids(listed)
    approved = await manager.say(choice=f"md:{quote_id}")
    assert keys(approved)[0] == "staff.discount_approved"
    async with db.read() as s:
        stored = await s.get(Quote, quote_id)
    assert stored is not None
    assert stored.discount_status == "APPROVED"


async def test_a_manager_completes_a_session_over_the_open_work_guard_with_a_reason(
    db: Database, org: OrgId, staff: Staff,
) -> None:
    sid = await open_direct(db, staff.advisor, 31)
    await add_steps(db, org, sid, [StepStatus.NOT_STARTED])
    await to_ready(db, staff, sid)
    manager = await staff_chat(db, org, Role.MANAGER)
    await manager.say("cars")
    await manager.say("SES" + (await _number(db, sid))[3:])
    refused = await manager.say(choice="sa:complete")
    assert keys(refused)[0].startswith("error.")
    assert keys(await manager.say(choice="sa:override")) == ["staff.override_prompt"]
    done = await manager.say("Client takes the car, step done elsewhere")
    assert keys(done)[0] == "staff.session_completed"
    async with db.read() as s:
        rs = await s.get(RepairSession, sid)
        audits = (await s.scalars(select(AuditEntry.action).where(
            AuditEntry.organization_id == org, AuditEntry.entity == "repair_session",
            AuditEntry.entity_id == str(sid)))).all()
    assert rs is not None
    assert rs.status == SessionStatus.COMPLETED
    assert "override" in audits


async def _number(db: Database, sid: int) -> str:
    async with db.read() as s:
        rs = await s.get(RepairSession, sid)
        assert rs is not None
        return rs.number

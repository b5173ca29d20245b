"""More transcripts of a manager, in English and Arabic: the revenue of today
and of the month in the figures, the overdue list and the discounts asked for
by typed words, a discount approved, and a session completed over the
open-work guard with an audited reason."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from garagebot.core.enums import Role, SessionStatus, StepStatus
from garagebot.core.ids import OrgId
from garagebot.core.models import AuditEntry, Invoice, Organization, Quote, RepairSession
from garagebot.core.money import Money, format_money
from garagebot.core.normalize import clean_text
from garagebot.core.repair.sessions import check_in, set_eta
from garagebot.core.uow import Database
from tests.conftest import Staff
from tests.conversations.chat import keys
from tests.conversations.staff.support import choice_ids, quote_at_half_discount, staff_chat
from tests.core.billing.helpers import invoiced_visit
from tests.core.repair.helpers import add_steps, open_direct, to_ready
from tests.fakes import FakeClock

WORDS = {
    "en": {"kpi": "kpi", "overdue": "overdue", "discounts": "discounts"},
    "ar": {"kpi": "الأرقام", "overdue": "المتأخرة", "discounts": "الخصومات"},
}
LOCALES = ["en", "ar"]


@pytest.mark.parametrize("locale", LOCALES)
async def test_the_figures_show_the_revenue_invoiced_today_and_this_month(
    db: Database, org: OrgId, staff: Staff, locale: str,
) -> None:
    _, invoice_id = await invoiced_visit(db, staff)
    async with db.read() as s:
        invoice = await s.get(Invoice, invoice_id)
        currency = await s.scalar(select(Organization.currency).where(Organization.id == org))
    assert invoice is not None
    assert currency is not None
    assert Decimal(invoice.total) > 0
    shown = clean_text(format_money(Money(Decimal(invoice.total), currency), locale))  # as rendered
    manager = await staff_chat(db, org, Role.MANAGER, locale)
    await manager.say(WORDS[locale]["kpi"])

    figures = await manager.say(choice="mg:kpi")

    assert keys(figures) == ["staff.kpis"]
    assert figures[0].text.count(shown) == 2  # today and this month
    assert keys(await manager.say(WORDS[locale]["kpi"])) == ["staff.kpis"]


@pytest.mark.parametrize("locale", LOCALES)
async def test_the_overdue_list_is_asked_for_in_words(
    db: Database, org: OrgId, staff: Staff, clock: FakeClock, locale: str,
) -> None:
    late = await open_direct(db, staff.advisor, 61)
    on_time = await open_direct(db, staff.advisor, 62)
    async with db.unit_of_work(staff.advisor) as uow:
        await check_in(uow, late, None)
        await set_eta(uow, late, db.clock.now() + dt.timedelta(hours=1))
        await set_eta(uow, on_time, db.clock.now() + dt.timedelta(hours=9))
    clock.advance(hours=3)
    manager = await staff_chat(db, org, Role.MANAGER, locale)
    await manager.say(choice="m:manager")

    listed = await manager.say(WORDS[locale]["overdue"])

    assert keys(listed) == ["staff.overdue_list"]
    assert [c for c in choice_ids(listed) if c.startswith("ss:")] == [f"ss:{late}"]
    async with db.read() as s:
        number = (await s.get(RepairSession, late)).number  # type: ignore[union-attr]
    assert number in listed[0].choices[0][1]


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_manager_approves_a_discount_asked_for_in_words(
    db: Database, org: OrgId, staff: Staff, locale: str,
) -> None:
    sid = await open_direct(db, staff.advisor, 63)
    await add_steps(db, org, sid, [StepStatus.NOT_STARTED])
    quote_id = await quote_at_half_discount(db, staff.advisor, sid)
    manager = await staff_chat(db, org, Role.MANAGER, locale)
    await manager.say(choice="m:manager")

    listed = await manager.say(WORDS[locale]["discounts"])
    assert keys(listed) == ["staff.discounts_list"]
    assert f"md:{quote_id}" in choice_ids(listed)
    approved = await manager.say(choice=f"md:{quote_id}")

    assert keys(approved) == ["staff.discount_approved", "staff.discounts_list"]
    assert f"md:{quote_id}" not in choice_ids(approved)
    async with db.read() as s:
        stored = await s.get(Quote, quote_id)
    assert stored is not None
    assert stored.discount_status == "APPROVED"


async def test_a_manager_completes_over_the_guard_in_arabic(db: Database, org: OrgId, staff: Staff) -> None:
    locale = "ar"  # in English: test_manager.py
    sid = await open_direct(db, staff.advisor, 64)
    await add_steps(db, org, sid, [StepStatus.NOT_STARTED])
    await to_ready(db, staff, sid)
    async with db.read() as s:
        number = (await s.get(RepairSession, sid)).number  # type: ignore[union-attr]
    manager = await staff_chat(db, org, Role.MANAGER, locale)
    await manager.say("السيارات")
    shown = await manager.say(number)
    assert {"sa:complete", "sa:override"} <= set(choice_ids(shown))
    refused = await manager.say(choice="sa:complete")
    assert keys(refused)[0].startswith("error.")
    assert refused[0].locale == "ar"
    assert keys(await manager.say(choice="sa:override")) == ["staff.override_prompt"]

    done = await manager.say("العميل يأخذ السيارة")

    assert keys(done) == ["staff.session_completed", "staff.session_card"]
    async with db.read() as s:
        rs = await s.get(RepairSession, sid)
        audit = (await s.scalars(select(AuditEntry).where(
            AuditEntry.organization_id == org, AuditEntry.entity == "repair_session",
            AuditEntry.entity_id == str(sid), AuditEntry.action == "override"))).one()
    assert rs is not None
    assert rs.status == SessionStatus.COMPLETED
    assert "العميل يأخذ السيارة" in str(audit.after)

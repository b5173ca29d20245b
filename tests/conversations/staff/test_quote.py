"""The advisor's quote in chat, in English and Arabic: a preview (lines, tax,
total, discount) before anything is sent, lines added (a fee, a typed line,
labour from a template), changed and removed; a discount above the
advisor's limit waits for a manager, who approves or refuses it in chat and
the advisor is told; sending asks for a confirmation. After the client
decided, only "revise" is offered and the revision carries only what is
still undecided (before, "Send quote" made version 2 and asked again for
approved work)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from garagebot.core.billing.enums import LineDecision
from garagebot.core.billing.quote_flow import decide_quote_lines
from garagebot.core.enums import Role
from garagebot.core.ids import OrgId, QuoteId, QuoteLineId, SessionId
from garagebot.core.models import Quote, QuoteLine
from garagebot.core.uow import Database
from garagebot.core.work.templates import create_template
from tests.conftest import Staff
from tests.conversations.chat import keys
from tests.conversations.staff.support import StaffChat, choice_ids, staff_chat
from tests.conversations.staff.test_qc import plain, readable
from tests.core.billing.helpers import Visit, add_job, add_part, open_visit
from tests.core.notify.harness import dispatcher, sent_to
from tests.core.work.helpers import simple_steps

LOCALES = ["en", "ar"]


async def quotes_of(db: Database, sid: SessionId) -> list[Quote]:
    async with db.read() as s:
        rows = await s.scalars(select(Quote).where(Quote.session_id == sid).order_by(Quote.version))
        return list(rows.all())


async def lines_of(db: Database, quote_id: int) -> list[QuoteLine]:
    async with db.read() as s:
        return list((await s.scalars(select(QuoteLine).where(QuoteLine.quote_id == quote_id)
                                     .order_by(QuoteLine.position))).all())


async def open_quote(advisor: StaffChat, visit: Visit) -> list[str]:
    await advisor.say(choice="m:sessions")
    await advisor.say(choice=f"ss:{visit.session_id}")
    preview = await advisor.say(choice="sa:quote")
    assert keys(preview) == ["quote.preview"]
    return choice_ids(preview)


@pytest.mark.parametrize(("locale", "fee", "typed"), [
    ("en", "Disposal 2", "Wheel alignment 15.500"), ("ar", "رسوم تخلص ٢", "ضبط الزوايا ١٥٫٥"),
])
async def test_the_advisor_edits_the_draft_and_sends_it_after_a_preview(
    db: Database, org: OrgId, staff: Staff, locale: str, fee: str, typed: str,
) -> None:
    async with db.unit_of_work(staff.lead) as uow:
        template = await create_template(uow, code=f"oil-{locale}", name_en="Oil service",
                                         name_ar="تغيير الزيت", steps=simple_steps(2))
    visit = await open_visit(db, staff)
    await add_job(db, staff, visit, "Brakes", [(60, None)])
    advisor = await staff_chat(db, org, Role.ADVISOR, locale)
    ids = await open_quote(advisor, visit)
    assert "qa:send" in ids
    [draft] = await quotes_of(db, visit.session_id)
    assert draft.status == "DRAFT"  # nothing was sent by opening the quote

    await advisor.say(choice="qa:add")
    await advisor.say(choice="qk:fee")
    added = await advisor.say(fee)
    assert keys(added) == ["quote.line_added", "quote.preview"]
    await advisor.say(choice="qa:add")
    await advisor.say(choice="qk:free")
    await advisor.say(typed)
    await advisor.say(choice="qa:add")
    offered = await advisor.say(choice="qk:template")
    assert f"qt:{template}" in choice_ids(offered)
    await advisor.say(choice=f"qt:{template}")
    lines = await lines_of(db, draft.id)
    assert [(ln.kind, ln.unit_price) for ln in lines[-3:]] == [
        ("FEE", Decimal("2.000")), ("LABOUR", Decimal("15.500")), ("LABOUR", lines[0].unit_price)]

    fee_line = lines[-3]
    await advisor.say(choice=f"ql:{fee_line.id}")
    await advisor.say(choice="qv:quantity")
    assert keys(await advisor.say("٣" if locale == "ar" else "3")) == ["quote.line_changed", "quote.preview"]
    await advisor.say(choice=f"ql:{lines[-2].id}")
    removed = await advisor.say(choice="qv:remove")
    assert keys(removed) == ["quote.line_removed", "quote.preview"]
    lines = await lines_of(db, draft.id)
    assert [ln.quantity for ln in lines if ln.kind == "FEE"] == [Decimal("3.000")]
    assert len(lines) == 3

    await advisor.say(choice="qa:discount")
    small = await advisor.say("2%")
    assert keys(small) == ["quote.discount_set", "quote.preview"]  # within the advisor's 5 %
    asked = await advisor.say(choice="qa:send")
    assert keys(asked) == ["quote.confirm_send"]
    assert (await quotes_of(db, visit.session_id))[0].status == "DRAFT"
    sent = await advisor.say(choice="qa:yes")
    assert keys(sent) == ["staff.quote_sent", "staff.session_card"]
    [quote] = await quotes_of(db, visit.session_id)
    assert (quote.status, quote.discount_status) == ("SENT", "NONE")
    assert quote.discount_total > 0
    await dispatcher(db).drain()  # "sent to the client": the approval link, by the notification rules
    assert [m.key for m in await sent_to(db, org, visit.client_id)][-1] == "notify.approval_requested"
    assert readable(added + offered + removed + small + asked + sent)


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_discount_above_the_limit_waits_for_the_manager_and_the_advisor_is_told(
    db: Database, org: OrgId, staff: Staff, locale: str,
) -> None:
    visit = await open_visit(db, staff)
    await add_job(db, staff, visit, "Brakes", [(120, None)])
    advisor = await staff_chat(db, org, Role.ADVISOR, locale, name="Dana")
    await open_quote(advisor, visit)
    await advisor.say(choice="qa:discount")
    waits = await advisor.say("20%")
    assert keys(waits) == ["quote.discount_set", "quote.preview", "quote.discount_waits"]
    await advisor.say(choice="qa:send")
    refused = await advisor.say(choice="qa:yes")
    assert keys(refused) == ["error.discount_awaiting_approval"]
    [quote] = await quotes_of(db, visit.session_id)
    assert (quote.status, quote.discount_status) == ("DRAFT", "PENDING")

    manager = await staff_chat(db, org, Role.MANAGER, locale, name="Lina")
    await manager.say(choice="m:manager")
    listed = await manager.say(choice="mg:discounts")
    assert {f"md:{quote.id}", f"mr:{quote.id}"} <= set(choice_ids(listed))
    await manager.say(choice=f"mr:{quote.id}")
    said = await manager.say("Too much for a first visit")
    assert keys(said) == ["advisor.discount_refused", "advisor.author_told", "staff.discounts_list"]
    assert "Dana" in plain(said[1].text)
    [told] = await advisor.chat.new_messages()
    assert told.key == "billing.discount_refused_notice"
    assert "Too much for a first visit" in plain(told.text)
    [quote] = await quotes_of(db, visit.session_id)
    assert (quote.discount_status, quote.discount_total) == ("NONE", Decimal("0.000"))

    await advisor.say(choice="qa:discount")
    await advisor.say("20%")
    approved = await manager.say(choice=f"md:{quote.id}")
    assert keys(approved) == ["staff.discount_approved", "advisor.author_told", "staff.discounts_list"]
    [told] = await advisor.chat.new_messages()
    assert told.key == "billing.discount_approved_notice"
    await advisor.say(choice="qa:send")
    assert keys(await advisor.say(choice="qa:yes"))[0] == "staff.quote_sent"
    assert readable(waits + listed + said + approved + [told])


@pytest.mark.parametrize("locale", LOCALES)
async def test_after_the_clients_decision_only_a_revision_of_the_undecided_work_is_offered(
    db: Database, org: OrgId, staff: Staff, locale: str,
) -> None:
    visit = await open_visit(db, staff)
    await add_job(db, staff, visit, "Brakes", [(60, None)])
    await add_job(db, staff, visit, "Tyres", [(30, None)])
    advisor = await staff_chat(db, org, Role.ADVISOR, locale)
    await open_quote(advisor, visit)
    await advisor.say(choice="qa:send")
    await advisor.say(choice="qa:yes")
    [v1] = await quotes_of(db, visit.session_id)
    brakes, tyres = await lines_of(db, v1.id)
    async with db.unit_of_work(staff.advisor) as uow:  # the client's answer, by phone
        decisions = {QuoteLineId(brakes.id): LineDecision.APPROVED,
                     QuoteLineId(tyres.id): LineDecision.DEFERRED}
        await decide_quote_lines(uow, QuoteId(v1.id), decisions, key="call-1")
    await advisor.say(choice="g:menu")

    ids = await open_quote(advisor, visit)

    assert "qa:revise" in ids
    assert "qa:send" not in ids
    assert len(await quotes_of(db, visit.session_id)) == 1  # opening it made no version 2
    revised = await advisor.say(choice="qa:revise")
    assert keys(revised) == ["quote.revised", "quote.preview"]
    v1, v2 = await quotes_of(db, visit.session_id)
    # The approved brakes are not asked again.
    assert [ln.description_en for ln in await lines_of(db, v2.id)] == ["Tyres"]
    await advisor.say(choice="qa:send")
    await advisor.say(choice="qa:yes")
    assert [q.status for q in await quotes_of(db, visit.session_id)] == ["PARTIALLY_APPROVED", "SENT"]
    assert readable(revised)


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_part_reserved_after_the_draft_is_added_at_its_price(
    db: Database, org: OrgId, staff: Staff, locale: str,
) -> None:
    visit = await open_visit(db, staff)
    await add_job(db, staff, visit, "Brakes", [(60, None)])
    advisor = await staff_chat(db, org, Role.ADVISOR, locale)
    await open_quote(advisor, visit)
    reservation = await add_part(db, org, visit, "Brake pads", Decimal("2"), Decimal("12.500"))
    await advisor.say(choice="qa:add")
    offered = await advisor.say(choice="qk:part")
    assert keys(offered) == ["quote.part_prompt"]
    assert f"qp:{reservation}" in choice_ids(offered)
    added = await advisor.say(choice=f"qp:{reservation}")
    assert keys(added) == ["quote.line_added", "quote.preview"]
    [draft] = await quotes_of(db, visit.session_id)
    part = (await lines_of(db, draft.id))[-1]
    assert (part.kind, part.quantity, part.unit_price, part.reservation_id) == (
        "PART", Decimal("2.000"), Decimal("12.500"), reservation)
    await advisor.say(choice="qa:add")
    again = await advisor.say(choice="qk:part")
    assert f"qp:{reservation}" not in choice_ids(again)  # on the quote now: not offered twice
    assert readable(offered + added)

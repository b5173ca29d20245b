"""Invoices and payments in chat, in English and Arabic: the advisor makes
and issues the invoice of a car ready for pickup (the client gets it), takes
a payment typed as a person would (Arabic digits; a negative amount or too
many decimals refused with a clear message), then the rest by card with a
reference; the client gets each receipt; a deposit; the accountant sees
today's payments and the open invoices; delivery waits for the payment
(a manager may hand over with an audited reason)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from garagebot.core.billing.invoices import create_invoice
from garagebot.core.enums import OutboxKind, Role
from garagebot.core.ids import OrgId, SessionId
from garagebot.core.models import AuditEntry, Client, Invoice, OutboxRow, Payment, RepairSession
from garagebot.core.repair.sessions import change_status
from garagebot.core.uow import Database
from tests.conftest import Staff, make_staff, new_garage
from tests.conversations.chat import keys
from tests.conversations.staff.support import choice_ids, staff_chat, texts
from tests.conversations.staff.test_qc import plain, readable
from tests.core.billing.helpers import Visit, add_job, approved_quote, open_visit
from tests.core.notify.harness import dispatcher, sent_to
from tests.core.repair.helpers import S, move, tick_all

LOCALES = ["en", "ar"]


async def ready_visit(db: Database, staff: Staff) -> Visit:
    """A car with its quote approved, checked and ready for pickup."""
    visit = await open_visit(db, staff)
    await add_job(db, staff, visit, "Brakes", [(60, None)])
    await approved_quote(db, staff, visit)
    await move(db, staff.advisor, visit.session_id, S.QA_CHECK)
    await tick_all(db, staff.lead, staff.org, visit.session_id)
    await move(db, staff.advisor, visit.session_id, S.READY_FOR_PICKUP)
    return visit


async def completed(db: Database, staff: Staff, sid: SessionId) -> None:
    """Completed over its open steps by the manager (the floor is tested elsewhere)."""
    async with db.unit_of_work(staff.manager) as uow:
        await change_status(uow, sid, S.COMPLETED, override_reason="steps tested elsewhere")


async def client_messages(db: Database, visit: Visit, topic: str) -> list[OutboxRow]:
    async with db.read() as s:
        phone = (await s.execute(select(Client.phone).where(Client.id == visit.client_id))).scalar_one()
        return list((await s.scalars(select(OutboxRow).where(
            OutboxRow.kind == OutboxKind.MESSAGE.value, OutboxRow.recipient == phone,
            OutboxRow.topic == topic))).all())


async def invoice_of(db: Database, sid: SessionId) -> Invoice:
    async with db.read() as s:
        return (await s.scalars(select(Invoice).where(Invoice.session_id == sid))).one()


@pytest.mark.parametrize(("locale", "amount"), [("en", "20.5"), ("ar", "٢٠٫٥")])
async def test_the_advisor_invoices_takes_the_payment_and_hands_the_car_over(
    db: Database, org: OrgId, staff: Staff, locale: str, amount: str,
) -> None:
    visit = await ready_visit(db, staff)
    sid = visit.session_id
    advisor = await staff_chat(db, org, Role.ADVISOR, locale)
    await advisor.say(choice="m:sessions")
    shown = await advisor.say(choice=f"ss:{sid}")
    assert "sa:invoice" in choice_ids(shown)

    draft = await advisor.say(choice="sa:invoice")
    assert keys(draft) == ["billing.invoice_card"]
    assert "bv:issue" in choice_ids(draft)
    issued = await advisor.say(choice="bv:issue")
    assert keys(issued) == ["billing.issued", "billing.invoice_card"]
    inv = await invoice_of(db, sid)
    assert inv.status == "ISSUED"
    await dispatcher(db).drain()
    told = await sent_to(db, org, visit.client_id)
    assert told[-1].key == "notify.invoice_issued"
    assert inv.number in told[-1].text

    await advisor.say(choice="bv:pay")
    assert keys(await advisor.say(choice="pm:CASH")) == ["billing.amount_prompt"]
    assert keys(await advisor.say("-5")) == ["error.amount_negative"]
    assert keys(await advisor.say("1.2345")) == ["error.amount_too_precise"]
    assert keys(await advisor.say(amount)) == ["billing.reference_prompt"]
    paid = await advisor.say(choice="pr:none")
    assert keys(paid) == ["billing.payment_recorded", "billing.receipt_sent", "billing.invoice_card"]
    receipts = await client_messages(db, visit, "billing.payment_receipt")
    assert len(receipts) == 1
    assert (await invoice_of(db, sid)).status == "PARTIALLY_PAID"

    await completed(db, staff, sid)
    await advisor.say(choice="g:menu")
    await advisor.say(choice="m:sessions")
    await advisor.say(choice=f"ss:{sid}")
    blocked = await advisor.say(choice="sa:deliver")
    assert keys(blocked) == ["error.delivery_invoice_unpaid", "staff.session_card"]
    assert inv.number in plain(blocked[0].text)

    await advisor.say(choice="sa:invoice")
    await advisor.say(choice="bv:pay")
    await advisor.say(choice="pm:CARD")
    rest = inv.total - Decimal("20.500")
    await advisor.say(f"{rest} JOD" if locale == "en" else f"{rest} دينار")
    await advisor.say("slip 7781")
    assert (await invoice_of(db, sid)).status == "PAID"
    assert len(await client_messages(db, visit, "billing.payment_receipt")) == 2
    async with db.read() as s:
        refs = (await s.scalars(select(Payment.reference).where(Payment.invoice_id == inv.id))).all()
    assert sorted(r or "" for r in refs) == ["", "slip 7781"]

    await advisor.say(choice="g:menu")
    await advisor.say(choice="m:sessions")
    await advisor.say(choice=f"ss:{sid}")
    assert keys(await advisor.say(choice="sa:deliver")) == ["staff.pin_prompt"]
    async with db.read() as s:
        pin = (await s.execute(select(RepairSession.delivery_pin).where(
            RepairSession.id == sid))).scalar_one()
    assert keys(await advisor.say(pin))[0] == "staff.delivered"
    assert readable(shown + draft + issued + paid + blocked)


@pytest.mark.parametrize("locale", LOCALES)
async def test_without_an_invoice_only_a_manager_hands_over_with_a_reason(
    db: Database, org: OrgId, staff: Staff, locale: str,
) -> None:
    visit = await ready_visit(db, staff)
    await completed(db, staff, visit.session_id)
    advisor = await staff_chat(db, org, Role.ADVISOR, locale)
    await advisor.say(choice="m:sessions")
    await advisor.say(choice=f"ss:{visit.session_id}")
    refused = await advisor.say(choice="sa:deliver")
    assert keys(refused) == ["error.delivery_needs_invoice", "staff.session_card"]

    manager = await staff_chat(db, org, Role.MANAGER, locale)
    await manager.say(choice="m:sessions")
    await manager.say(choice=f"ss:{visit.session_id}")
    asked = await manager.say(choice="sa:deliver")
    assert keys(asked) == ["error.delivery_needs_invoice", "advisor.deliver_override_prompt"]
    assert keys(await manager.say("Fleet contract, billed monthly")) == ["staff.pin_prompt"]
    async with db.read() as s:
        pin = (await s.execute(select(RepairSession.delivery_pin).where(
            RepairSession.id == visit.session_id))).scalar_one()
    assert keys(await manager.say(pin))[0] == "staff.delivered"
    async with db.read() as s:
        overrides = (await s.scalars(select(AuditEntry).where(
            AuditEntry.entity == "repair_session", AuditEntry.entity_id == str(visit.session_id),
            AuditEntry.action == "override"))).all()
    [invoice] = [o.after or {} for o in overrides if (o.after or {}).get("guard") == "invoice"]
    assert invoice["reason"] == "Fleet contract, billed monthly"
    assert readable(refused + asked)


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_deposit_is_taken_from_the_session_screen_and_the_client_gets_the_receipt(
    db: Database, org: OrgId, staff: Staff, locale: str,
) -> None:
    visit = await open_visit(db, staff)
    advisor = await staff_chat(db, org, Role.ADVISOR, locale)
    await advisor.say(choice="m:sessions")
    await advisor.say(choice=f"ss:{visit.session_id}")
    assert keys(await advisor.say(choice="sa:deposit")) == ["billing.deposit_method_prompt"]
    await advisor.say(choice="pm:BANK_TRANSFER")
    await advisor.say("50")
    done = await advisor.say("CliQ 55120")
    assert keys(done) == ["billing.deposit_recorded", "billing.receipt_sent", "staff.session_card"]
    assert len(await client_messages(db, visit, "billing.deposit_receipt")) == 1
    async with db.read() as s:
        deposit = (await s.scalars(select(Payment).where(Payment.session_id == visit.session_id))).one()
    assert (deposit.amount, deposit.method, deposit.reference) == (
        Decimal("50.000"), "BANK_TRANSFER", "CliQ 55120")
    assert readable(done)


@pytest.mark.parametrize(("locale", "word"), [("en", "invoices"), ("ar", "الفواتير")])
async def test_the_accountant_sees_todays_payments_and_the_open_invoices(
    db: Database, org: OrgId, staff: Staff, locale: str, word: str,
) -> None:
    visit = await ready_visit(db, staff)
    advisor = await staff_chat(db, org, Role.ADVISOR)
    await advisor.say(choice="m:sessions")
    await advisor.say(choice=f"ss:{visit.session_id}")
    await advisor.say(choice="sa:invoice")
    await advisor.say(choice="bv:issue")
    inv = await invoice_of(db, visit.session_id)

    accountant = await staff_chat(db, org, Role.ACCOUNTANT, locale)
    menu = await accountant.say("menu")
    assert "m:billing" in choice_ids(menu)
    assert keys(await accountant.say(word)) == ["billing.home"]  # the menu's word opens billing …
    home = await accountant.say(word)  # … and there, the open invoices
    assert keys(home) == ["billing.open_list"]
    assert f"bi:{inv.id}" in choice_ids(home)
    card = await accountant.say(choice=f"bi:{inv.id}")
    assert keys(card) == ["billing.invoice_card"]
    await accountant.say(choice="bv:pay")
    await accountant.say(choice="pm:CASH")
    await accountant.say("10")
    await accountant.say(choice="pr:none")
    await accountant.say(choice="g:back")
    await accountant.say(choice="g:menu")
    await accountant.say(choice="m:billing")
    today = await accountant.say(choice="bl:today")
    assert keys(today) == ["billing.today"]
    assert any(inv.number in plain(label) for _, label in today[0].choices)
    assert f"bi:{inv.id}" in choice_ids(today)
    assert readable(home + card + today)
    assert "CASH" not in texts(today)


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_lead_pressing_the_invoice_button_is_refused(
    db: Database, org: OrgId, staff: Staff, locale: str,
) -> None:
    visit = await ready_visit(db, staff)
    lead = await staff_chat(db, org, Role.LEAD_TECHNICIAN, locale)
    await lead.say(choice="m:sessions")
    shown = await lead.say(choice=f"ss:{visit.session_id}")
    assert "sa:invoice" not in choice_ids(shown)
    refused = await lead.say(choice="sa:invoice")  # a button id sent anyway
    assert keys(refused) == ["error.permission_denied"]
    async with db.read() as s:
        made = (await s.scalars(select(Invoice).where(Invoice.session_id == visit.session_id))).first()
    assert made is None
    assert readable(refused)


@pytest.mark.parametrize("locale", LOCALES)
async def test_an_overpayment_becomes_credit_that_pays_the_next_invoice(
    db: Database, org: OrgId, staff: Staff, locale: str,
) -> None:
    first = await ready_visit(db, staff)
    advisor = await staff_chat(db, org, Role.ADVISOR, locale)
    await advisor.say(choice="m:sessions")
    await advisor.say(choice=f"ss:{first.session_id}")
    await advisor.say(choice="sa:invoice")
    await advisor.say(choice="bv:issue")
    inv = await invoice_of(db, first.session_id)
    await advisor.say(choice="bv:pay")
    await advisor.say(choice="pm:CASH")
    await advisor.say(str(inv.total + Decimal("10")))
    await advisor.say(choice="pr:none")
    assert (await invoice_of(db, first.session_id)).status == "PAID"

    second = await open_visit(db, staff, phone=first.phone)  # the same client, another visit
    await add_job(db, staff, second, "Tyres", [(30, None)])
    await approved_quote(db, staff, second)
    await move(db, staff.advisor, second.session_id, S.QA_CHECK)
    await tick_all(db, staff.lead, staff.org, second.session_id)
    await move(db, staff.advisor, second.session_id, S.READY_FOR_PICKUP)
    await advisor.say(choice="g:menu")
    await advisor.say(choice="m:sessions")
    await advisor.say(choice=f"ss:{second.session_id}")
    await advisor.say(choice="sa:invoice")
    card = await advisor.say(choice="bv:issue")
    assert "bv:credit" in choice_ids(card)
    used = await advisor.say(choice="bv:credit")
    assert keys(used) == ["billing.credit_applied", "billing.invoice_card"]
    assert "10.000" in plain(used[0].text)
    assert (await invoice_of(db, second.session_id)).paid_amount == Decimal("10.000")
    assert readable(card + used)


@pytest.mark.parametrize("locale", LOCALES)
async def test_an_invoice_of_another_garage_is_not_opened(
    db: Database, org: OrgId, staff: Staff, locale: str,
) -> None:
    other = await make_staff(db, await new_garage(db))
    visit = await ready_visit(db, other)
    async with db.unit_of_work(other.advisor) as uow:
        theirs = await create_invoice(uow, visit.session_id)
    accountant = await staff_chat(db, org, Role.ACCOUNTANT, locale)
    await accountant.say(choice="m:billing")
    refused = await accountant.say(choice=f"bi:{theirs}")
    assert keys(refused) == ["error.not_found"]
    assert (await accountant.chat.conversation()).state == "home"

"""The session page's actions through HTTP, in English and Arabic: assigning a
step (the technician told), the ETA, hold / resume / cancel (a reason needed,
shown beside the form), the QC ticks then "ready" (the client told), a quote
made, previewed and sent (the client told), an invoice issued and paid (the
client's receipt), delivery refused on a wrong PIN; each through the same
core services as the chat, every notice asserted in the outbox."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select

from garagebot.app.keys import RUNTIME
from garagebot.app.storage import LocalFileStorage
from garagebot.core.enums import OutboxStatus
from garagebot.core.ids import OrgId
from garagebot.core.models import Client, Invoice, OutboxRow, Quote, RepairSession, Step
from garagebot.core.normalize import phone_e164
from garagebot.core.uow import Database
from tests.admin_web.harness import Browser, give_password, link_telegram, sent_to
from tests.admin_web.htmlcheck import html_problems
from tests.conftest import Staff
from tests.core.billing.helpers import add_job, invoiced_visit, open_visit
from tests.core.repair.helpers import S, move, open_direct, qc_item_ids, session_row, to_deliverable
from tests.fakes import FakeClock
from tests.webhooks.pages.scene import quoted_visit

LANGS = ["en", "ar"]
REQUIRED = {"en": "This field is required", "ar": "هذا الحقل مطلوب"}


async def settle(browser: Browser, db: Database, clock: FakeClock, org: OrgId) -> None:
    """Every due outbox row handled by the app's own drain (events → messages)."""
    drainer = browser.client.app[RUNTIME].drainer
    assert drainer is not None

    async def due() -> int:
        async with db.read() as s:
            return int(await s.scalar(select(func.count()).select_from(OutboxRow).where(
                OutboxRow.organization_id == org, OutboxRow.status == OutboxStatus.PENDING.value,
                OutboxRow.available_at <= clock.now())) or 0)

    async def drained() -> None:
        # A round already begun may still be handling an event: let it finish first.
        await drainer.outbox_written()
        await drainer.next_round()
        while await due():
            await drainer.outbox_written()
            await drainer.next_round()

    await asyncio.wait_for(drained(), 20)


async def as_member(browser: Browser, db: Database, staff: Staff, role: str, lang: str) -> None:
    await browser.sign_in(await give_password(db, getattr(staff, role)))
    await browser.post("/lang", {"lang": lang, "next": "/"})


async def status_of(db: Database, sid: int) -> str:
    async with db.read() as s:
        found = await s.execute(select(RepairSession.status).where(RepairSession.id == sid))
    return str(found.scalar_one())


async def client_topics(db: Database, phone: str) -> list[str]:
    """The keys of the messages queued to the client of ``phone`` (as typed: 079…)."""
    e164 = phone_e164(phone)
    async with db.read() as s:
        return list((await s.scalars(select(OutboxRow.topic).where(OutboxRow.recipient == e164)
                                     .order_by(OutboxRow.id))).all())


@pytest.mark.parametrize("lang", LANGS)
async def test_an_advisor_assigns_a_step_and_the_technician_is_told(
    browser: Browser, db: Database, staff: Staff, clock: FakeClock, lang: str
) -> None:
    visit = await open_visit(db, staff)
    await add_job(db, staff, visit, "Brakes", [(60, None)])
    assert staff.tech.id is not None
    chat = 9_100_000 + staff.tech.id
    await link_telegram(db, staff.tech, chat)
    await as_member(browser, db, staff, "advisor", lang)
    status, body = await browser.get(f"/sessions/{visit.session_id}")
    assert status == 200
    assert html_problems(body) == []
    assert 'id="act-assign"' in body
    assert ("mechanical" if lang == "en" else "ميكانيك") in body  # the skills beside each person
    async with db.read() as s:
        step_id = (await s.scalars(select(Step.id).where(Step.session_id == visit.session_id))).first()
    status, body, _ = await browser.post(f"/sessions/{visit.session_id}/assign", {"work": f"step:{step_id}"})
    assert status == 400
    assert REQUIRED[lang] in body
    assert html_problems(body) == []
    status, _, location = await browser.post(f"/sessions/{visit.session_id}/assign", {
        "work": f"step:{step_id}", "person": str(staff.tech.id)})
    assert (status, location) == (303, f"/sessions/{visit.session_id}?notice=assigned")
    async with db.read() as s:
        assert (await s.get(Step, step_id)).assignee_id == staff.tech.id  # type: ignore[union-attr]
    await settle(browser, db, clock, staff.org)
    assert await sent_to(db, str(chat), "floor.told_assigned")


@pytest.mark.parametrize("lang", LANGS)
async def test_the_eta_and_hold_resume_cancel_with_their_reasons(
    browser: Browser, db: Database, staff: Staff, lang: str
) -> None:
    sid = await open_direct(db, staff.advisor, 71)
    await move(db, staff.advisor, sid, S.DIAGNOSING)
    await as_member(browser, db, staff, "advisor", lang)
    await browser.get(f"/sessions/{sid}")
    status, body, _ = await browser.post(f"/sessions/{sid}/eta", {"eta": "tomorrow"})
    assert status == 400
    assert 'id="err-eta-1"' in body
    when = (dt.datetime.now(dt.UTC) + dt.timedelta(days=800)).strftime("%Y-%m-%dT%H:%M")
    assert (await browser.post(f"/sessions/{sid}/eta", {"eta": when}))[0] == 303
    async with db.read() as s:
        assert (await s.get(RepairSession, sid)).eta is not None  # type: ignore[union-attr]
    status, body, _ = await browser.post(f"/sessions/{sid}/hold", {"reason": ""})
    assert status == 400
    assert REQUIRED[lang] in body
    assert await status_of(db, sid) == "DIAGNOSING"
    assert (await browser.post(f"/sessions/{sid}/hold", {"reason": "waiting for the owner"}))[0] == 303
    assert await status_of(db, sid) == "ON_HOLD"
    assert (await browser.post(f"/sessions/{sid}/resume"))[0] == 303
    assert await status_of(db, sid) == "DIAGNOSING"
    assert (await browser.post(f"/sessions/{sid}/cancel", {"reason": "client took the car"}))[0] == 303
    assert await status_of(db, sid) == "CANCELLED"
    status, body, _ = await browser.post(f"/sessions/{sid}/resume")
    assert status == 400  # the guard's message beside the form, in the reader's language
    assert 'id="err-resume-1"' not in body or "{" not in body.split('id="err-resume-1"', 1)[1][:200]


@pytest.mark.parametrize("lang", LANGS)
async def test_qc_items_are_ticked_then_the_car_is_ready_and_the_client_told(
    browser: Browser, db: Database, staff: Staff, clock: FakeClock, lang: str
) -> None:
    sid = await open_direct(db, staff.advisor, 72 + LANGS.index(lang))
    await move(db, staff.advisor, sid, S.IN_PROGRESS, S.QA_CHECK)
    await as_member(browser, db, staff, "lead", lang)
    _, body = await browser.get(f"/sessions/{sid}")
    assert html_problems(body) == []
    items = await qc_item_ids(db, staff.org, sid)
    assert items
    assert f'id="qc-{items[0]}"' in body
    assert 'id="do-ready"' not in body
    for item in items:
        assert (await browser.post(f"/sessions/{sid}/qc/{item}", {"done": "1"}))[0] == 303
    _, body = await browser.get(f"/sessions/{sid}")
    assert 'id="do-ready"' in body
    assert (await browser.post(f"/sessions/{sid}/ready"))[0] == 303
    assert await status_of(db, sid) == "READY_FOR_PICKUP"
    await settle(browser, db, clock, staff.org)
    async with db.read() as s:
        number = (await s.execute(select(Client.phone).join(
            RepairSession, RepairSession.client_id == Client.id).where(RepairSession.id == sid))).scalar_one()
    assert "notify.ready_for_pickup" in await client_topics(db, number)


@pytest.mark.parametrize("lang", LANGS)
async def test_a_quote_gets_a_line_and_a_discount_is_previewed_and_sent_to_the_client(
    browser: Browser, db: Database, staff: Staff, clock: FakeClock, tmp_path: Path, lang: str
) -> None:
    v = await quoted_visit(db, staff, LocalFileStorage(tmp_path / "media"), send=False)
    await as_member(browser, db, staff, "advisor", lang)
    _, body = await browser.get(f"/sessions/{v.session_id}")
    assert 'id="act-quote-line"' in body
    status, body, _ = await browser.post(f"/sessions/{v.session_id}/quote/lines", {
        "kind": "fee", "description": "Diagnostic fee", "amount": ""})
    assert status == 400
    assert REQUIRED[lang] in body
    assert 'value="Diagnostic fee"' in body  # what was typed is kept
    assert (await browser.post(f"/sessions/{v.session_id}/quote/lines", {
        "kind": "fee", "description": "Diagnostic fee", "amount": "5 JOD"}))[0] == 303
    assert (await browser.post(f"/sessions/{v.session_id}/quote/discount", {"discount": "1.5"}))[0] == 303
    status, body, _ = await browser.post(f"/sessions/{v.session_id}/quote/send")
    assert status == 200
    assert html_problems(body) == []
    assert "Diagnostic fee" in body
    assert 'name="confirm" value="1"' in body
    async with db.read() as s:
        assert (await s.get(Quote, v.quote_id)).status == "DRAFT"  # type: ignore[union-attr]
    status, _, location = await browser.post(f"/sessions/{v.session_id}/quote/send", {"confirm": "1"})
    assert (status, location) == (303, f"/sessions/{v.session_id}?notice=quote_sent")
    async with db.read() as s:
        assert (await s.get(Quote, v.quote_id)).status == "SENT"  # type: ignore[union-attr]
    await settle(browser, db, clock, staff.org)
    assert "notify.approval_requested" in await client_topics(db, v.phone)


@pytest.mark.parametrize("lang", LANGS)
async def test_an_invoice_is_issued_and_a_payment_recorded_with_the_clients_receipt(
    browser: Browser, db: Database, staff: Staff, clock: FakeClock, lang: str
) -> None:
    visit, invoice_id = await invoiced_visit(db, staff, issue=False)
    await move(db, staff.advisor, visit.session_id, S.IN_PROGRESS, S.QA_CHECK)
    await as_member(browser, db, staff, "accountant", lang)
    _, body = await browser.get(f"/sessions/{visit.session_id}")
    assert 'id="do-invoice-issue"' in body
    assert (await browser.post(f"/sessions/{visit.session_id}/invoice/issue"))[0] == 303
    _, body = await browser.get(f"/sessions/{visit.session_id}")
    assert html_problems(body) == []
    status, body, _ = await browser.post(f"/sessions/{visit.session_id}/invoice/payment",
                                         {"method": "CASH", "amount": "abc"})
    assert status == 400
    assert 'value="abc"' in body
    async with db.read() as s:
        total = (await s.get(Invoice, invoice_id)).total  # type: ignore[union-attr]
    status, _, location = await browser.post(f"/sessions/{visit.session_id}/invoice/payment",
                                             {"method": "CASH", "amount": f"{total}", "reference": ""})
    assert (status, location) == (303, f"/sessions/{visit.session_id}?notice=payment_recorded")
    async with db.read() as s:
        assert (await s.get(Invoice, invoice_id)).status == "PAID"  # type: ignore[union-attr]
    await settle(browser, db, clock, staff.org)
    topics = await client_topics(db, visit.phone)
    assert "notify.invoice_issued" in topics
    assert "billing.payment_receipt" in topics


async def test_a_wrong_delivery_pin_is_refused_beside_the_form(
    browser: Browser, db: Database, staff: Staff
) -> None:
    visit, _ = await invoiced_visit(db, staff)
    await as_member(browser, db, staff, "advisor", "en")
    await browser.get(f"/sessions/{visit.session_id}")
    status, body, _ = await browser.post(f"/sessions/{visit.session_id}/deliver", {"pin": "0000"})
    assert status == 400  # not completed yet: the machine's refusal, in words
    assert 'id="err-deliver-1"' in body
    assert await status_of(db, visit.session_id) != "DELIVERED"


@pytest.mark.parametrize("lang", LANGS)
async def test_a_discount_above_the_advisors_limit_waits_and_a_manager_approves_it(
    browser: Browser, other_browser: Browser, db: Database, staff: Staff, tmp_path: Path, lang: str
) -> None:
    v = await quoted_visit(db, staff, LocalFileStorage(tmp_path / "media"), send=False)
    assert staff.advisor.id is not None
    chat = 9_200_000 + staff.advisor.id
    await link_telegram(db, staff.advisor, chat)
    await as_member(browser, db, staff, "advisor", lang)
    await browser.get(f"/sessions/{v.session_id}")
    assert (await browser.post(f"/sessions/{v.session_id}/quote/discount", {"discount": "90%"}))[0] == 303
    async with db.read() as s:
        assert (await s.get(Quote, v.quote_id)).discount_status == "PENDING"  # type: ignore[union-attr]
    _, body = await browser.get(f"/sessions/{v.session_id}")
    assert 'id="do-discount-approve"' not in body  # not the advisor's to approve
    status, body, _ = await browser.post(f"/sessions/{v.session_id}/quote/send", {"confirm": "1"})
    assert status == 400  # refused while the discount waits, said beside the form
    assert 'id="err-send-1"' in body
    await as_member(other_browser, db, staff, "manager", lang)
    _, body = await other_browser.get(f"/sessions/{v.session_id}")
    assert 'id="do-discount-approve"' in body
    status, _, location = await other_browser.post(f"/sessions/{v.session_id}/quote/discount/approve")
    assert (status, location) == (303, f"/sessions/{v.session_id}?notice=discount_approved")
    async with db.read() as s:
        assert (await s.get(Quote, v.quote_id)).discount_status == "APPROVED"  # type: ignore[union-attr]
    assert await sent_to(db, str(chat), "billing.discount_approved_notice")


@pytest.mark.parametrize("lang", LANGS)
async def test_a_car_is_delivered_on_the_clients_pin_after_a_wrong_one(
    browser: Browser, db: Database, staff: Staff, clock: FakeClock, lang: str
) -> None:
    sid = await open_direct(db, staff.advisor, 95 + LANGS.index(lang))
    await to_deliverable(db, staff, sid)
    pin = (await session_row(db, sid)).delivery_pin
    await as_member(browser, db, staff, "advisor", lang)
    _, body = await browser.get(f"/sessions/{sid}")
    assert 'id="act-deliver"' in body
    wrong = f"{(int(pin) + 1) % 10_000:04d}"
    status, body, _ = await browser.post(f"/sessions/{sid}/deliver", {"pin": wrong})
    assert status == 400
    assert 'id="err-deliver-1"' in body
    assert html_problems(body) == []
    arabic = pin.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    status, _, location = await browser.post(f"/sessions/{sid}/deliver", {"pin": arabic})
    assert (status, location) == (303, f"/sessions/{sid}?notice=delivered")
    assert await status_of(db, sid) == "DELIVERED"
    await settle(browser, db, clock, staff.org)
    async with db.read() as s:
        number = (await s.execute(select(Client.phone).join(
            RepairSession, RepairSession.client_id == Client.id).where(RepairSession.id == sid))).scalar_one()
    assert "notify.delivered" in await client_topics(db, number)

"""Client notifications: each core event becomes one message to the session's
client, in their language, on their channel, rendered by the dry run."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from garagebot.core.enums import SessionStatus
from garagebot.core.garage import set_garage_settings
from garagebot.core.i18n import FSI, PDI
from garagebot.core.ids import SessionId
from garagebot.core.inventory.missing import request_missing_part
from garagebot.core.inventory.stock import receive_stock
from garagebot.core.links import APPROVAL, TIMELINE, read_token
from garagebot.core.models import Invoice, RepairSession
from garagebot.core.notify import set_client_step_updates
from garagebot.core.repair.delivery import confirm_delivery
from garagebot.core.repair.sessions import change_status
from garagebot.core.uow import Database
from garagebot.core.work.steps import complete_step
from garagebot.core.work.timers import start_step
from tests.conftest import Staff
from tests.core.billing.helpers import invoiced_visit
from tests.core.inventory.support import new_item
from tests.core.notify.harness import Sent, dispatcher, sent_to, token_of
from tests.core.repair.helpers import to_deliverable, to_ready
from tests.core.work.helpers import make_card, simple_steps
from tests.fakes import MemoryFileStorage
from tests.webhooks.pages.scene import SECRET, open_visit, quoted_visit, set_consent


def linked_id(db: Database, kind: str, text: str, max_age: int | None) -> int:
    """The id behind the link of ``kind`` in a message, read at the test clock's time."""
    path = "/t/" if kind == TIMELINE else "/a/"
    return read_token(SECRET, kind, token_of(text, path), max_age, now=db.clock.now())


async def drain(db: Database) -> None:
    await dispatcher(db).drain()


async def test_an_opened_session_sends_the_client_the_timeline_link(db: Database, staff: Staff) -> None:
    visit = await open_visit(db, staff, locale="en")
    await drain(db)
    (msg,) = await sent_to(db, staff.org, visit.client_id)
    assert (msg.key, msg.channel, msg.locale) == ("notify.session_opened", "sms", "en")
    assert msg.text.startswith(
        f"Hello Lina Haddad, Test Garage has opened job {visit.number} for your Toyota Corolla")
    assert linked_id(db, TIMELINE, msg.text, None) == visit.session_id


async def test_an_arabic_client_reads_arabic_with_isolated_latin_tokens(db: Database, staff: Staff) -> None:
    visit = await open_visit(db, staff, locale="ar")
    await drain(db)
    (msg,) = await sent_to(db, staff.org, visit.client_id)
    assert msg.locale == "ar"
    assert msg.text.startswith(f"مرحبًا {FSI}Lina Haddad{PDI}، فتح {FSI}كراج التجربة{PDI} أمر العمل")
    assert f"{FSI}{visit.number}{PDI}" in msg.text
    assert linked_id(db, TIMELINE, msg.text, None) == visit.session_id


async def test_a_garage_with_a_whatsapp_number_writes_to_its_clients_on_whatsapp(
    db: Database, staff: Staff
) -> None:
    async with db.unit_of_work(staff.owner) as uow:
        await set_garage_settings(uow, numbers={"whatsapp_number": f"+96279{uuid.uuid4().int % 10**7:07d}"})
    visit = await open_visit(db, staff)
    await drain(db)
    assert [m.channel for m in await sent_to(db, staff.org, visit.client_id)] == ["whatsapp"]


@pytest.mark.parametrize(("locale", "words", "currency"), [
    ("en", "the quote for job", "JOD"), ("ar", "عرض السعر لأمر العمل", "د.أ."),
])
async def test_a_sent_quote_asks_the_client_to_approve_it_on_its_link(
    db: Database, staff: Staff, locale: str, words: str, currency: str
) -> None:
    v = await quoted_visit(db, staff, MemoryFileStorage(), locale=locale)
    await drain(db)
    opened, asked = await sent_to(db, staff.org, v.client_id)
    assert (opened.key, asked.key) == ("notify.session_opened", "notify.approval_requested")
    assert words in asked.text
    assert currency in asked.text
    assert "72" in asked.text
    assert linked_id(db, APPROVAL, asked.text, 72 * 3600) == v.quote_id


async def test_parts_arrived_is_sent_once_every_awaited_part_is_in(db: Database, staff: Staff) -> None:
    visit = await open_visit(db, staff)
    pump = await new_item(db, staff.inventory, name_en="Water pump", name_ar="مضخة ماء", code="PUMP-1")
    belt = await new_item(db, staff.inventory, name_en="Belt", name_ar="سير", code="BELT-1")
    async with db.unit_of_work(staff.advisor) as uow:
        await request_missing_part(uow, visit.session_id, pump, 1)
        await request_missing_part(uow, visit.session_id, belt, 1)
        await request_missing_part(uow, visit.session_id, belt, 1)
    async with db.unit_of_work(staff.inventory) as uow:
        await receive_stock(uow, pump, 1, "30.000")
    await drain(db)
    assert [m.key for m in await sent_to(db, staff.org, visit.client_id)] == ["notify.session_opened"]
    async with db.unit_of_work(staff.inventory) as uow:  # both belts arrive in one receipt
        await receive_stock(uow, belt, 2, "5.000")
    await drain(db)
    *_, arrived = await sent_to(db, staff.org, visit.client_id)
    assert arrived.key == "notify.parts_arrived"
    assert str(arrived.params["car"]).startswith("Toyota Corolla ")
    assert arrived.text == (f"Good news from Test Garage: all the parts for job {visit.number} "
                            f"({arrived.params['car']}) have arrived, and work on your car continues.")
    assert [m.key for m in await sent_to(db, staff.org, visit.client_id)].count("notify.parts_arrived") == 1


async def _card_on(db: Database, staff: Staff, sid: SessionId) -> int:
    async with db.unit_of_work(staff.advisor) as uow:
        await change_status(uow, sid, SessionStatus.IN_PROGRESS)
    card = await make_card(db, staff.lead, simple_steps(1), session_id=sid)
    return card.step_ids[0]


async def _work_step(db: Database, staff: Staff, step_id: int) -> None:
    async with db.unit_of_work(staff.tech) as uow:
        await start_step(uow, step_id)  # type: ignore[arg-type]
    async with db.unit_of_work(staff.tech) as uow:
        await complete_step(uow, step_id)  # type: ignore[arg-type]


async def test_step_updates_go_out_only_where_the_garage_turned_them_on(db: Database, staff: Staff) -> None:
    quiet = await open_visit(db, staff, locale="en")
    await _work_step(db, staff, await _card_on(db, staff, quiet.session_id))
    await drain(db)
    assert [m.key for m in await sent_to(db, staff.org, quiet.client_id)] == ["notify.session_opened"]

    async with db.unit_of_work(staff.owner) as uow:
        assert await set_client_step_updates(uow, True)
    chatty = await open_visit(db, staff, locale="ar")
    await _work_step(db, staff, await _card_on(db, staff, chatty.session_id))
    await drain(db)
    sent = await sent_to(db, staff.org, chatty.client_id)
    assert [m.key for m in sent] == ["notify.session_opened", "notify.step_started", "notify.step_completed"]
    assert f"بدأ العمل على «{FSI}الخطوة 1{PDI}»" in sent[1].text
    assert f"اكتمل «{FSI}الخطوة 1{PDI}»" in sent[2].text


async def test_ready_for_pickup_tells_the_client_with_the_timeline_link(db: Database, staff: Staff) -> None:
    visit = await open_visit(db, staff)
    await to_ready(db, staff, visit.session_id)
    await drain(db)
    ready = (await sent_to(db, staff.org, visit.client_id))[-1]
    assert ready.key == "notify.ready_for_pickup"
    assert ready.text.startswith("Your Toyota Corolla ")
    assert f"is ready for pick-up at Test Garage (job {visit.number})" in ready.text
    assert linked_id(db, TIMELINE, ready.text, None) == visit.session_id


async def test_an_issued_invoice_tells_the_client_the_amount_and_the_link(db: Database, staff: Staff) -> None:
    visit, invoice_id = await invoiced_visit(db, staff)
    await drain(db)
    async with db.read() as s:
        inv = (await s.execute(select(Invoice).where(Invoice.id == invoice_id))).scalar_one()
    issued: Sent = (await sent_to(db, staff.org, visit.client_id))[-1]
    assert issued.key == "notify.invoice_issued"
    assert f"invoice {inv.number} for job {visit.number} has been issued: JOD\xa0{inv.total:,.3f}" in (
        issued.text)
    assert f"Balance due: JOD\xa0{inv.total - inv.paid_amount:,.3f}" in issued.text
    assert linked_id(db, TIMELINE, issued.text, None) == visit.session_id


async def test_a_delivered_car_brings_a_rating_request_with_five_choices(db: Database, staff: Staff) -> None:
    visit = await open_visit(db, staff)
    await to_deliverable(db, staff, visit.session_id)
    async with db.read() as s:
        pin = (await s.execute(select(RepairSession.delivery_pin).where(
            RepairSession.id == visit.session_id))).scalar_one()
    async with db.unit_of_work(staff.advisor) as uow:
        assert (await confirm_delivery(uow, visit.session_id, pin=pin)).delivered
    await drain(db)
    rating = (await sent_to(db, staff.org, visit.client_id))[-1]
    assert rating.key == "notify.delivered"
    assert "Please rate us from 1 (poor) to 5 (excellent)." in rating.text
    assert rating.choices == ["rate:1", "rate:2", "rate:3", "rate:4", "rate:5"]


async def test_a_client_who_opted_out_gets_nothing(db: Database, staff: Staff) -> None:
    out = await quoted_visit(db, staff, MemoryFileStorage())
    stays = await quoted_visit(db, staff, MemoryFileStorage())
    await set_consent(db, out.client_id, False)
    for v in (out, stays):
        await to_ready(db, staff, v.session_id)
    await drain(db)
    assert await sent_to(db, staff.org, out.client_id) == []
    assert [m.key for m in await sent_to(db, staff.org, stays.client_id)] == [
        "notify.session_opened", "notify.approval_requested", "notify.ready_for_pickup"]

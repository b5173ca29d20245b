"""Client reminders with a moved clock: an unpaid invoice after the garage's
days, a service due by time or by mileage; once only, never to a client who
opted out, held by quiet hours; each a queued outbox row to the client in
their language."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from garagebot.core.actor import Actor
from garagebot.core.alerts.invoices import InvoiceReminders
from garagebot.core.alerts.service_due import months_before, remind_services
from garagebot.core.alerts.settings import ScheduleSettings, ServiceInterval, set_schedule_settings
from garagebot.core.enums import OutboxKind
from garagebot.core.i18n import FSI, PDI, Translator
from garagebot.core.models import Client, Invoice, OutboxRow, Vehicle
from garagebot.core.notify.staff import set_staff_quiet_hours
from garagebot.core.uow import Database
from tests.conftest import Staff
from tests.core.alerts.history import serviced
from tests.core.billing.helpers import invoiced_visit
from tests.core.notify.harness import CONFIG
from tests.fakes import FakeClock
from tests.webhooks.pages.scene import open_visit, set_consent

OIL = ServiceInterval("oil", months=6, km=5000)


async def to_client(db: Database, client_id: int, key: str) -> list[tuple[str, str, dt.datetime]]:
    """(locale, rendered text, due time) of the messages ``key`` queued to the client."""
    tr = Translator.load()
    async with db.read() as s:
        phone = (await s.execute(select(Client.phone).where(Client.id == client_id))).scalar_one()
        rows = (await s.scalars(select(OutboxRow).where(
            OutboxRow.kind == OutboxKind.MESSAGE.value, OutboxRow.recipient == phone,
            OutboxRow.topic == key).order_by(OutboxRow.id))).all()
    out = []
    for r in rows:
        params = r.payload.get("params")
        assert isinstance(params, dict)
        out.append((r.locale or "", tr.render(r.locale or "en", key, params), r.available_at))
    return out


async def test_an_unpaid_invoice_is_recalled_once_after_the_set_days(
        db: Database, staff: Staff, clock: FakeClock) -> None:
    visit, invoice_id = await invoiced_visit(db, staff)
    job = InvoiceReminders(CONFIG)
    clock.advance(days=6, hours=23)
    assert await job(db, staff.org, clock.now()) == 0
    clock.advance(hours=2)
    assert await job(db, staff.org, clock.now()) == 1
    clock.advance(days=1)
    assert await job(db, staff.org, clock.now()) == 0
    async with db.read() as s:
        number = (await s.execute(select(Invoice.number).where(Invoice.id == invoice_id))).scalar_one()
    [(locale, text, _)] = await to_client(db, visit.client_id, "schedule.invoice_reminder")
    assert locale == "en"
    assert f"invoice {number} still has JOD" in text
    assert CONFIG.public_url + "/t/" in text


async def test_a_client_who_opted_out_gets_no_reminder_and_arabic_reads_arabic(
        db: Database, staff: Staff, clock: FakeClock) -> None:
    out, _ = await invoiced_visit(db, staff)
    arabic, _ = await invoiced_visit(db, staff)
    await set_consent(db, out.client_id, False)
    async with db.raw_transaction() as s:
        await s.execute(update(Client).where(Client.id == arabic.client_id).values(locale="ar"))
    clock.advance(days=8)
    assert await InvoiceReminders(CONFIG)(db, staff.org, clock.now()) == 1
    assert await to_client(db, out.client_id, "schedule.invoice_reminder") == []
    [(locale, text, _)] = await to_client(db, arabic.client_id, "schedule.invoice_reminder")
    assert locale == "ar"
    assert "تذكير من" in text


async def test_quiet_hours_hold_a_client_reminder_and_zero_days_turns_it_off(
        db: Database, staff: Staff, clock: FakeClock) -> None:
    visit, _ = await invoiced_visit(db, staff)
    async with db.unit_of_work(staff.owner) as uow:
        await set_staff_quiet_hours(uow, "21:00", "07:00")
        await set_schedule_settings(uow, ScheduleSettings(invoice_reminder_days=0))
    clock.set(dt.datetime(2026, 12, 8, 20, 0, tzinfo=dt.UTC))  # 23:00 in Amman
    assert await InvoiceReminders(CONFIG)(db, staff.org, clock.now()) == 0
    async with db.unit_of_work(staff.owner) as uow:
        await set_schedule_settings(uow, ScheduleSettings(invoice_reminder_days=3))
    assert await InvoiceReminders(CONFIG)(db, staff.org, clock.now()) == 1
    [(_, _, due)] = await to_client(db, visit.client_id, "schedule.invoice_reminder")
    assert due == dt.datetime(2026, 12, 9, 4, 0, tzinfo=dt.UTC)  # 07:00 in Amman


async def test_a_service_is_due_six_months_after_the_last_one_once(
        db: Database, staff: Staff, clock: FakeClock) -> None:
    async with db.unit_of_work(Actor.system(staff.org)) as uow:
        await set_schedule_settings(uow, ScheduleSettings(service_intervals=(OIL,)))
    visit = await open_visit(db, staff, locale="ar")
    opted_out = await open_visit(db, staff)
    for v in (visit, opted_out):
        await serviced(db, staff.org, v.session_id, clock.now())
    await set_consent(db, opted_out.client_id, False)
    six_months = clock.now().replace(year=2027, month=5)  # the fixture's clock starts on 22 Nov 2026
    assert months_before(six_months, 6) == clock.now()
    clock.set(six_months - dt.timedelta(days=1))
    assert await remind_services(db, staff.org, clock.now()) == 0
    clock.set(six_months)
    assert await remind_services(db, staff.org, clock.now()) == 1
    clock.advance(days=1)
    assert await remind_services(db, staff.org, clock.now()) == 0
    [(locale, text, _)] = await to_client(db, visit.client_id, "schedule.service_due")
    assert locale == "ar"
    assert f"حان موعد {FSI}تغيير الزيت{PDI}" in text
    assert "أرسل 1 لحجز موعد" in text
    assert await to_client(db, opted_out.client_id, "schedule.service_due") == []


async def test_a_service_is_due_by_mileage_when_the_car_has_run_the_kilometres(
        db: Database, staff: Staff, clock: FakeClock) -> None:
    async with db.unit_of_work(Actor.system(staff.org)) as uow:
        await set_schedule_settings(uow, ScheduleSettings(service_intervals=(OIL,)))
    visit = await open_visit(db, staff)
    await serviced(db, staff.org, visit.session_id, clock.now(), mileage=40_000)
    clock.advance(days=30)
    async with db.raw_transaction() as s:
        await s.execute(update(Vehicle).where(Vehicle.client_id == visit.client_id).values(mileage_km=44_999))
    assert await remind_services(db, staff.org, clock.now()) == 0
    async with db.raw_transaction() as s:
        await s.execute(update(Vehicle).where(Vehicle.client_id == visit.client_id).values(mileage_km=45_000))
    assert await remind_services(db, staff.org, clock.now()) == 1
    [(locale, text, _)] = await to_client(db, visit.client_id, "schedule.service_due")
    assert locale == "en"
    assert "is due for Oil service. Reply 1 to book a visit." in text

"""Clients and vehicles in the console: the client list searched by name,
phone or plate with keyset pages; a client's page and its edit form (phone
to E.164, errors beside the field, what was typed kept); a vehicle's history
and its edit form (the VIN's check digit); every edit audited; in English
and Arabic."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from garagebot.core.models import AuditEntry, Client, Vehicle
from garagebot.core.repair.clients import find_or_create_client
from garagebot.core.uow import Database
from tests.admin_web.harness import Browser, give_password
from tests.admin_web.htmlcheck import html_problems
from tests.admin_web.records_scene import BAD_VIN, GOOD_VIN, car_with_history
from tests.conftest import Staff

LANGS = ["en", "ar"]
ERRORS = {"en": ("not a phone number", "fails its check digit"), "ar": ("ليس رقم هاتف", "خانة التحقق")}


async def audit_actions(db: Database, entity: str, entity_id: int) -> list[str]:
    async with db.read() as s:
        return list((await s.scalars(select(AuditEntry.action).where(
            AuditEntry.entity == entity, AuditEntry.entity_id == str(entity_id))
            .order_by(AuditEntry.id))).all())


async def in_language(browser: Browser, lang: str) -> None:
    await browser.post("/lang", {"lang": lang, "next": "/"})


@pytest.mark.parametrize("lang", LANGS)
async def test_an_advisor_finds_a_client_by_plate_phone_or_name(browser: Browser, db: Database, staff: Staff,
                                                                lang: str) -> None:
    car = await car_with_history(db, staff)
    await browser.sign_in(await give_password(db, staff.advisor))
    await in_language(browser, lang)
    for needle in ("2233445", "٢٢-٣٣٤٤٥", "22 33445", "0791112233", "791112", "samir"):
        status, body = await browser.get(f"/clients?q={needle}")
        assert status == 200
        assert f'href="/clients/{car.client_id}"' in body, needle
        assert html_problems(body) == []
    status, body = await browser.get("/clients?q=nobody-like-this")
    assert f'href="/clients/{car.client_id}"' not in body
    assert ("No clients match." if lang == "en" else "لا يوجد عملاء مطابقون.") in body


async def test_the_client_list_pages_by_keyset(browser: Browser, db: Database, staff: Staff) -> None:
    async with db.unit_of_work(staff.advisor) as uow:
        ids = [await find_or_create_client(uow, phone=f"07955500{i:02d}", name=f"Client {i:02d}")
               for i in range(27)]
    await browser.sign_in(await give_password(db, staff.advisor))
    status, body = await browser.get("/clients?q=Client")
    assert status == 200
    assert f'/clients/{ids[-1]}"' in body
    assert f'/clients/{ids[1]}"' not in body
    assert f"after={ids[2]}" in body
    status, body = await browser.get(f"/clients?q=Client&after={ids[2]}")
    assert f'/clients/{ids[1]}"' in body
    assert f'/clients/{ids[0]}"' in body
    assert f'/clients/{ids[2]}"' not in body
    assert 'rel="next"' not in body


@pytest.mark.parametrize("lang", LANGS)
async def test_a_client_page_shows_vehicles_visits_money_and_an_edit_keeps_what_was_typed(
    browser: Browser, db: Database, staff: Staff, lang: str
) -> None:
    car = await car_with_history(db, staff)
    await browser.sign_in(await give_password(db, staff.advisor))
    await in_language(browser, lang)
    status, body = await browser.get(f"/clients/{car.client_id}")
    assert status == 200
    assert html_problems(body) == []
    assert f'href="/vehicles/{car.vehicle_id}"' in body
    assert car.first_number in body
    assert car.second_number in body
    assert 'id="conversation"' in body
    assert 'id="client-money"' in body
    status, body, _ = await browser.post(f"/clients/{car.client_id}", {
        "name": "Samir Odeh", "phone": "12ab", "locale": "ar", "notes": "Prefers mornings"})
    assert status == 400
    assert 'id="e-phone"' in body
    assert ERRORS[lang][0] in body
    assert 'value="12ab"' in body
    assert "Prefers mornings" in body
    assert await audit_actions(db, "client", car.client_id) == ["create"]
    status, _, location = await browser.post(f"/clients/{car.client_id}", {
        "name": "Samir Odeh", "phone": "٠٧٩٩٨٨٧٧٦٦", "locale": "ar", "notes": "Prefers mornings"})
    assert (status, location) == (303, f"/clients/{car.client_id}?notice=saved")
    async with db.read() as s:
        client = await s.get(Client, car.client_id)
    assert client is not None
    assert (client.phone, client.locale, client.notes) == ("+962799887766", "ar", "Prefers mornings")
    assert await audit_actions(db, "client", car.client_id) == ["create", "update"]


@pytest.mark.parametrize("lang", LANGS)
async def test_a_vehicle_page_shows_every_visit_and_refuses_a_bad_vin(
    browser: Browser, db: Database, staff: Staff, lang: str
) -> None:
    car = await car_with_history(db, staff)
    await browser.sign_in(await give_password(db, staff.advisor))
    await in_language(browser, lang)
    status, body = await browser.get(f"/vehicles/{car.vehicle_id}")
    assert status == 200
    assert html_problems(body) == []
    history = body.split('<ol class="history">', 1)[1]
    assert history.index(car.second_number) < history.index(car.first_number)  # newest first
    assert ("Brakes" if lang == "en" else "عمل Brakes") in history
    assert "86,500" in history
    assert "JOD" in history or "د.أ" in history
    form = {"plate": car.plate, "vin": BAD_VIN, "make": "Kia", "model": "Sportage", "year": "٢٠٢٠",
            "mileage_km": "86,400"}
    status, body, _ = await browser.post(f"/vehicles/{car.vehicle_id}", form)
    assert status == 400
    assert 'id="e-vin"' in body
    assert ERRORS[lang][1] in body
    assert f'value="{BAD_VIN}"' in body
    assert 'value="٢٠٢٠"' in body
    assert await audit_actions(db, "vehicle", car.vehicle_id) == ["create", "update"]
    status, _, _ = await browser.post(f"/vehicles/{car.vehicle_id}", {**form, "vin": GOOD_VIN})
    assert status == 303
    async with db.read() as s:
        vehicle = await s.get(Vehicle, car.vehicle_id)
    assert vehicle is not None
    assert (vehicle.vin, vehicle.year, vehicle.mileage_km) == (GOOD_VIN, 2020, 86400)
    assert await audit_actions(db, "vehicle", car.vehicle_id) == ["create", "update", "update"]


async def test_a_technician_reads_a_vehicle_history_but_cannot_edit_or_list_clients(
    browser: Browser, db: Database, staff: Staff
) -> None:
    car = await car_with_history(db, staff)
    await browser.sign_in(await give_password(db, staff.tech))
    status, body = await browser.get(f"/vehicles/{car.vehicle_id}")
    assert status == 200
    assert 'id="vehicle-edit"' not in body
    assert (await browser.get("/clients"))[0] == 403
    before = await audit_actions(db, "vehicle", car.vehicle_id)
    status, _, _ = await browser.post(f"/vehicles/{car.vehicle_id}", {"plate": "99-99999"})
    assert status == 403
    status, _, _ = await browser.post(f"/clients/{car.client_id}", {"name": "X", "phone": "0790000000"})
    assert status == 403
    assert await audit_actions(db, "vehicle", car.vehicle_id) == before

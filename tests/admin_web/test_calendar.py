"""The appointments calendar in the console: the bays as columns, a day or a
week; an advisor books an open request into a bay and time (the client is
asked to confirm), a collision is refused beside the time field with what
was typed kept, an appointment is moved or cancelled (the client told each
time); other roles get 403 and another garage's member 404, nothing changes."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from garagebot.core.models import Appointment
from garagebot.core.uow import Database
from tests.admin_web.harness import Browser, give_password, sent_to
from tests.admin_web.htmlcheck import html_problems
from tests.conftest import START, Staff, make_staff, new_garage
from tests.core.appointments.helpers import add_bays, new_request

MONDAY = (START + dt.timedelta(days=1)).date()


def phone_of(org: int) -> str:
    """A client phone of the test's own garage (the database is shared by the tests)."""
    return f"+96278{org % 10_000_000:07d}"


async def appointments(db: Database, org: int) -> list[Appointment]:
    async with db.read() as s:
        return list((await s.scalars(select(Appointment).where(Appointment.organization_id == org)
                                     .order_by(Appointment.id))).all())


@pytest.mark.parametrize("lang", ["en", "ar"])
async def test_an_advisor_books_moves_and_cancels_from_the_calendar(
    browser: Browser, db: Database, staff: Staff, lang: str,
) -> None:
    bays = await add_bays(db, staff.org)
    PHONE = phone_of(staff.org)  # noqa: N806
    first = await new_request(db, staff, PHONE, "60-6001", locale=lang)
    second = await new_request(db, staff, f"+96277{staff.org % 10_000_000:07d}", "60-6002")
    await browser.sign_in(await give_password(db, staff.advisor))
    await browser.post("/lang", {"lang": lang, "next": "/calendar"})
    status, body = await browser.get(f"/calendar?day={MONDAY.isoformat()}")
    assert status == 200
    assert html_problems(body) == []
    assert ("Bay 1" if lang == "en" else "الرافعة ١") in body
    q = f"?day={MONDAY.isoformat()}&view=day"
    slot = {"request": str(first), "bay": str(bays[0]), "starts": f"{MONDAY.isoformat()}T10:00",
            "minutes": "", "technician": str(staff.id(staff.tech))}
    status, _, location = await browser.post(f"/calendar/book{q}", slot)
    assert (status, location) == (303, f"/calendar{q}&notice=saved")
    assert len(await sent_to(db, PHONE, "appointment.offer")) == 1  # the client is asked to confirm

    taken = {**slot, "request": str(second), "starts": f"{MONDAY.isoformat()}T10:30", "technician": ""}
    status, body, _ = await browser.post(f"/calendar/book{q}", taken)
    assert status == 400
    assert html_problems(body) == []
    message = ("That bay is already booked at that time" if lang == "en"
               else "هذه الرافعة محجوزة في هذا الوقت")
    assert message in body.split('id="e-starts"', 1)[1].split("</p>", 1)[0]  # beside the time field
    assert f'value="{MONDAY.isoformat()}T10:30"' in body  # what was typed is kept
    tech_busy = {**taken, "bay": str(bays[1]), "technician": str(staff.id(staff.tech))}
    status, body, _ = await browser.post(f"/calendar/book{q}", tech_busy)
    assert status == 400
    assert 'id="e-technician"' in body

    [appt] = await appointments(db, staff.org)
    status, _, _ = await browser.post(f"/calendar/{appt.id}/move{q}",
                                      {"bay": str(bays[1]), "starts": f"{MONDAY.isoformat()}T14:00"})
    assert status == 303
    assert len(await sent_to(db, PHONE, "appointment.moved")) == 1
    status, body, _ = await browser.post(f"/calendar/{appt.id}/cancel{q}", {"reason": ""})
    assert status == 400
    assert 'id="e-reason"' in body
    status, _, _ = await browser.post(f"/calendar/{appt.id}/cancel{q}", {"reason": "the lift is broken"})
    assert status == 303
    assert len(await sent_to(db, PHONE, "appointment.cancelled")) == 1
    [row] = await appointments(db, staff.org)
    assert (row.status, row.bay_id) == ("CANCELLED", bays[1])
    status, body = await browser.get(f"/calendar?day={MONDAY.isoformat()}&view=week")
    assert status == 200
    assert html_problems(body) == []


@pytest.mark.parametrize("role", ["lead", "tech", "assistant", "inventory", "accountant"])
async def test_roles_without_intake_get_403_and_change_nothing(
    browser: Browser, db: Database, staff: Staff, role: str,
) -> None:
    bays = await add_bays(db, staff.org)
    PHONE = phone_of(staff.org)  # noqa: N806
    rid = await new_request(db, staff, PHONE, "60-6003")
    await browser.sign_in(await give_password(db, getattr(staff, role)))
    assert (await browser.get("/calendar"))[0] == 403
    status, _, _ = await browser.post("/calendar/book", {"request": str(rid), "bay": str(bays[0]),
                                                         "starts": f"{MONDAY.isoformat()}T10:00"})
    assert status == 403
    assert await appointments(db, staff.org) == []


async def test_another_garages_member_gets_404_and_sees_nothing(
    browser: Browser, db: Database, staff: Staff,
) -> None:
    bays = await add_bays(db, staff.org)
    PHONE = phone_of(staff.org)  # noqa: N806
    rid = await new_request(db, staff, PHONE, "60-6004")
    await browser.sign_in(await give_password(db, staff.advisor))
    await browser.get("/calendar")
    await browser.post("/calendar/book", {"request": str(rid), "bay": str(bays[0]),
                                          "starts": f"{MONDAY.isoformat()}T10:00"})
    [appt] = await appointments(db, staff.org)
    other = await make_staff(db, await new_garage(db))
    intruder = Browser(browser.client)
    await intruder.client.post("/signout", data={"_csrf": browser.csrf})
    intruder.client.session.cookie_jar.clear()
    await intruder.sign_in(await give_password(db, other.advisor))
    status, body = await intruder.get(f"/calendar?day={MONDAY.isoformat()}")
    assert status == 200
    assert "60-6004" not in body
    for path, data in ((f"/calendar/{appt.id}/move", {"bay": str(bays[0]), "starts": f"{MONDAY}T12:00"}),
                       (f"/calendar/{appt.id}/cancel", {"reason": "x"}),
                       ("/calendar/book", {"request": str(rid), "bay": str(bays[1]),
                                           "starts": f"{MONDAY}T12:00"})):
        assert (await intruder.post(path, data))[0] == 404, path
    async with db.read() as s:
        count = await s.scalar(select(func.count()).select_from(Appointment).where(
            Appointment.organization_id.in_((staff.org, other.org))))
        row = await s.get(Appointment, appt.id)
    assert count == 1
    assert row is not None
    assert (row.status, row.starts_at.hour) == ("BOOKED", 7)

"""A vehicle inspection from the chat, in English and Arabic: the technician
answers 30 items with one tap each (or a measurement, Arabic-Indic digits
too, whose thresholds set the severity), adds a note and a video to
findings, leaves and comes back where they were, and ends with a summary —
in at most 40 messages. The advisor turns the findings into quote lines and
publishes the report; the client is sent its link."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from garagebot.conversations.types import MediaKind
from garagebot.core.enums import Role
from garagebot.core.errors import PermissionDenied
from garagebot.core.ids import OrgId
from garagebot.core.inspections.enums import InspectionId
from garagebot.core.inspections.recommend import publish_inspection
from garagebot.core.inspections.service import start_inspection
from garagebot.core.inspections.templates import DEFAULT_TEMPLATE
from garagebot.core.models import (
    Inspection,
    InspectionFinding,
    InspectionMedia,
    MediaFile,
    Quote,
    QuoteLine,
    RepairSession,
    Vehicle,
)
from garagebot.core.uow import Database
from tests.conftest import Staff
from tests.conversations.chat import keys
from tests.conversations.staff.support import StaffChat, choice_ids, staff_chat
from tests.conversations.staff.test_qc import plain, readable
from tests.core.billing.helpers import Visit, open_visit
from tests.core.notify.harness import dispatcher, sent_to

# The measured items and what is typed for them: (English, Arabic), and the severity it gives.
MEASURED = {
    "pads_front": (("1.5", "١٫٥"), "CRITICAL"),
    "pads_rear": (("6", "٦"), "OK"),
    "tread_fl": (("2.5", "٢٫٥"), "ADVISORY"),
    "tread_fr": (("7", "٧"), "OK"),
    "tread_rl": (("7.5", "٧٫٥"), "OK"),
    "tread_rr": (("8", "٨"), "OK"),
    "coolant": (("-30", "-٣٠"), "OK"),
    "battery_voltage": (("12.6", "١٢٫٦"), "OK"),
}
NOTED = "wipers"  # tapped ⚠ advisory, then a note and a video


async def findings(db: Database, insp: int) -> dict[str, InspectionFinding]:
    async with db.read() as s:
        rows = (await s.scalars(
            select(InspectionFinding).where(InspectionFinding.inspection_id == insp))).all()
        return {r.item_key: r for r in rows}


async def the_inspection(db: Database, visit: Visit) -> Inspection:
    async with db.read() as s:
        return (await s.scalars(select(Inspection).where(Inspection.session_id == visit.session_id))).one()


async def answer(tech: StaffChat, key: str, index: int, locale: str, shown: list[str]) -> list[str]:
    """Answer item ``key`` (at ``index``): a measurement, or a tap."""
    if key in MEASURED:
        typed = MEASURED[key][0][1 if locale == "ar" else 0]
        got = await tech.say(typed)
        assert keys(got)[0] == "inspections.measured"
        return keys(got)
    if key == NOTED:
        got = await tech.say(choice=f"iv:adv:{index}")
        assert "inspections.add_detail" in keys(got)
        note = await tech.say("الشفرات متشققة" if locale == "ar" else "Blades cracked")
        assert keys(note)[0] == "inspections.note_saved"
        video = await tech.send_file(MediaKind.VIDEO, "video/mp4", "", file_id="video-{n}")
        assert keys(video)[0] == "inspections.media_saved"
        return keys(got + note + video)
    got = await tech.say(choice=f"iv:ok:{index}")
    shown.extend(s.text for s in got)
    return keys(got)


@pytest.mark.parametrize("locale", ["en", "ar"])
async def test_a_thirty_item_inspection_with_three_findings_takes_at_most_forty_messages(
    db: Database, org: OrgId, staff: Staff, locale: str,
) -> None:
    visit = await open_visit(db, staff)
    tech = await staff_chat(db, org, Role.TECHNICIAN, locale)
    listed = await tech.say(choice="m:inspect")
    assert f"ip:{visit.session_id}" in choice_ids(listed)
    started = await tech.say(choice=f"ip:{visit.session_id}")
    assert keys(started) == ["inspections.started", "inspections.item"]
    assert "iv:ok:0" in choice_ids(started)
    items = [i.key for _, i in DEFAULT_TEMPLATE.items()]
    assert len(items) == 30
    shown: list[str] = []
    last: list[str] = []
    for index, key in enumerate(items):
        if index == 12:  # interrupted: back to the menu, then the same car again
            await tech.say("menu" if locale == "en" else "القائمة")
            await tech.say(choice="m:inspect")
            resumed = await tech.say(choice=f"ip:{visit.session_id}")
            assert keys(resumed)[0] == "inspections.resumed"
            assert f"iv:ok:{index}" in choice_ids(resumed)  # where it was left
        last = await answer(tech, key, index, locale, shown)
    assert last[-2:] == ["inspections.completed", "inspections.summary"]
    assert tech.inbound <= 40, tech.inbound
    insp = await the_inspection(db, visit)
    assert insp.status == "COMPLETED"
    found = await findings(db, insp.id)
    assert {k: f.severity for k, f in found.items() if f.severity != "OK"} == {
        "pads_front": "CRITICAL", "tread_fl": "ADVISORY", NOTED: "ADVISORY"}
    assert found["pads_front"].value == Decimal("1.500")
    assert found["coolant"].value == Decimal("-30.000")
    assert found[NOTED].note == ("الشفرات متشققة" if locale == "ar" else "Blades cracked")
    async with db.read() as s:
        media = (await s.execute(select(MediaFile.kind, MediaFile.content_type, MediaFile.client_visible)
                                 .join(InspectionMedia, InspectionMedia.media_id == MediaFile.id)
                                 .where(InspectionMedia.finding_id == found[NOTED].id))).all()
    assert [tuple(m) for m in media] == [("video", "video/mp4", True)]


@pytest.mark.parametrize("locale", ["en", "ar"])
async def test_a_stale_button_and_a_skipped_section(
    db: Database, org: OrgId, staff: Staff, locale: str,
) -> None:
    visit = await open_visit(db, staff)
    tech = await staff_chat(db, org, Role.LEAD_TECHNICIAN, locale)
    await tech.say(choice="m:inspect")
    await tech.say(choice=f"ip:{visit.session_id}")
    await tech.say(choice="iv:ok:0")
    stale = await tech.say(choice="iv:crit:0")  # the first item's button, tapped again
    assert keys(stale) == ["inspections.stale_button", "inspections.item"]
    skipped = await tech.say(choice="iv:skip:1")
    assert keys(skipped) == ["inspections.section_skipped", "inspections.item_low"]
    assert "iv:ok:5" in choice_ids(skipped)  # the brakes' first item
    wrong = await tech.say("كثير" if locale == "ar" else "lots")
    assert keys(wrong)[0] == "inspections.tap_or_measure"
    found = await findings(db, (await the_inspection(db, visit)).id)
    assert [found[k].severity for k in ("engine_oil", "oil_leaks", "engine_mounts")] == [
        "OK", "SKIPPED", "SKIPPED"]
    assert readable(stale + skipped + wrong)
    assert all("{" not in plain(s.text) for s in skipped)


async def finish(tech: StaffChat, visit: Visit, bad: dict[str, str]) -> None:
    """Answer every item; ``bad`` gives the non-OK taps by item key."""
    await tech.say(choice="m:inspect")
    await tech.say(choice=f"ip:{visit.session_id}")
    for index, (_, item) in enumerate(DEFAULT_TEMPLATE.items()):
        await tech.say(choice=f"iv:{bad.get(item.key, 'ok')}:{index}")


@pytest.mark.parametrize("locale", ["en", "ar"])
async def test_the_advisor_quotes_the_findings_and_publishes_the_report(
    db: Database, org: OrgId, staff: Staff, locale: str,
) -> None:
    visit = await open_visit(db, staff)
    tech = await staff_chat(db, org, Role.TECHNICIAN, locale)
    await finish(tech, visit, {"pads_front": "crit", "wipers": "adv"})
    advisor = await staff_chat(db, org, Role.ADVISOR, locale, name="Dana")
    await advisor.say(choice="m:inspect")
    summary = await advisor.say(choice=f"ip:{visit.session_id}")
    assert keys(summary) == ["inspections.summary"]
    assert {"ir:quote", "ir:publish"} <= set(choice_ids(summary))
    quoted = await advisor.say(choice="ir:quote")
    assert keys(quoted) == ["inspections.lines_made", "quote.preview"]
    async with db.read() as s:
        quote = (await s.scalars(select(Quote).where(Quote.session_id == visit.session_id))).one()
        lines = (await s.scalars(select(QuoteLine).where(QuoteLine.quote_id == quote.id)
                                 .order_by(QuoteLine.position))).all()
    assert [ln.description_en for ln in lines] == ["Replace front brake pads", "Replace wiper blades"]
    assert quote.status == "DRAFT"  # the advisor checks it first
    back = await advisor.say("back" if locale == "en" else "رجوع")
    assert keys(back) == ["inspections.summary"]
    asked = await advisor.say(choice="ir:publish")
    assert keys(asked) == ["inspections.confirm_publish"]
    done = await advisor.say(choice="ir:yes")
    assert keys(done)[0] == "inspections.published"
    assert (await the_inspection(db, visit)).status == "PUBLISHED"
    await dispatcher(db).drain()
    told = await sent_to(db, org, visit.client_id, "inspections.")
    assert [m.key for m in told] == ["inspections.report_ready"]
    assert "/i/" in told[0].text
    assert [m.key for m in await sent_to(db, org, visit.client_id)
            if m.key == "notify.approval_requested"] == []  # the report carries the quote
    assert readable(summary + quoted + asked + done)


@pytest.mark.parametrize("locale", ["en", "ar"])
async def test_roles_are_checked_again_by_the_services_and_the_menu(
    db: Database, org: OrgId, staff: Staff, locale: str,
) -> None:
    visit = await open_visit(db, staff)
    tech = await staff_chat(db, org, Role.TECHNICIAN, locale)
    await finish(tech, visit, {"wipers": "adv"})
    await tech.say(choice="m:inspect")
    summary = await tech.say(choice=f"ip:{visit.session_id}")
    assert keys(summary) == ["inspections.summary"]
    assert "ir:publish" not in choice_ids(summary)  # only advisors publish
    pressed = await tech.say(choice="ir:publish")  # a forged button
    assert keys(pressed) == ["inspections.summary"]
    insp = await the_inspection(db, visit)
    assert insp.status == "COMPLETED"
    with pytest.raises(PermissionDenied):
        async with db.unit_of_work(staff.tech) as uow:
            await publish_inspection(uow, InspectionId(insp.id))
    with pytest.raises(PermissionDenied):
        async with db.unit_of_work(staff.advisor) as uow:
            await start_inspection(uow, visit.session_id)
    advisor = await staff_chat(db, org, Role.ADVISOR, locale)
    await advisor.say(choice="m:inspect")
    other = await open_visit(db, staff)
    refused = await advisor.say(choice=f"ip:{other.session_id}")  # not inspected: advisors do not start one
    assert keys(refused)[0] == "inspections.not_inspected_yet"
    accountant = await staff_chat(db, org, Role.ACCOUNTANT, locale)
    menu = await accountant.say(choice="m:inspect")
    assert "inspections.pick" not in keys(menu)
    assert "m:inspect" not in choice_ids(menu)


@pytest.mark.parametrize("locale", ["en", "ar"])
async def test_history_in_chat_shows_each_inspection_and_the_trend_of_measurements(
    db: Database, org: OrgId, staff: Staff, locale: str,
) -> None:
    visit = await open_visit(db, staff)
    tech = await staff_chat(db, org, Role.TECHNICIAN, locale)
    await finish(tech, visit, {"pads_front": "crit"})
    async with db.read() as s:
        plate = (await s.execute(
            select(Vehicle.plate).join(RepairSession, RepairSession.vehicle_id == Vehicle.id)
            .where(RepairSession.id == visit.session_id))).scalar_one()
    typed = f"history {plate}" if locale == "en" else "سجل " + plate.translate(str.maketrans("0123456789",
                                                                                           "٠١٢٣٤٥٦٧٨٩"))
    await tech.say("menu")
    shown = await tech.say(typed)
    assert keys(shown) == ["inspections.history_no_trends"]
    assert visit.number in plain(shown[0].text)
    unknown = await tech.say("99-99999")
    assert keys(unknown) == ["inspections.history_no_car"]
    await tech.say("menu")
    assert "m:history" not in choice_ids(await tech.say("menu"))  # typed, or from the inspections screen
    await tech.say(choice="m:inspect")
    asked = await tech.say(choice="ih:history")
    assert keys(asked) == ["inspections.history_ask"]
    assert keys(await tech.say(plate)) == ["inspections.history_no_trends"]


async def test_the_last_items_finding_takes_its_note_and_photo_from_the_summary(
    db: Database, org: OrgId, staff: Staff,
) -> None:
    visit = await open_visit(db, staff)
    tech = await staff_chat(db, org, Role.TECHNICIAN, "ar")
    await finish(tech, visit, {"cv_boots": "crit"})
    noted = await tech.say("الجلدة ممزقة")
    assert keys(noted) == ["inspections.note_saved", "inspections.summary"]
    photo = await tech.send_photo()
    assert keys(photo) == ["inspections.media_saved", "inspections.summary"]
    found = await findings(db, (await the_inspection(db, visit)).id)
    assert found["cv_boots"].note == "الجلدة ممزقة"
    async with db.read() as s:
        files = (await s.scalars(select(InspectionMedia.id).where(
            InspectionMedia.finding_id == found["cv_boots"].id))).all()
    assert len(files) == 1

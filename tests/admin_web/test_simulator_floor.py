"""The simulator beyond staff chat: a technician finishes a step with a photo
attached in the browser (stored through the storage port) and the lead's and
the client's notices show in the live outbox; an owner chats as a client on
WhatsApp through the client engine; another garage's client cannot be
chosen; a photo of the wrong kind is refused in words."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import select, update

from garagebot.app.web import create_app
from garagebot.core.enums import StepStatus
from garagebot.core.models import Client, MediaFile, Organization, RepairSession, Step
from garagebot.core.notify.garage import STEP_UPDATES
from garagebot.core.uow import Database
from garagebot.core.work.templates import StepSpec
from tests.admin_web.harness import Browser, MakeClient, give_password, link_telegram, sent_to
from tests.admin_web.htmlcheck import html_problems
from tests.admin_web.test_session_actions import settle
from tests.app.conftest import app_settings
from tests.conftest import Staff, make_staff, new_garage
from tests.conversations.staff.support import assigned_card
from tests.fakes import FakeClock
from tests.webhooks.pages.scene import png

PHOTO_STEP = StepSpec(name_en="Inspect brakes", name_ar="فحص الفرامل", required_attachments=1)


@pytest.fixture
async def sim(aiohttp_client: MakeClient, db_url: str, tmp_path: Path, clock: FakeClock) -> Browser:
    settings = app_settings(db_url, tmp_path / "sim", console_simulator=True)
    return Browser(await aiohttp_client(create_app(settings, clock=clock)))


async def post_photo(sim: Browser, path: str, data: bytes, content_type: str, text: str = "") -> int:
    form = aiohttp.FormData()
    form.add_field("_csrf", sim.csrf)
    form.add_field("text", text)
    form.add_field("photo", data, filename="brakes.png", content_type=content_type)
    resp = await sim.client.post(path, data=form, allow_redirects=False)
    return resp.status


async def step_updates_on(db: Database, org: int) -> None:
    async with db.raw_transaction() as s:
        await s.execute(update(Organization).where(Organization.id == org)
                        .values(settings={STEP_UPDATES: True}))


async def client_phone(db: Database, session_id: int) -> str:
    async with db.read() as s:
        found = await s.execute(select(Client.phone).join(
            RepairSession, RepairSession.client_id == Client.id).where(RepairSession.id == session_id))
    return str(found.scalar_one())


async def test_a_technician_finishes_a_step_with_a_photo_and_the_lead_and_client_are_told(
    sim: Browser, db: Database, staff: Staff, clock: FakeClock
) -> None:
    assert staff.tech.id is not None
    assert staff.lead.id is not None
    await link_telegram(db, staff.tech, 9_300_000 + staff.tech.id)
    await link_telegram(db, staff.lead, 9_300_000 + staff.lead.id)
    await step_updates_on(db, staff.org)
    card = await assigned_card(db, staff.advisor, staff.lead, staff.id(staff.tech), [PHOTO_STEP])
    await sim.sign_in(await give_password(db, staff.owner))
    path = f"/simulator/{staff.tech.id}"
    await sim.get(f"/simulator?as={staff.tech.id}")
    for said in ("my jobs", "start 1"):
        clock.advance(seconds=5)
        assert (await sim.post(path, {"text": said}))[0] == 303
    clock.advance(seconds=5)
    assert await post_photo(sim, path, png(), "image/png") == 303
    async with db.read() as s:
        photos = (await s.scalars(select(MediaFile).where(MediaFile.step_id == card.step_ids[0]))).all()
    assert [p.kind for p in photos] == ["photo"]
    clock.advance(seconds=5)
    assert (await sim.post(path, {"text": "done"}))[0] == 303
    async with db.read() as s:
        assert (await s.get(Step, card.step_ids[0])).status == StepStatus.DONE  # type: ignore[union-attr]
    await settle(sim, db, clock, staff.org)
    assert await sent_to(db, str(9_300_000 + staff.lead.id), "floor.told_review")
    assert await sent_to(db, await client_phone(db, card.session_id), "notify.step_completed")
    status, body = await sim.get(f"/simulator?as={staff.tech.id}")
    assert status == 200
    assert html_problems(body) == []
    chat = body.split('id="chat"', 1)[1].split('id="others"', 1)[0]
    assert "[photo]" in chat
    status, live = await sim.get("/simulator/outbox")
    assert status == 200
    assert "To Lead" in live
    phone = await client_phone(db, card.session_id)
    assert f'<bdi dir="ltr">{phone}</bdi>' in live  # a number kept left to right, in Arabic too
    assert 'hx-trigger="every 2s"' in live


@pytest.mark.parametrize("lang", ["en", "ar"])
async def test_an_owner_chats_as_a_client_on_whatsapp_through_the_client_engine(
    sim: Browser, db: Database, staff: Staff, clock: FakeClock, lang: str
) -> None:
    card = await assigned_card(db, staff.advisor, staff.lead, staff.id(staff.tech), [PHOTO_STEP])
    async with db.read() as s:
        client_id = (await s.execute(select(RepairSession.client_id).where(
            RepairSession.id == card.session_id))).scalar_one()
    await sim.sign_in(await give_password(db, staff.owner))
    await sim.post("/lang", {"lang": lang, "next": "/"})
    status, body = await sim.get(f"/simulator?client={client_id}&channel=whatsapp")
    assert status == 200
    assert html_problems(body) == []
    clock.advance(seconds=5)
    assert (await sim.post(f"/simulator/client/{client_id}/whatsapp", {"text": "status"}))[0] == 303
    _, body = await sim.get(f"/simulator?client={client_id}&channel=whatsapp")
    chat = body.split('id="chat"', 1)[1].split('id="others"', 1)[0]
    assert "<bdi>status</bdi>" in chat
    assert chat.count('class="msg in"') >= 1  # the client engine's answer, in the client's language
    assert await post_photo(sim, f"/simulator/client/{client_id}/whatsapp", b"%PDF-1.4", "application/pdf"
                            ) == 400


async def test_another_garages_client_cannot_be_chosen(sim: Browser, db: Database, staff: Staff) -> None:
    other = await make_staff(db, await new_garage(db))
    card = await assigned_card(db, other.advisor, other.lead, other.id(other.tech), [PHOTO_STEP])
    async with db.read() as s:
        client_id = (await s.execute(select(RepairSession.client_id).where(
            RepairSession.id == card.session_id))).scalar_one()
    await sim.sign_in(await give_password(db, staff.owner))
    assert (await sim.get(f"/simulator?client={client_id}"))[0] == 404
    assert (await sim.post(f"/simulator/client/{client_id}/sms", {"text": "hi"}))[0] == 404

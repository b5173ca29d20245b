"""Try the bot in the browser: with the setting on, an owner chats as a
member of staff through the real engine, sees the bot's reply with its
buttons, presses one, and sees the outbox beside; off, the page is 404;
other roles are refused and another garage's member cannot be chosen."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from garagebot.app.web import create_app
from garagebot.core.uow import Database
from tests.admin_web.harness import Browser, MakeClient, give_password, link_telegram
from tests.admin_web.htmlcheck import html_problems
from tests.app.conftest import app_settings
from tests.conftest import Staff, make_staff, new_garage
from tests.fakes import FakeClock


@pytest.fixture
async def sim(aiohttp_client: MakeClient, db_url: str, tmp_path: Path, clock: FakeClock) -> Browser:
    settings = app_settings(db_url, tmp_path / "sim", console_simulator=True)
    return Browser(await aiohttp_client(create_app(settings, clock=clock)))


async def test_an_owner_chats_as_a_technician_and_presses_a_button(
    sim: Browser, db: Database, staff: Staff, clock: FakeClock
) -> None:
    assert staff.tech.id is not None
    await link_telegram(db, staff.tech, 9_000_000 + staff.tech.id)
    await sim.sign_in(await give_password(db, staff.owner))
    status, body = await sim.get(f"/simulator?as={staff.tech.id}")
    assert status == 200
    assert html_problems(body) == []
    await sim.post(f"/simulator/{staff.tech.id}", {"text": "hello"})
    status, body = await sim.get(f"/simulator?as={staff.tech.id}")
    chat = body.split('id="chat"', 1)[1].split('id="others"', 1)[0]
    assert "<bdi>hello</bdi>" in chat
    assert chat.count('class="msg in"') >= 1
    choices = re.findall(r'name="choice" value="([^"]+)"><input type="hidden" name="label" value="([^"]+)"',
                         chat)
    assert choices
    before = chat.count('class="msg in"')
    choice, label = choices[0]
    clock.advance(seconds=5)
    await sim.post(f"/simulator/{staff.tech.id}", {"choice": choice, "label": label})
    _, body = await sim.get(f"/simulator?as={staff.tech.id}")
    chat = body.split('id="chat"', 1)[1].split('id="others"', 1)[0]
    assert f"<bdi>{label}</bdi>" in chat
    assert chat.index("<bdi>hello</bdi>") < chat.index(f"<bdi>{label}</bdi>")
    others = body.split('id="others"', 1)[1]
    assert "To Tech" in others  # the recipient by name, never a chat id
    assert str(9_000_000 + staff.tech.id) not in others
    assert chat.count('class="msg in"') > before
    assert html_problems(body) == []


async def test_the_simulator_is_off_unless_the_setting_is_on(browser: Browser, db: Database,
                                                             staff: Staff) -> None:
    await browser.sign_in(await give_password(db, staff.owner))
    assert (await browser.get("/simulator"))[0] == 404
    assert (await browser.post(f"/simulator/{staff.tech.id}", {"text": "hi"}))[0] == 404


@pytest.mark.parametrize("role", ["manager", "advisor", "tech"])
async def test_only_owners_use_the_simulator(sim: Browser, db: Database, staff: Staff, role: str) -> None:
    await sim.sign_in(await give_password(db, getattr(staff, role)))
    assert (await sim.get("/simulator"))[0] == 403
    assert (await sim.post(f"/simulator/{staff.tech.id}", {"text": "hi"}))[0] == 403


async def test_another_garages_member_cannot_be_chosen(sim: Browser, db: Database, staff: Staff) -> None:
    other = await make_staff(db, await new_garage(db))
    assert other.tech.id is not None
    await link_telegram(db, other.tech, 9_500_000 + other.tech.id)
    await sim.sign_in(await give_password(db, staff.owner))
    assert (await sim.get(f"/simulator?as={other.tech.id}"))[0] == 404
    assert (await sim.post(f"/simulator/{other.tech.id}", {"text": "hi"}))[0] == 404

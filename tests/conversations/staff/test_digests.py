"""Transcripts of the KPI digest in chat: a manager or owner asks for it
("digest" / "ملخص"), drills into each list and opens an item; the buttons
refuse another role and another garage's ids; the person sets their own
digest on, off and its time, and the scheduler then follows it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from garagebot.core.digests.send import run_due_digests
from garagebot.core.enums import Role
from garagebot.core.models import InventoryItem
from garagebot.core.uow import Database
from tests.conftest import new_garage
from tests.conversations.chat import keys
from tests.conversations.staff.support import choice_ids, staff_chat
from tests.core.digests.scenario import Scene, build_scene
from tests.core.digests.support import plain, queued_digests
from tests.fakes import FakeClock


@pytest.fixture
async def scene(db: Database, clock: FakeClock) -> Scene:
    built = await build_scene(db, clock, "Asia/Amman")
    clock.set(built.local(10, 31, 19, 5))
    return built


@pytest.mark.parametrize(("locale", "ask", "expected"), [
    ("en", "digest", ["Cars in: 2 (before: 1)", "Revenue: JOD 34.800 (before: JOD 0.000)",
                      "Now — overdue: 1, awaiting approval: 1, booking requests waiting: 1."]),
    ("ar", "ملخص", ["الملخص اليومي", "السيارات الواردة: 2 (قبلها: 1)",
                    "الآن — المتأخرة: 1، بانتظار موافقة العميل: 1"]),
])
async def test_a_manager_asks_for_the_digest_and_gets_it_with_its_chart(
    db: Database, scene: Scene, locale: str, ask: str, expected: list[str],
) -> None:
    manager = await staff_chat(db, scene.org, Role.MANAGER, locale)
    got = await manager.say(ask)
    assert keys(got) == ["digests.daily"]
    for line in expected:
        assert line in plain(got[0].text)
    assert choice_ids(got)[:4] == ["dg:overdue", "dg:approval", "dg:stockouts", "dg:receivables"]
    prefix = f"digests/{scene.org}/daily-2026-10-31-{locale}"
    charts = [k for k in manager.storage.files if k.startswith(prefix)]
    assert len(charts) == 1
    assert manager.storage.files[charts[0]][0].startswith(b"\x89PNG")
    week = await manager.say("week" if locale == "en" else "الأسبوع")
    assert keys(week) == ["digests.weekly"]
    weekly = "Cars in: 4 (before: 1)" if locale == "en" else "السيارات الواردة: 4 (قبلها: 1)"
    assert weekly in plain(week[0].text)


async def test_each_list_opens_its_items(db: Database, scene: Scene) -> None:
    owner = await staff_chat(db, scene.org, Role.OWNER, "ar")
    overdue = await owner.say(choice="o:dgo:0")
    assert keys(overdue) == ["digests.overdue_list"]
    assert choice_ids(overdue)[:-1] == [f"ss:{scene.c}"]
    assert keys(await owner.say(choice=f"ss:{scene.c}")) == ["staff.session_card"]
    approval = await owner.say(choice="o:dga:0")
    assert choice_ids(approval)[:-1] == [f"ss:{scene.d}"]
    assert keys(await owner.say(choice=f"ss:{scene.d}")) == ["staff.session_card"]
    async with db.read() as s:
        oil = (await s.execute(select(InventoryItem.id).where(
            InventoryItem.organization_id == scene.org, InventoryItem.sku == "OIL"))).scalar_one()
    short = await owner.say(choice="o:dgs:0")
    assert choice_ids(short)[:-1] == [f"di:{oil}"]
    item = await owner.say(choice=f"di:{oil}")
    assert keys(item) == ["digests.item"]
    assert "المتوفر الآن: 0.000" in plain(item[0].text)
    old = await owner.say(choice="o:dgr:0")
    assert choice_ids(old)[:-1] == [f"dr:{scene.invoices['e']}"]
    assert "33 يومًا" in plain(old[0].choices[0][1])
    assert keys(await owner.say(choice=f"dr:{scene.invoices['e']}")) == ["billing.invoice_card"]


async def test_the_lists_refuse_another_role_and_another_garages_ids(db: Database, scene: Scene) -> None:
    tech = await staff_chat(db, scene.org, Role.TECHNICIAN)
    refused = await tech.say(choice="o:dgo:0")
    assert keys(refused)[0] == "floor.open_not_allowed"
    accountant = await staff_chat(db, scene.org, Role.ACCOUNTANT)
    assert keys(await accountant.say(choice="o:dgr:0"))[0] == "floor.open_not_allowed"
    elsewhere = await staff_chat(db, await new_garage(db), Role.MANAGER)
    theirs = await elsewhere.say(choice="o:dgo:0")
    assert choice_ids(theirs) == ["g:back"]  # their own garage has nothing overdue
    probe = await elsewhere.say(choice=f"ss:{scene.c}")
    assert keys(probe)[0] == "digests.not_in_list"
    await elsewhere.say(choice="o:dgr:0")
    assert keys(await elsewhere.say(choice=f"dr:{scene.invoices['e']}"))[0] == "digests.not_in_list"
    await elsewhere.say(choice="o:dgs:0")
    assert keys(await elsewhere.say(choice="di:1"))[0] == "digests.not_in_list"


@pytest.mark.parametrize("locale", ["en", "ar"])
async def test_a_manager_sets_their_own_digest_and_the_scheduler_follows_it(
    db: Database, clock: FakeClock, scene: Scene, locale: str,
) -> None:
    manager = await staff_chat(db, scene.org, Role.MANAGER, locale)
    shown = await manager.say(choice="o:dgset:0")
    assert keys(shown) == ["digests.settings"]
    assert choice_ids(shown)[:4] == ["ds:daily", "ds:weekly", "dt:daily", "dt:weekly"]
    off = await manager.say(choice="ds:weekly")
    assert keys(off) == ["digests.switched_off", "digests.settings"]
    assert keys(await manager.say(choice="dt:daily")) == ["digests.time_prompt"]
    wrong = await manager.say("25:00")
    assert keys(wrong)[0] == "digests.error_time"
    done = await manager.say("٢١:١٥" if locale == "ar" else "21:15")
    assert keys(done) == ["digests.time_set", "digests.settings"]
    assert "21:15" in plain(done[0].text)
    assert await run_due_digests(db, scene.org, clock.now()) == 0  # 19:05: not yet, weekly off
    clock.set(scene.local(10, 31, 21, 20))
    assert await run_due_digests(db, scene.org, clock.now()) == 1
    sent = await queued_digests(db, scene.org)
    assert [(q.recipient, q.key, q.locale) for q in sent] == [(manager.chat.address, "digests.daily", locale)]

"""The board of a busy garage: each column shows its first cards (highest
priority, then oldest) with the column's true count, and a link to the
session list of that status for the rest, in English and Arabic."""

from __future__ import annotations

import pytest

from garagebot.admin_web import board
from garagebot.core.ids import SessionId
from garagebot.core.repair.intake import open_session
from garagebot.core.uow import Database
from tests.admin_web.harness import Browser, give_password
from tests.admin_web.htmlcheck import html_problems
from tests.conftest import Staff


async def _open(db: Database, staff: Staff, n: int) -> list[SessionId]:
    made = []
    for i in range(n):
        async with db.unit_of_work(staff.advisor) as uow:
            made.append(await open_session(uow, phone=f"07911200{i:02d}", plate=f"50-{i:05d}",
                                           client_name=f"Client {i}", complaint="noise"))
    return made


async def test_a_full_column_shows_its_first_cards_its_count_and_a_link_to_the_rest(
    browser: Browser, db: Database, staff: Staff, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(board, "PER_COLUMN", 2)
    made = await _open(db, staff, 3)
    await browser.sign_in(await give_password(db, staff.manager))
    status, body = await browser.get("/board")
    assert status == 200
    assert html_problems(body) == []
    new = body.split('id="col-new"', 1)[1].split("</section>", 1)[0]
    assert "(3)" in new
    assert [f'id="card-{i}"' in new for i in made] == [True, True, False]  # the oldest two
    assert 'href="/sessions?status=NEW">Show all 3</a>' in new
    await browser.post("/lang", {"lang": "ar", "next": "/"})
    _, body = await browser.get("/board")
    new = body.split('id="col-new"', 1)[1].split("</section>", 1)[0]
    assert "عرض الكل (\u20683\u2069)" in new  # the number isolated in the Arabic text
    assert html_problems(body) == []


async def test_a_column_with_room_for_all_its_cards_has_no_link(
    browser: Browser, db: Database, staff: Staff
) -> None:
    made = await _open(db, staff, 2)
    await browser.sign_in(await give_password(db, staff.manager))
    _, body = await browser.get("/board")
    new = body.split('id="col-new"', 1)[1].split("</section>", 1)[0]
    assert all(f'id="card-{i}"' in new for i in made)
    assert "/sessions?status=NEW" not in new

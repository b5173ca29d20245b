"""Searching a garage's sessions (the console's list): by number, plate,
client name or phone (Arabic-Indic digits too), a typed % taken literally,
other garages never matched, and keyset pages that neither skip nor repeat."""

from __future__ import annotations

from sqlalchemy import select

from garagebot.core.ids import OrgId, SessionId
from garagebot.core.models import RepairSession
from garagebot.core.repair.intake import open_session
from garagebot.core.repair.search import SessionQuery, search_sessions
from garagebot.core.uow import Database
from tests.conftest import Staff, make_staff, new_garage

CARS = [("0791110001", "11-11111", "Lina Haddad"), ("0791110002", "22-22222", "Omar Saleh"),
        ("0791110003", "33-33333", "Rana 100% Auto"), ("0791110004", "44-44444", "Lina Khoury")]


async def _open(db: Database, staff: Staff) -> list[SessionId]:
    made = []
    for phone, plate, name in CARS:
        async with db.unit_of_work(staff.advisor) as uow:
            made.append(await open_session(uow, phone=phone, plate=plate, client_name=name,
                                           complaint="noise"))
    return made


async def _find(db: Database, org: OrgId, text: str, **kw: object) -> list[SessionId]:
    async with db.read() as s:
        rows, _ = await search_sessions(s, org, SessionQuery(text=text, **kw))  # type: ignore[arg-type]
    return [r.session_id for r in rows]


async def test_a_session_is_found_by_its_number_plate_client_name_or_phone(
    db: Database, staff: Staff
) -> None:
    ids = await _open(db, staff)
    async with db.read() as s:
        number = (await s.execute(
            select(RepairSession.number).where(RepairSession.id == ids[1]))).scalar_one()
    assert await _find(db, staff.org, number) == [ids[1]]
    assert await _find(db, staff.org, "33-333") == [ids[2]]
    assert await _find(db, staff.org, "lina") == [ids[3], ids[0]]  # newest first
    assert await _find(db, staff.org, "+962 79 111 0004") == [ids[3]]
    assert await _find(db, staff.org, "٠٧٩١١١٠٠٠٢") == [ids[1]]  # Arabic-Indic digits
    assert await _find(db, staff.org, "100%") == [ids[2]]  # the % is the typed character, not a wildcard
    assert await _find(db, staff.org, "nobody") == []


async def test_a_search_never_finds_another_garages_sessions(db: Database, staff: Staff) -> None:
    await _open(db, staff)
    other_staff = await make_staff(db, await new_garage(db))
    assert await _find(db, other_staff.org, "lina") == []
    assert await _find(db, other_staff.org, "") == []


async def test_pages_follow_each_other_without_a_gap_or_a_repeat(db: Database, staff: Staff) -> None:
    ids = await _open(db, staff)
    seen: list[SessionId] = []
    after = None
    for _ in range(4):
        async with db.read() as s:
            rows, after = await search_sessions(s, staff.org, SessionQuery(after=after), limit=1)
        seen += [r.session_id for r in rows]
        if after is None:
            break
    assert seen == list(reversed(ids))
    async with db.read() as s:
        rows, _ = await search_sessions(s, staff.org, SessionQuery(oldest_first=True), limit=10)
    assert [r.session_id for r in rows] == ids

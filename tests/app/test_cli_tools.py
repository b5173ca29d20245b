"""``garagebot link-code``, ``stock verify`` and ``chat`` in-process on a temporary SQLite file."""

from __future__ import annotations

import asyncio
import builtins
from collections.abc import Iterator
from pathlib import Path

import pytest

from garagebot.core.actor import Actor
from garagebot.core.ids import OrgId
from garagebot.core.inventory.items import ItemSpec, create_item
from garagebot.core.inventory.stock import receive_stock
from garagebot.core.uow import Database
from tests.app.test_cli import create_org, db_file, query, run

__all__ = ["db_file"]  # the fixture, used by name below


def type_lines(monkeypatch: pytest.MonkeyPatch, *lines: str) -> None:
    """Feed ``input()`` these lines, then end of input."""
    feed: Iterator[str] = iter(lines)

    def fake_input(prompt: str = "") -> str:
        try:
            return next(feed)
        except StopIteration:
            raise EOFError from None

    monkeypatch.setattr(builtins, "input", fake_input)


def add_user(capsys: pytest.CaptureFixture[str], slug: str, *extra: str) -> int:
    code, out, err = run(capsys, "create-user", "--org", slug, "--name", "Yousef", "--role", "technician",
                         *extra)
    assert (code, err) == (0, "")
    return int(out)


def test_a_link_code_printed_by_the_cli_links_telegram_through_the_chat(
    db_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    create_org(capsys, "nour")
    user_id = add_user(capsys, "nour")
    code, out, err = run(capsys, "link-code", "--user", str(user_id))
    assert code == 0
    link = out.strip()
    assert len(link) == 8
    assert f"/start {link}" in err

    type_lines(monkeypatch, f"/start {link}")
    code, out, _ = run(capsys, "chat", "--as", "5550001")
    assert code == 0
    assert "Welcome, Yousef! Your Telegram account is now linked." in out
    assert query(db_file, "SELECT telegram_user_id FROM user_account WHERE id = ?", user_id) == [(5550001,)]

    code, _, err = run(capsys, "link-code", "--user", "999999")
    assert code == 2
    assert "could not find" in err


def test_chat_shows_buttons_as_numbers_and_a_number_presses_the_button(
    db_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    create_org(capsys, "nour")
    add_user(capsys, "nour", "--telegram-id", "5550002")
    type_lines(monkeypatch, "menu", "language", "2")
    code, out, _ = run(capsys, "chat", "--as", "5550002")
    assert code == 0
    assert "Hello Yousef! What would you like to do?" in out
    assert "  2. العربية" in out
    assert "مرحبًا" in out  # the menu again, now in Arabic
    assert query(db_file, "SELECT locale FROM user_account WHERE telegram_user_id = 5550002") == [("ar",)]


def test_chat_tells_an_unlinked_id_that_it_is_not_staff(
    db_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    create_org(capsys, "nour")
    type_lines(monkeypatch, "hello")
    code, out, _ = run(capsys, "chat", "--as", "5550003")
    assert code == 0
    assert "not linked to any member of staff" in out
    code, _, err = run(capsys, "chat", "--as", "+962791234567", "--channel", "telegram")
    assert code == 2
    assert "Telegram user id" in err
    code, _, err = run(capsys, "chat", "--as", "not-a-number")
    assert code == 2
    assert "a client's phone number like +962791234567" in err


def test_chat_as_a_clients_phone_books_a_visit_like_whatsapp_would(
    db_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    create_org(capsys, "nour")
    create_org(capsys, "second")
    type_lines(monkeypatch, "hello")
    code, _, err = run(capsys, "chat", "--as", "0791234567")
    assert (code, err.strip()) == (2, "garagebot chat: name the garage with --org SLUG")

    type_lines(monkeypatch, "Hello, my car needs a check", "Lina Saleh", "12 34567", "The AC blows warm air",
               "3")
    code, out, _ = run(capsys, "chat", "--as", "079 123 4567", "--org", "nour")
    assert code == 0
    assert "We don't have your number on file yet" in out
    assert "Thank you, Lina Saleh. What is your car's plate number?" in out
    assert "3. Any time" in out  # numbered options, answered by typing the number as on SMS
    assert "Your request #1 for 12-34567 is booked for any time." in out
    assert query(db_file, "SELECT name, phone FROM client") == [("Lina Saleh", "+962791234567")]
    assert query(db_file, "SELECT complaint, channel FROM request") == [("The AC blows warm air", "whatsapp")]


async def _stock_one_item(url: str, org: OrgId) -> None:
    db = Database(url)
    try:
        async with db.unit_of_work(Actor.system(org)) as uow:
            item = await create_item(uow, ItemSpec(sku="OF-1", name_en="Oil filter", name_ar="فلتر زيت",
                                                   cost="2.500", price="4.000"))
            await receive_stock(uow, item, 10, "2.500")
    finally:
        await db.dispose()


def test_stock_verify_passes_a_consistent_ledger_and_reports_drift_with_exit_1(
    db_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    org = create_org(capsys, "nour")
    asyncio.run(_stock_one_item(f"sqlite+aiosqlite:///{db_file}", OrgId(org)))
    code, out, _ = run(capsys, "stock", "verify", "--org", "nour")
    assert (code, out.strip()) == (0, "stock matches the ledger in 1 garage(s)")

    query(db_file, "UPDATE stock_level SET on_hand = 7000")  # quantities are stored in thousandths
    code, out, _ = run(capsys, "stock", "verify")
    assert code == 1
    assert "item OF-1" in out
    assert "on_hand recorded 7.000, ledger implies 10.000" in out

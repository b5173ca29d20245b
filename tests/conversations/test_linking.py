"""Linking a Telegram account from the chat: /start CODE, the deep link, refusals."""

from __future__ import annotations

from sqlalchemy import select

from garagebot.conversations.linking import start_code
from garagebot.conversations.types import Outcome
from garagebot.core.ids import OrgId
from garagebot.core.linking import make_link_code, unlink_telegram
from garagebot.core.models import AuditEntry, Conversation, User
from garagebot.core.uow import Database
from tests.conftest import Staff
from tests.conversations.chat import Chat, keys, linked_user, telegram_id
from tests.conversations.sample_flows import sample_engine
from tests.fakes import FakeClock


async def new_code(db: Database, staff: Staff) -> str:
    async with db.unit_of_work(staff.manager) as uow:
        return await make_link_code(uow, staff.id(staff.tech))


async def test_start_with_a_code_links_the_account_and_shows_the_menu(db: Database, staff: Staff) -> None:
    code = await new_code(db, staff)
    tg = telegram_id()
    chat = Chat(sample_engine(db), db, tg)

    handled = await chat.send(chat.inbound(f"/start {code}"))

    assert handled.outcome is Outcome.HANDLED
    sent = await chat.new_messages()
    assert keys(sent) == ["bot.linked", "bot.menu"]
    assert sent[0].text == "Welcome, Tech! Your Telegram account is now linked."
    assert sent[0].recipient == str(tg)
    async with db.read() as session:
        assert await session.scalar(
            select(User.telegram_user_id).where(User.id == staff.id(staff.tech))) == tg
        conv = (await session.scalars(
            select(Conversation).where(Conversation.address == str(tg)))).one()
        actor = await session.scalar(
            select(AuditEntry.actor_id).where(AuditEntry.organization_id == staff.org,
                                              AuditEntry.action == "telegram_linked"))
    assert (conv.organization_id, conv.flow) == (staff.org, "menu")
    assert actor == staff.id(staff.tech)
    assert keys(await chat.say("help")) == ["bot.help"]


async def test_the_code_alone_links_too(db: Database, staff: Staff) -> None:
    code = await new_code(db, staff)
    chat = Chat(sample_engine(db), db, telegram_id())

    handled = await chat.send(chat.inbound(f"{code[:4]}-{code[4:].lower()}"))

    assert handled.outcome is Outcome.HANDLED
    assert keys(await chat.new_messages()) == ["bot.linked", "bot.menu"]


async def test_a_used_code_is_refused_to_the_next_person(db: Database, staff: Staff) -> None:
    code = await new_code(db, staff)
    first = Chat(sample_engine(db), db, telegram_id())
    await first.send(first.inbound(f"/start {code}"))
    second = Chat(sample_engine(db), db, telegram_id())

    handled = await second.send(second.inbound(f"/start {code}"))

    assert handled.outcome is Outcome.REFUSED
    assert [r.key for r in handled.replies] == ["bot.link_code_invalid"]
    assert await second.new_messages() == []


async def test_an_expired_code_is_refused(db: Database, staff: Staff, clock: FakeClock) -> None:
    code = await new_code(db, staff)
    clock.advance(days=2)
    chat = Chat(sample_engine(db), db, telegram_id())

    handled = await chat.send(chat.inbound(f"/start {code}"))

    assert [r.key for r in handled.replies] == ["bot.link_code_invalid"]
    async with db.read() as session:
        assert await session.scalar(
            select(User.telegram_user_id).where(User.id == staff.id(staff.tech))) is None


async def test_a_redelivered_start_links_once(db: Database, staff: Staff) -> None:
    code = await new_code(db, staff)
    chat = Chat(sample_engine(db), db, telegram_id())
    msg = chat.inbound(f"/start {code}", event_id=f"start-{code}")

    outcomes = [(await chat.send(msg)).outcome, (await chat.send(msg)).outcome]

    assert outcomes == [Outcome.HANDLED, Outcome.DUPLICATE]
    assert keys(await chat.new_messages()) == ["bot.linked", "bot.menu"]


async def test_a_linked_person_starting_again_is_told_and_gets_the_menu(db: Database, org: OrgId) -> None:
    _, tg = await linked_user(db, org)
    chat = Chat(sample_engine(db), db, tg)

    assert keys(await chat.say("/start ABCD2345")) == ["bot.already_linked", "bot.menu"]
    assert keys(await chat.say("/start")) == ["bot.menu"]


def test_start_codes_are_read_from_the_deep_link_command() -> None:
    assert start_code("/start ABCD2345") == "ABCD2345"
    assert start_code("/start@garage_bot abcd2345") == "abcd2345"
    assert start_code("/start") is None
    assert start_code("hello there") is None
    assert start_code("ABCD2345", bare=False) is None


async def test_an_account_still_held_by_someone_who_left_is_refused_with_the_reason(
    db: Database, staff: Staff
) -> None:
    leaver, tg = await linked_user(db, staff.org, name="Leaver")
    async with db.raw_transaction() as session:
        user = await session.get(User, leaver)
        assert user is not None
        user.active = False
    chat = Chat(sample_engine(db), db, tg)

    handled = await chat.send(chat.inbound(f"/start {await new_code(db, staff)}"))

    assert handled.outcome is Outcome.REFUSED
    assert [(r.key, r.params) for r in handled.replies] == [("error.telegram_taken", {"value": tg})]
    async with db.unit_of_work(staff.manager) as uow:
        await unlink_telegram(uow, leaver)
    relinked = await chat.send(chat.inbound(f"/start {await new_code(db, staff)}"))
    assert relinked.outcome is Outcome.HANDLED
    async with db.read() as session:
        holders = (await session.scalars(select(User.id).where(User.telegram_user_id == tg))).all()
    assert holders == [staff.id(staff.tech)]

"""Transcripts of the global commands in English and Arabic: menu, back, cancel,
help, language; and the idle return to the menu."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from garagebot.conversations.dialog import DialogConfig
from garagebot.conversations.engine import EngineConfig
from garagebot.core.enums import Role
from garagebot.core.i18n import FSI, PDI
from garagebot.core.ids import OrgId
from garagebot.core.models import AuditEntry, User
from garagebot.core.uow import Database
from tests.conversations.chat import Chat, keys, linked_user, translator
from tests.conversations.sample_flows import sample_engine
from tests.fakes import FakeClock


@pytest.mark.parametrize("word", ["menu", "/menu", "Menu!", "القائمة", "القائمه", "/start"])
async def test_menu_in_either_language_shows_the_menu(db: Database, org: OrgId, word: str) -> None:
    _, tg = await linked_user(db, org, name="Sami")
    chat = Chat(sample_engine(db), db, tg)
    await chat.say("count")

    sent = await chat.say(word)

    assert keys(sent) == ["bot.menu"]
    assert sent[0].text == "Hello Sami! What would you like to do?"
    assert [c[0] for c in sent[0].choices] == ["m:count", "m:fail", "m:list", "g:language", "g:help"]
    conv = await chat.conversation()
    assert (conv.flow, conv.state, conv.data["h"]) == ("menu", "main", [])


async def test_an_arabic_speaker_gets_the_menu_in_arabic_with_the_name_isolated(
    db: Database, org: OrgId
) -> None:
    _, tg = await linked_user(db, org, name="Sami", locale="ar")
    chat = Chat(sample_engine(db), db, tg)

    sent = await chat.say("القائمة")

    assert sent[0].locale == "ar"
    assert sent[0].text == f"مرحبًا {FSI}Sami{PDI}! ماذا تريد أن تفعل؟"
    assert ("g:help", "❓ مساعدة") in sent[0].choices


@pytest.mark.parametrize(("word", "locale"), [("help", "en"), ("/help", "en"), ("مساعدة", "ar")])
async def test_help_explains_the_commands_and_keeps_the_place(
    db: Database, org: OrgId, word: str, locale: str
) -> None:
    _, tg = await linked_user(db, org, locale=locale)
    chat = Chat(sample_engine(db), db, tg)
    await chat.say("count")

    sent = await chat.say(word)

    assert keys(sent) == ["test.help_counting"]
    assert (await chat.conversation()).state == "counting"
    assert keys(await chat.say("menu")) == ["bot.menu"]
    assert keys(await chat.say(choice="g:help")) == ["bot.help"]
    help_text = translator().render(locale, "bot.help")
    assert ("menu" in help_text)
    assert ("القائمة" in help_text)


@pytest.mark.parametrize("word", ["back", "رجوع"])
async def test_back_returns_to_the_previous_screen_then_to_the_menu(
    db: Database, org: OrgId, word: str
) -> None:
    _, tg = await linked_user(db, org)
    chat = Chat(sample_engine(db), db, tg)
    await chat.say("count")
    await chat.say("tick")
    assert keys(await chat.say("ask")) == ["test.asked"]

    back = await chat.say(word)

    assert keys(back) == ["test.counting"]
    assert back[0].text == "test.counting"
    conv = await chat.conversation()
    assert (conv.flow, conv.state, conv.data["d"]) == ("counter", "counting", {"n": 1})
    assert keys(await chat.say(word)) == ["bot.menu"]
    assert keys(await chat.say(word)) == ["bot.menu"]  # nothing further back than the menu


@pytest.mark.parametrize("word", ["cancel", "/cancel", "إلغاء", "الغاء"])
async def test_cancel_leaves_the_flow_for_the_menu(db: Database, org: OrgId, word: str) -> None:
    _, tg = await linked_user(db, org)
    chat = Chat(sample_engine(db), db, tg)
    await chat.say("count")
    await chat.say("ask")

    sent = await chat.say(word)

    assert keys(sent) == ["bot.cancelled", "bot.menu"]
    conv = await chat.conversation()
    assert (conv.flow, conv.state, conv.data["d"], conv.data["h"]) == ("menu", "main", {}, [])


async def test_switching_to_arabic_stores_the_locale_and_answers_in_arabic(
    db: Database, org: OrgId
) -> None:
    uid, tg = await linked_user(db, org)
    chat = Chat(sample_engine(db), db, tg)

    prompt = await chat.say("language")
    assert keys(prompt) == ["bot.language_prompt"]
    assert [c[0] for c in prompt[0].choices] == ["lang:en", "lang:ar", "g:back"]

    sent = await chat.say(choice="lang:ar")

    assert keys(sent) == ["bot.language_set", "bot.menu"]
    assert {s.locale for s in sent} == {"ar"}
    assert sent[0].text == "تم: سأكتب لك بالعربية."
    async with db.read() as session:
        user = await session.get(User, uid)
        assert user is not None
        assert user.locale == "ar"
        audit = (await session.scalars(
            select(AuditEntry).where(AuditEntry.organization_id == org,
                                     AuditEntry.action == "locale_changed")
        )).one()
    assert (audit.entity_id, audit.before, audit.after) == (str(uid), {"locale": "en"}, {"locale": "ar"})


async def test_typing_english_in_arabic_switches_back(db: Database, org: OrgId) -> None:
    uid, tg = await linked_user(db, org, locale="ar")
    chat = Chat(sample_engine(db), db, tg)
    await chat.say("اللغة")

    sent = await chat.say("انجليزي")

    assert [(s.key, s.locale) for s in sent] == [("bot.language_set", "en"), ("bot.menu", "en")]
    assert sent[0].text == "Done: I will write to you in English."
    async with db.read() as session:
        assert await session.scalar(select(User.locale).where(User.id == uid)) == "en"


async def test_an_unknown_answer_to_the_language_question_asks_again(db: Database, org: OrgId) -> None:
    _, tg = await linked_user(db, org, role=Role.ADVISOR)
    chat = Chat(sample_engine(db), db, tg)
    await chat.say("/language")

    sent = await chat.say("klingon")

    assert keys(sent) == ["bot.not_understood", "bot.language_prompt"]
    assert (await chat.conversation()).flow == "language"


async def test_an_idle_conversation_goes_back_to_the_menu(
    db: Database, org: OrgId, clock: FakeClock
) -> None:
    _, tg = await linked_user(db, org)
    config = EngineConfig(dialog=DialogConfig(idle_timeout=dt.timedelta(minutes=20)))
    chat = Chat(sample_engine(db, config=config), db, tg)
    await chat.say("count")
    clock.advance(minutes=19)
    assert keys(await chat.say("tick")) == ["test.count"]

    clock.advance(minutes=21)
    sent = await chat.say("tick")

    assert keys(sent) == ["bot.not_understood", "bot.menu"]
    conv = await chat.conversation()
    assert (conv.flow, conv.state, conv.data["d"]) == ("menu", "main", {})

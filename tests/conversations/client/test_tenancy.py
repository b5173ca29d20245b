"""Two garages: a client's chat with one garage never sees or decides
anything of the other's."""

from __future__ import annotations

from garagebot.core.billing.enums import LineDecision
from garagebot.core.enums import SessionStatus
from garagebot.core.ids import OrgId
from garagebot.core.uow import Database
from tests.conftest import Staff, make_staff, new_garage
from tests.conversations.client.harness import ClientChat, scene, sent_quote, visit
from tests.conversations.client.test_quote import decisions

S = SessionStatus


async def test_a_client_of_one_garage_is_a_stranger_to_the_other(
    db: Database, org: OrgId, staff: Staff
) -> None:
    v = await visit(db, staff, path=(S.DIAGNOSING,))
    other = await scene(db, await new_garage(db))
    chat = ClientChat(other.engine(), other.garage, v.phone)

    [said] = await chat.say("where is my car?")

    assert said.key == "client.intake_welcome"
    assert v.plate not in said.text


async def test_a_button_naming_another_garages_quote_decides_nothing(
    db: Database, org: OrgId, staff: Staff
) -> None:
    v = await visit(db, staff, path=(S.DIAGNOSING,))
    qid, _ = await sent_quote(db, staff, v)
    other_org = await new_garage(db)
    other_staff = await make_staff(db, other_org)
    other = await scene(db, other_org)
    theirs = await visit(db, other_staff, phone=v.phone, path=(S.DIAGNOSING,))
    chat = ClientChat(other.engine(), other.garage, theirs.phone)

    [said] = await chat.say(choice=f"q:{qid}:all:a")

    assert said.key == "client.quote_button_refused"  # the same answer whether the id exists or not
    assert await decisions(db, qid) == [LineDecision.PENDING] * 3

"""The authorization matrix of the client channels on Twilio (WhatsApp buttons), through
signed webhooks on the real aiohttp app (the client engine on both
databases): every quote button payload the product emits, pressed by
someone whose quote it is not (another client of the garage, a number the
garage does not know, a client of another garage), is refused politely,
reveals nothing and changes nothing (issue 11, 1.1 and 1.7). The rows a
decision would change are read before and after (``authz_support``); the
Meta half is in tests/webhooks/meta/test_authorization_matrix.py.
"""

from __future__ import annotations

import pytest

from garagebot.core.ids import OrgId
from tests.conftest import Staff
from tests.conversations.client.harness import mobile, scene, sent_quote, visit
from tests.webhooks.authz_support import (
    ATTACKERS,
    REFUSED,
    Press,
    S,
    attack,
    quote_state,
    reveals_nothing,
    told,
)
from tests.webhooks.twilio.conftest import TwilioHarness, form


def twilio_press(twilio: TwilioHarness, number: str) -> Press:
    async def press(sender: str, data: str) -> int:
        params = form("whatsapp_button", From=f"whatsapp:{sender}", To=f"whatsapp:{number}",
                      WaId=sender.lstrip("+"), ButtonPayload=data, ButtonText="Approve all",
                      Body="Approve all")
        return await twilio.post("/webhooks/twilio/whatsapp", params)
    return press



@pytest.mark.parametrize("attacker", ATTACKERS)
async def test_no_quote_button_on_twilio_acts_for_anyone_but_the_quotes_client(
    twilio: TwilioHarness, staff: Staff, attacker: str
) -> None:
    async def theirs(org: OrgId, _staff: Staff) -> Press:
        return twilio_press(twilio, (await scene(twilio.db, org)).whatsapp)

    await attack(twilio.db, staff, attacker, twilio_press(twilio, twilio.scene.whatsapp), theirs)


async def test_an_unknown_number_cannot_approve_a_quote_by_a_twilio_button_payload(
    twilio: TwilioHarness, staff: Staff
) -> None:
    """Issue 11, 1.1 as found: ``ButtonPayload=q:<quote>:all:a`` from a number
    the garage does not know approved the quote."""
    victim = await visit(twilio.db, staff, path=(S.DIAGNOSING,))
    qid, _ = await sent_quote(twilio.db, staff, victim)
    before = await quote_state(twilio.db, staff.org, qid, victim.session_id)
    stranger = mobile()

    assert await twilio_press(twilio, twilio.scene.whatsapp)(stranger, f"q:{qid}:all:a") == 200

    assert await quote_state(twilio.db, staff.org, qid, victim.session_id) == before
    assert [key for key, _ in await told(twilio.db, stranger)] == [REFUSED]


async def test_a_client_cannot_read_another_clients_quote_by_its_buttons(
    twilio: TwilioHarness, staff: Staff
) -> None:
    """Issue 11, 1.7 as found: ``q:<quote>:pick`` and ``q:<quote>:l:<line>``
    from another client of the garage listed the victim's lines and prices."""
    victim = await visit(twilio.db, staff, path=(S.DIAGNOSING,))
    qid, lines = await sent_quote(twilio.db, staff, victim)
    nosy = await visit(twilio.db, staff, locale="ar", name="عمر", path=(S.DIAGNOSING,))
    press = twilio_press(twilio, twilio.scene.whatsapp)

    await press(nosy.phone, f"q:{qid}:pick")
    await press(nosy.phone, f"q:{qid}:l:{lines[0]}")

    said = await told(twilio.db, nosy.phone)
    assert [key for key, _ in said] == [REFUSED, REFUSED]
    assert said[0][1].startswith("هذا الزر لا يخص عرض سعر لك")  # in the client's language
    assert all(reveals_nothing(text) for _, text in said)


async def test_the_quotes_own_client_still_decides_by_the_same_button(
    twilio: TwilioHarness, staff: Staff
) -> None:
    """The control row of the matrix: the payload is refused for its sender, not for what it is."""
    victim = await visit(twilio.db, staff, path=(S.DIAGNOSING,))
    qid, _ = await sent_quote(twilio.db, staff, victim)

    await twilio_press(twilio, twilio.scene.whatsapp)(victim.phone, f"q:{qid}:all:a")

    after = await quote_state(twilio.db, staff.org, qid, victim.session_id)
    assert after.status == "APPROVED"
    assert set(after.lines) == {("APPROVED", "client")}

"""The authorization matrix of the client channels on Meta WhatsApp, through
signed webhooks on the real aiohttp app (the client engine on both
databases): every quote button payload the product emits, pressed by
someone whose quote it is not (another client of the garage, a number the
garage does not know, a client of another garage), is refused politely,
reveals nothing and changes nothing (issue 11, 1.1 and 1.7). The rows a
decision would change are read before and after (``authz_support``); the
Twilio half is in tests/webhooks/twilio/test_authorization_matrix.py.
"""

from __future__ import annotations

import uuid

import pytest

from garagebot.core.actor import Actor
from garagebot.core.garage import set_garage_settings
from garagebot.core.ids import OrgId
from tests.conftest import Staff
from tests.conversations.client.harness import mobile, sent_quote, visit
from tests.webhooks.authz_support import ATTACKERS, REFUSED, Press, S, attack, quote_state, told
from tests.webhooks.meta.conftest import MetaHarness, payload


def meta_press(meta: MetaHarness, phone_number_id: str) -> Press:
    async def press(sender: str, data: str) -> int:
        return await meta.post(payload("button_reply", phone_number_id, sender, interactive={
            "type": "button_reply", "button_reply": {"id": data, "title": "Approve all"}}))
    return press



@pytest.mark.parametrize("attacker", ATTACKERS)
async def test_no_quote_button_on_meta_acts_for_anyone_but_the_quotes_client(
    meta: MetaHarness, staff: Staff, attacker: str
) -> None:
    async def theirs(org: OrgId, _staff: Staff) -> Press:
        pnid = str(10**14 + uuid.uuid4().int % 10**14)
        async with meta.db.unit_of_work(Actor.system(org)) as uow:
            await set_garage_settings(uow, numbers={"meta_phone_number_id": pnid})
        return meta_press(meta, pnid)

    await attack(meta.db, staff, attacker, meta_press(meta, meta.phone_number_id), theirs)


async def test_an_unknown_number_cannot_decline_a_quote_by_a_signed_meta_button(
    meta: MetaHarness, staff: Staff
) -> None:
    """Issue 11, 1.1 as found: button_reply ``q:<quote>:all:d`` from a number
    the garage does not know declined the quote (decided_by_kind=system)."""
    victim = await visit(meta.db, staff, path=(S.DIAGNOSING,))
    qid, _ = await sent_quote(meta.db, staff, victim)
    before = await quote_state(meta.db, staff.org, qid, victim.session_id)
    stranger = mobile()

    assert await meta_press(meta, meta.phone_number_id)(stranger, f"q:{qid}:all:d") == 200

    after = await quote_state(meta.db, staff.org, qid, victim.session_id)
    assert after == before
    assert (after.status, after.session) == ("SENT", "AWAITING_CLIENT_APPROVAL")
    assert {kind for _, kind in after.lines} == {None}
    assert [key for key, _ in await told(meta.db, stranger)] == [REFUSED]

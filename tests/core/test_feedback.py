"""Ratings: only the session's client (or intake staff), only after delivery, 1 to 5."""

from __future__ import annotations

import pytest

from garagebot.core.actor import Actor
from garagebot.core.enums import Channel, SessionStatus
from garagebot.core.errors import InvalidInput, InvalidTransition, PermissionDenied
from garagebot.core.feedback import comment_visit, rate_visit
from garagebot.core.ids import ClientId, OrgId
from garagebot.core.uow import Database
from tests.conftest import Staff
from tests.conversations.client.harness import visit

S = SessionStatus


async def test_ratings_are_refused_before_delivery_out_of_range_and_for_others(
    db: Database, org: OrgId, staff: Staff
) -> None:
    v = await visit(db, staff, path=(S.DIAGNOSING,))
    me = Actor.client(org, v.client_id, Channel.WHATSAPP)
    async with db.unit_of_work(me) as uow:
        with pytest.raises(InvalidTransition):
            await rate_visit(uow, v.session_id, 5)
    async with db.unit_of_work(me) as uow:
        with pytest.raises(InvalidInput):
            await rate_visit(uow, v.session_id, 6)
    async with db.unit_of_work(Actor.client(org, ClientId(v.client_id + 10**6), Channel.WHATSAPP)) as uow:
        with pytest.raises(PermissionDenied):
            await rate_visit(uow, v.session_id, 5)
    async with db.unit_of_work(staff.tech) as uow:
        with pytest.raises(PermissionDenied):
            await rate_visit(uow, v.session_id, 5)
    async with db.unit_of_work(me) as uow:
        with pytest.raises(InvalidInput):
            await comment_visit(uow, v.session_id, "   ")

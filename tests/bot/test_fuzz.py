"""Property tests of POST /webhooks/telegram (issue 11, point 3): whatever an
authenticated sender posts, the answer is never a 500, and an update that is
a text message is always recorded, whatever its text."""

from __future__ import annotations

import itertools
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from garagebot.bot.webhook import SECRET_HEADER
from garagebot.core.ids import OrgId
from garagebot.core.models import InboundEvent
from tests.bot.conftest import SECRET, BotHarness, update
from tests.conversations.chat import linked_user
from tests.webhooks.fuzzing import FUZZ, deeply_nested, json_body, json_values, raw_bytes, texts

_IDS = itertools.count(950_000_000)


async def post(bot: BotHarness, body: bytes) -> int:
    resp = await bot.client.post("/webhooks/telegram", data=body, headers={
        SECRET_HEADER: SECRET, "Content-Type": "application/json"})
    return resp.status


@FUZZ
@given(body=raw_bytes | json_values.map(json_body) | st.integers(1, 300).map(deeply_nested))
async def test_any_body_with_the_secret_is_never_a_500(bot: BotHarness, body: bytes) -> None:
    assert await post(bot, body) < 500


@FUZZ
@given(kind=st.sampled_from(["message", "edited_message", "callback_query", "channel_post"]),
       value=json_values)
async def test_any_update_shape_is_never_a_500(bot: BotHarness, kind: str, value: Any) -> None:
    assert await post(bot, json_body({"update_id": next(_IDS), kind: value})) < 500


@FUZZ
@given(text=texts)
async def test_a_text_message_is_recorded_whatever_its_text(bot: BotHarness, org: OrgId, text: str) -> None:
    _, tg = await linked_user(bot.db, org)
    raw = update("text", tg, update_id=next(_IDS), text=text)
    assert await post(bot, json.dumps(raw).encode()) == 200
    async with bot.db.read() as session:
        recorded = await session.scalar(select(InboundEvent.id).where(
            InboundEvent.provider == "telegram", InboundEvent.event_id == str(raw["update_id"])))
    assert recorded is not None

"""Property tests of POST /webhooks/meta/whatsapp (issue 11, point 3): a
correctly signed body of any bytes, shape, size or nesting is never a 500,
and a signed text message is always recorded, whatever its text."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tests.webhooks.fuzzing import FUZZ, deeply_nested, json_body, json_values, raw_bytes, texts
from tests.webhooks.meta.conftest import (
    APP_SECRET,
    PATH,
    MetaHarness,
    first_message_id,
    meta_signature,
    payload,
)

SENDER = "+962790000123"


async def post(meta: MetaHarness, body: bytes) -> int:
    resp = await meta.client.post(PATH, data=body, headers={
        "Content-Type": "application/json", "X-Hub-Signature-256": meta_signature(APP_SECRET, body)})
    return resp.status


@FUZZ
@given(body=raw_bytes | json_values.map(json_body) | st.integers(1, 300).map(deeply_nested))
async def test_any_signed_body_is_never_a_500(meta: MetaHarness, body: bytes) -> None:
    assert await post(meta, body) < 500


@FUZZ
@given(message=st.dictionaries(st.sampled_from(["type", "from", "id", "text", "interactive", "button",
                                                "image", "location", "context", "timestamp"]),
                               json_values, max_size=6),
       kind=st.sampled_from(["text", "interactive", "button", "image", "location", "audio", "reaction"]))
async def test_any_message_shape_is_never_a_500(
    meta: MetaHarness, message: dict[str, Any], kind: str
) -> None:
    raw = payload("text", meta.phone_number_id, SENDER)
    raw["entry"][0]["changes"][0]["value"]["messages"][0] = {"type": kind, **message}
    assert await post(meta, json_body(raw)) < 500


@FUZZ
@given(text=texts)
async def test_a_signed_text_is_recorded_whatever_its_text(meta: MetaHarness, text: str) -> None:
    raw = payload("text", meta.phone_number_id, SENDER, text={"body": text})
    assert await post(meta, json_body(raw)) == 200
    assert await meta.inbound_count(first_message_id(raw)) == 1

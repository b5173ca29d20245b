"""Meta status webhooks: out of order, duplicated, failed with Meta's error
code; a sent message's status only moves forward."""

from __future__ import annotations

from garagebot.core.enums import SessionStatus
from garagebot.core.models import OutboxRow
from tests.conftest import Staff
from tests.conversations.client.harness import outbox_to, visit
from tests.webhooks.meta.conftest import MetaHarness, payload

S = SessionStatus


async def _sent(meta: MetaHarness, staff: Staff) -> OutboxRow:
    v = await visit(meta.db, staff, path=(S.DIAGNOSING,))
    await meta.send("text", v.phone)
    await meta.deliver()
    [row] = await outbox_to(meta.db, v.phone)
    assert row.status == "sent"
    return row


async def _status(meta: MetaHarness, row: OutboxRow) -> tuple[str, str | None]:
    async with meta.db.read() as s:
        fresh = await s.get(OutboxRow, row.id)
        assert fresh is not None
        return fresh.status, fresh.error


async def test_read_before_delivered_stays_read(meta: MetaHarness, staff: Staff) -> None:
    row = await _sent(meta, staff)
    wamid = str(row.provider_message_id)

    assert await meta.post(payload("status_read", meta.phone_number_id, id=wamid)) == 200
    assert await meta.post(payload("status_delivered", meta.phone_number_id, id=wamid)) == 200
    assert await meta.post(payload("status_read", meta.phone_number_id, id=wamid)) == 200

    assert await _status(meta, row) == ("read", None)


async def test_a_failed_status_keeps_metas_error_code(meta: MetaHarness, staff: Staff) -> None:
    row = await _sent(meta, staff)

    raw = payload("status_failed", meta.phone_number_id, id=str(row.provider_message_id))
    assert await meta.post(raw) == 200

    assert await _status(meta, row) == ("failed", "provider status failed (131047)")


async def test_a_failure_after_delivery_does_not_undo_it(meta: MetaHarness, staff: Staff) -> None:
    row = await _sent(meta, staff)
    wamid = str(row.provider_message_id)

    await meta.post(payload("status_delivered", meta.phone_number_id, id=wamid))
    await meta.post(payload("status_failed", meta.phone_number_id, id=wamid))

    assert await _status(meta, row) == ("delivered", None)


async def test_a_status_for_a_message_we_never_sent_is_acknowledged(meta: MetaHarness) -> None:
    assert await meta.post(payload("status_delivered", meta.phone_number_id, id="wamid.UNKNOWN")) == 200

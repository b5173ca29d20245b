"""POST /webhooks/twilio/status: a sent message's status only moves forward,
failures keep Twilio's error code, forged callbacks change nothing."""

from __future__ import annotations

from garagebot.core.enums import SessionStatus
from garagebot.core.models import OutboxRow
from tests.conftest import Staff
from tests.conversations.client.harness import outbox_to, visit
from tests.webhooks.twilio.conftest import TwilioHarness, form, new_sid

S = SessionStatus


async def _sent_row(twilio: TwilioHarness, staff: Staff) -> OutboxRow:
    v = await visit(twilio.db, staff, path=(S.DIAGNOSING,))
    await twilio.sms(v.phone, "status")
    await twilio.deliver()
    [row] = await outbox_to(twilio.db, v.phone)
    assert row.status == "sent"
    return row


async def _status_of(twilio: TwilioHarness, row: OutboxRow) -> tuple[str, str | None]:
    async with twilio.db.read() as s:
        fresh = await s.get(OutboxRow, row.id)
        assert fresh is not None
        return fresh.status, fresh.error


async def _callback(twilio: TwilioHarness, sid: str, status: str, **extra: str) -> int:
    params = form("status_delivered", MessageSid=sid, SmsSid=sid, MessageStatus=status, SmsStatus=status,
                  **extra)
    return await twilio.post("/webhooks/twilio/status", params)


async def test_statuses_move_forward_and_never_back(twilio: TwilioHarness, staff: Staff) -> None:
    row = await _sent_row(twilio, staff)
    sid = str(row.provider_message_id)

    assert await _callback(twilio, sid, "delivered") == 204
    assert await _status_of(twilio, row) == ("delivered", None)
    assert await _callback(twilio, sid, "sent") == 204  # late, out of order
    assert await _callback(twilio, sid, "queued") == 204  # on the way: not tracked
    assert (await _status_of(twilio, row))[0] == "delivered"
    assert await _callback(twilio, sid, "read") == 204
    assert await _callback(twilio, sid, "failed", ErrorCode="30008") == 204
    assert await _status_of(twilio, row) == ("read", None)


async def test_an_undelivered_message_is_failed_with_twilios_error_code(
    twilio: TwilioHarness, staff: Staff
) -> None:
    row = await _sent_row(twilio, staff)
    sid = str(row.provider_message_id)
    params = form("status_failed", MessageSid=sid, SmsSid=sid)

    assert await twilio.post("/webhooks/twilio/status", params) == 204

    assert await _status_of(twilio, row) == ("failed", "provider status failed (30008)")


async def test_a_forged_status_callback_changes_nothing(twilio: TwilioHarness, staff: Staff) -> None:
    row = await _sent_row(twilio, staff)
    params = form("status_failed", MessageSid=str(row.provider_message_id),
                  SmsSid=str(row.provider_message_id))

    assert await twilio.post("/webhooks/twilio/status", params, signature="forged") == 403
    assert await twilio.post("/webhooks/twilio/status", params, signature=None) == 403

    assert await _status_of(twilio, row) == ("sent", None)


async def test_a_callback_for_an_unknown_message_is_acknowledged(twilio: TwilioHarness) -> None:
    sid = new_sid()
    assert await _callback(twilio, sid, "delivered") == 204
    assert await twilio.post("/webhooks/twilio/status", {"MessageSid": "x"}) == 403

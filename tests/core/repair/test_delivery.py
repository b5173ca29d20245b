"""Delivery: only a COMPLETED session, only on the client's PIN or signature."""

from __future__ import annotations

import pytest

from garagebot.core.errors import InvalidInput, InvalidTransition, NotFound, PermissionDenied
from garagebot.core.ids import MediaId, SessionId
from garagebot.core.repair.delivery import MAX_PIN_FAILURES, DeliveryMethod, DeliveryOutcome, confirm_delivery
from garagebot.core.uow import Database
from tests.conftest import Staff, new_garage
from tests.core.repair.helpers import (
    S,
    add_media,
    audit_actions,
    events,
    footprint,
    history,
    open_direct,
    session_row,
    to_deliverable,
)


async def _deliver(
    db: Database, staff: Staff, sid: SessionId, *, pin: str | None = None, media: int | None = None
) -> DeliveryOutcome:
    async with db.unit_of_work(staff.advisor) as uow:
        return await confirm_delivery(
            uow, sid, pin=pin, signature_media_id=MediaId(media) if media is not None else None
        )


async def test_the_clients_pin_delivers_the_car(db: Database, staff: Staff) -> None:
    sid = await open_direct(db, staff.advisor)
    await to_deliverable(db, staff, sid)
    pin = (await session_row(db, sid)).delivery_pin
    outcome = await _deliver(db, staff, sid, pin=f" {pin} ")
    assert outcome.delivered
    assert outcome.method is DeliveryMethod.PIN
    rs = await session_row(db, sid)
    assert rs.status == S.DELIVERED
    assert rs.delivered_at is not None
    assert (await history(db, sid))[-1] == ("COMPLETED", "DELIVERED")
    delivered = await events(db, staff.org, "session.delivered")
    assert [(e.payload["method"], e.payload["number"]) for e in delivered] == [("pin", rs.number)]


async def test_a_pin_in_arabic_digits_is_accepted(db: Database, staff: Staff) -> None:
    sid = await open_direct(db, staff.advisor)
    await to_deliverable(db, staff, sid)
    pin = (await session_row(db, sid)).delivery_pin
    arabic = pin.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert (await _deliver(db, staff, sid, pin=arabic)).delivered


async def test_wrong_pins_are_counted_and_then_only_a_signature_delivers(db: Database, staff: Staff) -> None:
    sid = await open_direct(db, staff.advisor)
    await to_deliverable(db, staff, sid)
    wrong = f"{(int((await session_row(db, sid)).delivery_pin) + 1) % 10_000:04d}"
    for attempt in range(1, MAX_PIN_FAILURES + 1):
        outcome = await _deliver(db, staff, sid, pin=wrong)
        assert not outcome.delivered
        assert outcome.key == "error.delivery_pin_wrong"
        assert outcome.params == {"attempts_left": MAX_PIN_FAILURES - attempt}
    rs = await session_row(db, sid)
    assert (rs.status, rs.delivery_pin_failures) == (S.COMPLETED, MAX_PIN_FAILURES)
    assert (await audit_actions(db, staff.org, "repair_session", sid)).count("delivery_pin_rejected") == 5
    with pytest.raises(InvalidTransition) as err:
        await _deliver(db, staff, sid, pin=rs.delivery_pin)
    assert err.value.key == "error.delivery_pin_locked"
    signature = await add_media(db, staff.org, "signature", sid)
    assert (await _deliver(db, staff, sid, media=signature)).delivered


async def test_a_signature_of_this_session_delivers_and_is_kept(db: Database, staff: Staff) -> None:
    sid = await open_direct(db, staff.advisor)
    await to_deliverable(db, staff, sid)
    signature = await add_media(db, staff.org, "signature", sid)
    outcome = await _deliver(db, staff, sid, media=signature)
    assert outcome.delivered
    assert outcome.method is DeliveryMethod.SIGNATURE
    assert (await session_row(db, sid)).delivery_signature_media_id == signature


async def test_a_photo_or_another_sessions_or_garages_signature_does_not_deliver(
    db: Database, staff: Staff
) -> None:
    sid = await open_direct(db, staff.advisor, 1)
    other = await open_direct(db, staff.advisor, 2)
    await to_deliverable(db, staff, sid)
    photo = await add_media(db, staff.org, "photo", sid)
    foreign_session = await add_media(db, staff.org, "signature", other)
    foreign_garage = await add_media(db, await new_garage(db), "signature", None)
    before = await footprint(db, staff.org)
    for media in (photo, foreign_session):
        with pytest.raises(InvalidInput) as err:
            await _deliver(db, staff, sid, media=media)
        assert err.value.key == "error.delivery_signature_invalid"
    with pytest.raises(NotFound):
        await _deliver(db, staff, sid, media=foreign_garage)
    assert await footprint(db, staff.org) == before
    assert (await session_row(db, sid)).status == S.COMPLETED


async def test_delivery_needs_exactly_one_proof_a_completed_session_and_an_advisor(
    db: Database, staff: Staff
) -> None:
    sid = await open_direct(db, staff.advisor)
    with pytest.raises(InvalidInput) as err:
        await _deliver(db, staff, sid)
    assert err.value.key == "error.delivery_proof_required"
    with pytest.raises(InvalidInput):
        await _deliver(db, staff, sid, pin="1234", media=1)
    pin = (await session_row(db, sid)).delivery_pin
    with pytest.raises(InvalidTransition) as err2:
        await _deliver(db, staff, sid, pin=pin)
    assert err2.value.key == "error.session_transition_forbidden"
    assert (await session_row(db, sid)).delivery_pin_failures == 0
    await to_deliverable(db, staff, sid)
    with pytest.raises(PermissionDenied):
        async with db.unit_of_work(staff.lead) as uow:
            await confirm_delivery(uow, sid, pin=pin)

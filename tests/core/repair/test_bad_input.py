"""Bad input: every refusal is a domain error with a key, and nothing is half-written."""

from __future__ import annotations

import datetime as dt

import pytest

from garagebot.core.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from garagebot.core.ids import QcItemId, RequestId, SessionId
from garagebot.core.repair.intake import create_request, open_session
from garagebot.core.repair.qc import tick_qc_item
from garagebot.core.repair.sessions import change_status, check_in
from garagebot.core.uow import Database
from tests.conftest import Staff
from tests.core.repair.helpers import VALID_VIN, S, footprint, open_direct

GOOD: dict[str, object] = {"phone": "0791234567", "plate": "12-34567", "complaint": "Brakes squeal"}


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"phone": "12345"}, "error.invalid_phone"),
        ({"phone": "call me"}, "error.invalid_phone"),
        ({"phone": " "}, "error.intake_phone_required"),
        ({"plate": "--"}, "error.invalid_plate"),
        ({"plate": ""}, "error.intake_plate_required"),
        ({"vin": "1HGCM82633A004353"}, "error.vin_check_digit"),
        ({"vin": "1HGCM82633A00435"}, "error.invalid_vin"),
        ({"complaint": "  "}, "error.intake_complaint_required"),
        ({"complaint": "x" * 2001}, "error.repair_text_too_long"),
        ({"year": 1850}, "error.vehicle_year_invalid"),
        ({"mileage_km": -5}, "error.vehicle_mileage_invalid"),
        ({"locale": "fr"}, "error.client_locale_invalid"),
        ({"preferred_time": dt.datetime(2026, 12, 1, 9, 0)}, "error.repair_time_without_zone"),
    ],
)
async def test_a_malformed_request_is_refused_before_anything_is_written(
    db: Database, staff: Staff, changes: dict[str, object], key: str
) -> None:
    before = await footprint(db, staff.org)
    with pytest.raises(InvalidInput) as err:
        async with db.unit_of_work(staff.advisor) as uow:
            await create_request(uow, **{**GOOD, "vin": VALID_VIN, **changes})  # type: ignore[arg-type]
    assert err.value.key == key
    assert await footprint(db, staff.org) == before


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"phone": "079"}, "error.invalid_phone"),
        ({"vin": "I1111111111111111"}, "error.invalid_vin"),
        ({"priority": 9}, "error.session_priority_invalid"),
        ({"mileage_km": 3_000_000}, "error.vehicle_mileage_invalid"),
    ],
)
async def test_a_malformed_session_takes_no_number_and_creates_no_client(
    db: Database, staff: Staff, changes: dict[str, object], key: str
) -> None:
    await open_direct(db, staff.advisor, 5)  # the day's counter exists
    before = await footprint(db, staff.org)
    with pytest.raises(InvalidInput) as err:
        async with db.unit_of_work(staff.advisor) as uow:
            await open_session(uow, **{**GOOD, **changes})  # type: ignore[arg-type]
    assert err.value.key == key
    assert await footprint(db, staff.org) == before
    assert (await footprint(db, staff.org))["numbers_taken"] == 1


async def test_unknown_ids_are_not_found_with_a_key(db: Database, staff: Staff) -> None:
    unknown = 987_654_321
    for call in (
        lambda uow: change_status(uow, SessionId(unknown), S.DIAGNOSING),
        lambda uow: check_in(uow, SessionId(unknown), 10),
        lambda uow: tick_qc_item(uow, QcItemId(unknown)),
        lambda uow: open_session(uow, request_id=RequestId(unknown)),
    ):
        with pytest.raises(NotFound) as err:
            async with db.unit_of_work(staff.advisor) as uow:
                await call(uow)
        assert err.value.key == "error.not_found"


async def test_a_missing_permission_is_refused_and_writes_nothing(db: Database, staff: Staff) -> None:
    before = await footprint(db, staff.org)
    for actor in (staff.tech, staff.assistant, staff.inventory, staff.accountant, staff.lead):
        with pytest.raises(PermissionDenied) as err:
            async with db.unit_of_work(actor) as uow:
                await open_session(uow, **GOOD)  # type: ignore[arg-type]
        assert err.value.key == "error.permission_denied"
        with pytest.raises(PermissionDenied):
            async with db.unit_of_work(actor) as uow:
                await create_request(uow, **GOOD)  # type: ignore[arg-type]
    assert await footprint(db, staff.org) == before


async def test_every_refusal_carries_a_key_and_parameters(db: Database, staff: Staff) -> None:
    sid = await open_direct(db, staff.advisor)
    with pytest.raises(DomainError) as err:
        await open_direct(db, staff.advisor)
    assert err.value.key == "error.vehicle_has_active_session"
    assert set(err.value.params) == {"number", "plate"}
    assert err.value.params["plate"] == "11-00001"
    with pytest.raises(DomainError) as err2:
        async with db.unit_of_work(staff.advisor) as uow:
            await change_status(uow, sid, S.COMPLETED)
    assert err2.value.key == "error.session_transition_forbidden"

"""Handing the car back: COMPLETED → DELIVERED on the client's proof.

The proof is either the session's 4-digit delivery PIN (compared in constant
time) or a signature image of this garage captured for this session. A wrong
PIN is not an exception: it is recorded (audited, counted) and the outcome
says how many tries are left, because an exception would roll the count back
and allow unlimited guessing. After ``MAX_PIN_FAILURES`` wrong PINs the PIN is
refused and only a signature will do.

The car goes only against an issued invoice that is paid, or billed to a
fleet account; otherwise a manager may deliver with a reason (audited as
"override", guard "invoice"). ``invoice_block`` says what is missing, for
the chat to tell before it asks for the PIN.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.core.billing.enums import InvoiceStatus, PayerKind
from garagebot.core.enums import SessionStatus
from garagebot.core.errors import InvalidInput, InvalidTransition
from garagebot.core.ids import MediaId, SessionId
from garagebot.core.models import Invoice, MediaFile, RepairSession
from garagebot.core.money import Money, format_money
from garagebot.core.normalize import ascii_digits, clean_text
from garagebot.core.permissions import Permission
from garagebot.core.repair import inputs
from garagebot.core.repair.machine import status_key
from garagebot.core.repair.transitions import transition
from garagebot.core.uow import UnitOfWork

MAX_PIN_FAILURES = 5
SIGNATURE_KIND = "signature"


class DeliveryMethod(StrEnum):
    PIN = "pin"
    SIGNATURE = "signature"


@dataclass(frozen=True, slots=True)
class DeliveryOutcome:
    """``delivered`` False means a wrong PIN; ``key`` names the message to show."""

    delivered: bool
    method: DeliveryMethod
    pin_attempts_left: int
    key: str | None = None

    @property
    def params(self) -> dict[str, int]:
        """Parameters of ``key``'s message."""
        return {"attempts_left": self.pin_attempts_left}


@dataclass(frozen=True, slots=True)
class InvoiceBlock:
    """Why a car may not go yet for want of an invoice or its payment."""

    key: str
    params: dict[str, str]


async def invoice_block(session: AsyncSession, org_id: int, rs: RepairSession) -> InvoiceBlock | None:
    """None when the session's live invoice is issued and paid (or billed to a
    fleet account); else what is missing."""
    live = (await session.execute(select(Invoice).where(
        Invoice.organization_id == org_id, Invoice.session_id == rs.id,
        Invoice.status != InvoiceStatus.VOID.value,
    ).order_by(Invoice.id.desc()).limit(1))).scalar_one_or_none()
    if live is None or live.status == InvoiceStatus.DRAFT.value:
        return InvoiceBlock("error.delivery_needs_invoice", {"number": rs.number})
    if live.payer_kind == PayerKind.FLEET.value or live.status == InvoiceStatus.PAID.value:
        return None
    balance = format_money(Money(live.total - live.paid_amount, live.currency), "en")
    return InvoiceBlock("error.delivery_invoice_unpaid", {
        "number": rs.number, "invoice": live.number, "balance": balance})


async def confirm_delivery(
    uow: UnitOfWork,
    session_id: SessionId,
    *,
    pin: str | None = None,
    signature_media_id: MediaId | None = None,
    override_reason: str | None = None,
) -> DeliveryOutcome:
    """Deliver a COMPLETED session on the client's PIN or signature (exactly
    one). Unless its invoice is issued and paid (or on a fleet account), a
    manager's ``override_reason`` is needed."""
    await uow.require(Permission.CONFIRM_DELIVERY)
    if (pin is None) == (signature_media_id is None):
        raise InvalidInput("error.delivery_proof_required")
    rs = await uow.get(RepairSession, session_id, lock=True)
    if rs.status != SessionStatus.COMPLETED:
        raise InvalidTransition(
            "error.session_transition_forbidden", number=rs.number,
            **{"@from_status": status_key(SessionStatus(rs.status)),
               "@to_status": status_key(SessionStatus.DELIVERED)},
        )
    block = await invoice_block(uow.session, uow.org_id, rs)
    reason = await _override_reason(uow, block, override_reason)
    if signature_media_id is not None:
        await _check_signature(uow, rs, signature_media_id)
        method = DeliveryMethod.SIGNATURE
    else:
        assert pin is not None
        if not await _pin_matches(uow, rs, pin):
            left = MAX_PIN_FAILURES - rs.delivery_pin_failures
            return DeliveryOutcome(False, DeliveryMethod.PIN, left, "error.delivery_pin_wrong")
        method = DeliveryMethod.PIN
    if block is not None:
        await uow.audit("repair_session", rs.id, "override", before={"status": rs.status}, after={
            "guard": "invoice", "reason": reason, "missing": block.key, **block.params})
        uow.emit("session.guard_overridden", {
            "session_id": rs.id, "number": rs.number, "guard": "invoice", "reason": reason})
    await transition(uow, rs, SessionStatus.DELIVERED, delivery_method=method.value)
    uow.emit("session.delivered", {
        "session_id": rs.id, "number": rs.number, "from": SessionStatus.COMPLETED.value,
        "to": SessionStatus.DELIVERED.value, "client_id": rs.client_id, "method": method.value,
    })
    return DeliveryOutcome(True, method, MAX_PIN_FAILURES - rs.delivery_pin_failures)


async def _override_reason(uow: UnitOfWork, block: InvoiceBlock | None, given: str | None) -> str | None:
    """The manager's reason for delivering over ``block`` (None when nothing blocks)."""
    if block is None:
        return None
    if given is None:
        raise InvalidTransition(block.key, **block.params)
    await uow.require(Permission.OVERRIDE_GUARD)
    return inputs.required_text(given, "error.session_override_reason_required", inputs.MAX_NOTE)


async def _check_signature(uow: UnitOfWork, rs: RepairSession, media_id: MediaId) -> None:
    media = await uow.get(MediaFile, media_id)
    if media.kind != SIGNATURE_KIND or (media.session_id is not None and media.session_id != rs.id):
        raise InvalidInput("error.delivery_signature_invalid", id=media.id)
    rs.delivery_signature_media_id = media.id
    await uow.audit("repair_session", rs.id, "delivery_signature", after={"media_id": media.id})


async def _pin_matches(uow: UnitOfWork, rs: RepairSession, pin: str) -> bool:
    """Compare in constant time; count and audit a wrong PIN."""
    if rs.delivery_pin_failures >= MAX_PIN_FAILURES:
        raise InvalidTransition("error.delivery_pin_locked", number=rs.number)
    typed = ascii_digits(clean_text(pin)).encode()
    if hmac.compare_digest(typed, rs.delivery_pin.encode()):
        return True
    rs.delivery_pin_failures += 1
    await uow.audit("repair_session", rs.id, "delivery_pin_rejected",
                    after={"failures": rs.delivery_pin_failures})
    uow.emit("session.delivery_pin_rejected", {
        "session_id": rs.id, "number": rs.number, "failures": rs.delivery_pin_failures,
    })
    return False
